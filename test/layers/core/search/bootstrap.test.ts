/** ensureSearchIndex: builds on the first start, reuses on the second, rebuilds for another encoder. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeTinyClipModels } from '#core/encoders/clip/tiny-model';
import { createClipEncoder } from '#core/encoders/clip/clip-encoder';
import { ensureSearchIndex } from '#core/search/bootstrap';
import { s3IndexStore } from '#core/adapters/aws/index-store';
import { useLocalCloud } from '../../../support/local-cloud.ts';
import { seedCatalog } from '../../../functions/search/fixtures.ts';

useLocalCloud({ api: false });

const tinyEncoder = async (seed: number, id: string) => {
  const m = writeTinyClipModels(mkdtempSync(path.join(tmpdir(), 'tiny-clip-')), { dim: 16, seed });
  return createClipEncoder({ visionModel: m.visionModel, textModel: m.textModel, id });
};

describe('ensureSearchIndex', () => {
  it('builds, then reuses, then rebuilds when the encoder changes', async () => {
    const { products } = await seedCatalog();
    const encoder = await tinyEncoder(1, 'tiny-a');
    const logs: string[] = [];
    const first = await ensureSearchIndex((m) => logs.push(m), { encoder });
    expect(first).toMatchObject({ action: 'built', count: products.length, encoder: { id: 'tiny-a' } });
    expect(logs.join('\n')).toMatch(/no search index yet/);
    expect((await s3IndexStore().readPointer())?.version).toBe(first.version);

    const second = await ensureSearchIndex(() => undefined, { encoder });
    expect(second).toMatchObject({ action: 'reused', version: first.version, count: products.length });

    const other = await tinyEncoder(2, 'tiny-b');
    const third = await ensureSearchIndex((m) => logs.push(m), { encoder: other });
    expect(third).toMatchObject({ action: 'built', encoder: { id: 'tiny-b' } });
    expect(third.version).not.toBe(first.version);
    expect(logs.join('\n')).toMatch(/built with encoder tiny-a/);
  });
});
