/**
 * DynamoCatalogRepo against dynalite (the local cloud, real HTTP): GSIs, page filling, cursors, batch retries.
 * Kept next to the catalog tests; the adapter lives in layers/core/src/adapters/aws/dynamo-catalog.ts.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamoDocClient } from '#core/adapters/aws/clients';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { encodeCursor, InvalidCursorError } from '#core/catalog/cursor';
import { matchesFilters, type Product, type ProductFilters } from '#core';
import { useLocalCloud } from '../../../support/local-cloud.ts';

useLocalCloud({ api: false });

const TYPES = ['Tshirts', 'Jeans', 'Watches'];
const GENDERS = ['Men', 'Women'];
const COLOURS = ['Blue', 'Black', 'Red'];

function product(i: number): Product {
  const now = '2026-01-01T00:00:00.000Z';
  return {
    id: String(1000 + i),
    sku: `MYN-${1000 + i}`,
    title: `Product ${i}`,
    brand: i % 4 === 0 ? '' : 'Brandy',
    gender: GENDERS[i % 2]!,
    ageGroup: '',
    masterCategory: 'Apparel',
    subCategory: 'Topwear',
    articleType: TYPES[i % 3]!,
    baseColour: COLOURS[i % 5 === 0 ? 2 : i % 2]!,
    colours: [],
    season: 'Summer',
    usage: 'Casual',
    price: 100 + ((i * 37) % 50) * 10,
    currency: 'INR',
    attributes: {},
    description: '',
    sizes: [],
    stock: i % 7 === 0 ? 0 : 5,
    imageKeys: [`products/${1000 + i}.jpg`],
    createdAt: now,
    updatedAt: now,
  };
}
const all = Array.from({ length: 90 }, (_, i) => product(i));

/** Every page of a listing, following cursors. */
async function collect(repo: DynamoCatalogRepo, f: ProductFilters & { category?: string }, limit: number) {
  const pages: Product[][] = [];
  let cursor: string | undefined;
  do {
    const page = await repo.list(f, limit, cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    pages.push(page.items);
    cursor = page.cursor;
  } while (cursor && pages.length < 100);
  return pages;
}

describe('DynamoCatalogRepo', () => {
  let repo: DynamoCatalogRepo;
  beforeAll(async () => {
    repo = new DynamoCatalogRepo();
    expect(await repo.putMany(all)).toEqual({ written: 90 });
  });

  it('round-trips a product, empty fields included', async () => {
    const p = await repo.get('1000');
    expect(p).toEqual(all[0]);
    expect(await repo.get('999999')).toBeUndefined();
  });

  it('getMany keeps the requested order and drops unknown ids', async () => {
    const ids = ['1005', 'nope', '1001', '1005', ...all.slice(10, 130).map((p) => p.id)];
    const got = await repo.getMany(ids);
    expect(got.slice(0, 3).map((p) => p.id)).toEqual(['1005', '1001', '1005']);
    expect(got).toHaveLength(3 + 80);
  });

  it('lists a category through byCategoryPrice: price order, price range, every item once across pages', async () => {
    const f = { category: 'Jeans', priceMin: 200, priceMax: 400 };
    const pages = await collect(repo, f, 4);
    const items = pages.flat();
    const expected = all.filter((p) => p.articleType === 'Jeans' && p.price >= 200 && p.price <= 400);
    expect(expected.length).toBeGreaterThan(4);
    expect(items.map((p) => p.id).sort()).toEqual(expected.map((p) => p.id).sort());
    const prices = items.map((p) => p.price);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
  });

  it('lists a gender through byGenderPrice with extra filters, matching the in-memory oracle', async () => {
    const f: ProductFilters = { gender: 'Women', baseColour: 'Black', priceMin: 150, inStock: true };
    const items = (await collect(repo, f, 5)).flat();
    const expected = all.filter((p) => matchesFilters(p, f));
    expect(expected.length).toBeGreaterThan(5);
    expect(items.map((p) => p.id).sort()).toEqual(expected.map((p) => p.id).sort());
  });

  it('falls back to a filtered Scan and still fills pages', async () => {
    const f: ProductFilters = { baseColour: 'Red' };
    const pages = await collect(repo, f, 6);
    const expected = all.filter((p) => p.baseColour === 'Red');
    expect(pages.flat().map((p) => p.id).sort()).toEqual(expected.map((p) => p.id).sort());
    // Every page but the last is full even though most scanned items fail the filter.
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(6);
  });

  it('scan() pages through the whole catalog', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await repo.scan(cursor, 25);
      seen.push(...page.items.map((p) => p.id));
      cursor = page.cursor;
    } while (cursor);
    expect(seen.sort()).toEqual(all.map((p) => p.id).sort());
  });

  it('rejects bad cursors with InvalidCursorError', async () => {
    const page = await repo.list({ category: 'Jeans' }, 2);
    expect(page.cursor).toBeTruthy();
    await expect(repo.list({ category: 'Jeans' }, 2, 'not a cursor!')).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(repo.list({ category: 'Jeans' }, 2, 'eyJ2IjoxfQ')).rejects.toBeInstanceOf(InvalidCursorError);
    // A cursor from another query (other category, other access path) is refused.
    await expect(repo.list({ category: 'Watches' }, 2, page.cursor)).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(repo.list({ gender: 'Men' }, 2, page.cursor)).rejects.toBeInstanceOf(InvalidCursorError);
    // Well-formed JSON with the wrong key shape is refused before DynamoDB sees it.
    const forged = encodeCursor({ v: 1, m: 'c', p: 'Jeans', k: { id: '1', articleType: 'Jeans' } });
    await expect(repo.list({ category: 'Jeans' }, 2, forged)).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('retries UnprocessedItems and throttling until every item is written', async () => {
    const real = dynamoDocClient();
    let calls = 0;
    let throttled = false;
    // Fault injection over the real server: the first calls write only half their items and report the rest unprocessed.
    const flaky = {
      send: async (cmd: unknown) => {
        if (!(cmd instanceof BatchWriteCommand)) return real.send(cmd as never);
        calls++;
        if (!throttled) {
          throttled = true;
          throw Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
        }
        const [table, requests] = Object.entries(cmd.input.RequestItems!)[0]!;
        if (calls > 4 || requests.length < 2) return real.send(cmd);
        const half = Math.ceil(requests.length / 2);
        await real.send(new BatchWriteCommand({ RequestItems: { [table]: requests.slice(0, half) } }));
        return { UnprocessedItems: { [table]: requests.slice(half) } };
      },
    };
    const retrying = new DynamoCatalogRepo({ client: flaky as never, retry: { baseDelayMs: 1 } });
    const batch = Array.from({ length: 40 }, (_, i) => ({ ...product(500 + i), title: `Retried ${i}` }));
    expect(await retrying.putMany(batch)).toEqual({ written: 40 });
    expect(calls).toBeGreaterThan(3);
    const stored = await repo.getMany(batch.map((p) => p.id));
    expect(stored.map((p) => p.title)).toEqual(batch.map((p) => p.title));
  });

  it('gives up with a clear error when items stay unprocessed', async () => {
    const stuck = { send: async (cmd: BatchWriteCommand) => ({ UnprocessedItems: cmd.input.RequestItems }) };
    const repo2 = new DynamoCatalogRepo({ client: stuck as never, retry: { maxAttempts: 3, baseDelayMs: 1 } });
    await expect(repo2.putMany([product(1)])).rejects.toThrow(/1 items still unprocessed after 3 attempts/);
  });
});
