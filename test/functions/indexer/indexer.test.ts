/** The indexer: the admin route's asynchronous path (S3 request object → bucket notification → build) and direct invokes. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { s3IndexStore } from '#core/adapters/aws/index-store';
import { loadIndex } from '#core/index/artifact-io';
import { loadPointed } from '#core/index/deltas';
import { useLocalCloud } from '../../support/local-cloud.ts';
import { seedCatalog, useTinyClipEncoder, type SeededCatalog } from '../search/fixtures.ts';
import { handler } from '#functions/indexer/handler';

useTinyClipEncoder();
const local = useLocalCloud();
let catalog: SeededCatalog;
const ctx = {} as Context;

beforeAll(async () => {
  catalog = await seedCatalog();
});

describe('indexer', () => {
  it('POST /v1/admin/index/rebuild answers 202 and the bucket notification builds and publishes the index', async () => {
    const r = await local.api('/v1/admin/index/rebuild', { method: 'POST', headers: { authorization: `Bearer ${local.token({ groups: ['admin'] })}` } });
    expect(r.status).toBe(202);
    expect(await r.json()).toMatchObject({ status: 'accepted', requestId: expect.any(String) });
    await local.cloud.drainEvents();
    expect(local.cloud.deadLetters).toEqual([]);
    const pointer = await s3IndexStore().readPointer();
    expect(pointer?.encoder.id).toBe('tiny-clip-test');
    const index = await loadIndex(s3IndexStore(), pointer!.version);
    expect(index.size).toBe(catalog.products.length);
    expect(index.manifest).toMatchObject({ dim: 32, count: catalog.products.length, hnsw: { m: 16 } });
  });

  it('direct invoke: remove and add products incrementally, each a new version', async () => {
    const before = (await s3IndexStore().readPointer())!.version;
    const removed = (await handler({ action: 'remove', productIds: ['20001', '20002'] }, ctx)) as { version: string; count: number };
    expect(removed.count).toBe(catalog.products.length - 2);
    // Published as a delta on the version before; what a cold process loads is that version with the delta applied.
    const afterPointer = (await s3IndexStore().readPointer())!;
    expect(afterPointer).toMatchObject({ version: removed.version, base: before, deltas: [{ version: removed.version }] });
    const afterRemove = await loadPointed(s3IndexStore(), afterPointer);
    expect(afterRemove.has('20001')).toBe(false);

    const added = (await handler({ action: 'add', productIds: ['20001', '424242'] }, ctx)) as { version: string; count: number; added: number; missing: number };
    expect(added).toMatchObject({ added: 1, missing: 1, count: catalog.products.length - 1 });
    const live = await loadPointed(s3IndexStore(), (await s3IndexStore().readPointer())!);
    expect(live.version).toBe(added.version);
    expect(live.has('20001')).toBe(true);
    expect(live.has('20002')).toBe(false);
  });

  it('refuses an unknown event', async () => {
    await expect(handler({ action: 'explode' }, ctx)).rejects.toThrow(/unknown event/);
  });
});
