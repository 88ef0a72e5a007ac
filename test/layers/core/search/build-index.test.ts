/** buildIndex against the local cloud: a rebuild that runs while incremental updates are published keeps them. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeTinyClipModels } from '#core/encoders/clip/tiny-model';
import { createClipEncoder } from '#core/encoders/clip/clip-encoder';
import { buildIndex } from '#core/search/build-index';
import { s3IndexStore } from '#core/adapters/aws/index-store';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { IndexHolder } from '#core/index/holder';
import { indexedItem } from '#core/index/artifact';
import { randomUnitVector } from '#core/index/vectors';
import { useLocalCloud } from '../../../support/local-cloud.ts';
import { seedCatalog } from '../../../functions/search/fixtures.ts';

useLocalCloud({ api: false });

describe('buildIndex', () => {
  it('replays updates published while it ran, so products uploaded during a rebuild stay searchable', async () => {
    const { products } = await seedCatalog();
    const m = writeTinyClipModels(mkdtempSync(path.join(tmpdir(), 'tiny-clip-')), { dim: 16, seed: 1 });
    const encoder = await createClipEncoder({ visionModel: m.visionModel, textModel: m.textModel, id: 'tiny' });
    const deps = { catalog: new DynamoCatalogRepo(), images: new S3BlobStore({ bucket: 'catalog' }), encoder, store: s3IndexStore() };
    await buildIndex(deps);

    // A second rebuild, held half-way while another process publishes two updates (deltas).
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let embedded = 0;
    const logs: string[] = [];
    const rebuild = buildIndex({ ...deps, log: (l) => logs.push(l), concurrency: 1, precomputed: async () => (++embedded === 5 ? (await gate, undefined) : undefined) });
    while (embedded < 5) await new Promise((r) => setTimeout(r, 10));

    const writer = new IndexHolder({ store: s3IndexStore(), refreshSeconds: 3600 });
    const upload = (id: string) => ({ item: { ...indexedItem(products[0]), id, title: `Uploaded ${id}` }, vector: randomUnitVector(16, Math.random) });
    await writer.update({ add: [upload('55501')] }, { encoder: { id: encoder.id, version: encoder.version }, dim: 16 });
    await writer.update({ add: [upload('55502')], remove: [products[1].id] }, { encoder: { id: encoder.id, version: encoder.version }, dim: 16 });
    release();
    const report = await rebuild;

    expect(logs.join('\n')).toMatch(/2 update\(s\) published during the build replayed/);
    const live = await new IndexHolder({ store: s3IndexStore(), refreshSeconds: 3600 }).get();
    expect(live.version).toBe(report.manifest.version);
    expect(live.has('55501') && live.has('55502')).toBe(true);
    expect(live.has(products[1].id)).toBe(false);
    expect(live.size).toBe(products.length + 1);

    // An update embedded with another encoder is refused, not mixed into this space.
    await expect(writer.update({ add: [upload('55503')] }, { encoder: { id: 'other', version: '9' }, dim: 16 })).rejects.toThrow(/built with encoder tiny/);
  });
});
