import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { foldOf, type CatalogRow } from '../../../models/training/data.ts';
import { readFeatureCache, writeFeatureCache, featureRow } from '../../../models/training/feature-cache.ts';
import { mulberry32 } from '../../../models/training/model.ts';
import { allViewTexts, fieldValue, sampleView } from '../../../models/training/views.ts';

const row: CatalogRow = {
  id: '15970', title: 'Turtle Check Men Navy Blue Shirt', gender: 'Men', masterCategory: 'Apparel', subCategory: 'Topwear',
  articleType: 'Shirts', baseColour: 'Navy Blue', season: 'Fall', usage: 'Casual', attributes: { pattern: 'Checked', fit: 'Slim Fit' },
};

describe('folds', () => {
  it('puts ids ending in 7 in test, 3 in validation, the rest in train', () => {
    expect(foldOf('10007')).toBe('test');
    expect(foldOf('10003')).toBe('val');
    expect(foldOf('10000')).toBe('train');
    expect(foldOf('17')).toBe('test');
  });
});

describe('text views', () => {
  it('sample texts that state only labels the product has', () => {
    const rng = mulberry32(1);
    for (let i = 0; i < 200; i++) {
      const v = sampleView(row, rng);
      expect(v.text.length).toBeGreaterThan(0);
      for (const f of v.fields) expect(fieldValue(row, f)).not.toBe('');
      if (v.fields.includes('baseColour')) expect(v.text).toContain('navy blue');
      if (v.fields.includes('title')) expect(v.text).toBe(row.title);
    }
    // A product without attributes never gets attribute views.
    const bare = { ...row, attributes: {} };
    for (let i = 0; i < 100; i++) expect(sampleView(bare, rng).fields).not.toContain('pattern');
    expect(allViewTexts(row)).toContain('navy blue shirts');
  });
});

describe('feature cache', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lookbook-features-'));
  const saved = process.env.LOOKBOOK_MODEL_DIR;
  afterAll(() => {
    if (saved === undefined) delete process.env.LOOKBOOK_MODEL_DIR;
    else process.env.LOOKBOOK_MODEL_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips ids and rows through the binary file', () => {
    process.env.LOOKBOOK_MODEL_DIR = dir;
    const mobilenet = Float32Array.from({ length: 3 * 4 }, (_, i) => i / 7);
    const colour = Float32Array.from({ length: 3 * 2 }, (_, i) => -i);
    writeFeatureCache({ version: 'v-test', set: 'small', ids: ['1', '2', '3'], mobilenetDim: 4, colourDim: 2, mobilenet, colour, failed: ['4'] });
    const t = readFeatureCache('small');
    expect(t.ids).toEqual(['1', '2', '3']);
    expect(t.failed).toEqual(['4']);
    expect(Array.from(featureRow(t, 1).mobilenet)).toEqual(Array.from(mobilenet.subarray(4, 8)));
    expect(Array.from(featureRow(t, 2).colour)).toEqual([-4, -5]);
  });
});
