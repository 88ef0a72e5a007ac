import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalCloud } from '../../support/local-cloud.ts';
import { seedCatalog } from './seed.ts';

const local = useLocalCloud();
beforeAll(seedCatalog);

interface ErrorBody {
  error: { code: string; message: string; requestId?: string; details?: { issues: Array<{ field: string; message: string }> } };
}

async function error(path: string, status: number): Promise<ErrorBody['error']> {
  const res = await local.api(path);
  expect(res.status).toBe(status);
  return ((await res.json()) as ErrorBody).error;
}

describe('products routes reject bad requests clearly', () => {
  it('404 with a message for an unknown id', async () => {
    const e = await error('/v1/products/999999', 404);
    expect(e).toMatchObject({ code: 'NOT_FOUND', message: 'No product with id 999999' });
    expect(e.requestId).toBeTruthy();
  });

  it('400 naming path.id for a non-numeric id', async () => {
    const e = await error('/v1/products/abc', 400);
    expect(e.message).toMatch(/^Invalid path\.id: /);
  });

  it('400 naming the query field', async () => {
    expect((await error('/v1/products?priceMin=cheap', 400)).message).toMatch(/^Invalid query\.priceMin: must be a non-negative number/);
    expect((await error('/v1/products?priceMin=900&priceMax=100', 400)).message).toBe('Invalid query.priceMin: priceMin (900) must not exceed priceMax (100)');
    expect((await error('/v1/products?limit=500', 400)).message).toBe('Invalid query.limit: must be at most 100');
    expect((await error('/v1/products?inStock=maybe', 400)).message).toMatch(/^Invalid query\.inStock/);
    expect((await error('/v1/products?category=', 400)).message).toMatch(/^Invalid query\.category: category must not be empty/);
    expect((await error('/v1/products?colour=Red', 400)).message).toMatch(/Unrecognized key.*colour/);
  });

  it('400 for a cursor that is garbage or belongs to another query', async () => {
    expect((await error('/v1/products?cursor=%%%', 400)).message).toMatch(/^Invalid query\.cursor/);
    const first = (await (await local.api('/v1/products?category=Jeans&limit=2')).json()) as { cursor: string };
    expect(first.cursor).toBeTruthy();
    const e = await error(`/v1/products?category=Watches&limit=2&cursor=${encodeURIComponent(first.cursor)}`, 400);
    expect(e.details?.issues[0]?.field).toBe('query.cursor');
    const forged = Buffer.from(JSON.stringify({ v: 1, m: 'c', p: 'Jeans', k: { id: { S: 'x' } } })).toString('base64url');
    await error(`/v1/products?category=Jeans&cursor=${forged}`, 400);
  });
});
