/**
 * The harness end to end on a handful of generated products: every task runs for a label oracle (which must score
 * perfectly where the protocol allows), random, and the CLIP path on the generated tiny model.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { runEval, type EvalReport } from '../../../models/eval/harness.ts';
import { TASKS, selectTasks } from '../../../models/eval/registry.ts';
import { formatReport } from '../../../models/eval/report.ts';
import { createEnvClipSystem, createTinyClipSystem } from '../../../models/eval/systems/clip.ts';
import { writeTinyClipModels } from '#core/encoders/clip/tiny-model';
import { ensureClipVocab } from '../../layers/core/encoders/clip/vocab.ts';
import { createRandomSystem } from '../../../models/eval/systems/random.ts';
import type { EvalData, EvalProduct, EvalSystem, EvalTask } from '../../../models/eval/types.ts';

const TYPES = ['Tshirts', 'Jeans', 'Watches'];
const COLOURS: Record<string, [number, number, number]> = { Red: [220, 30, 30], Blue: [30, 30, 220], Black: [15, 15, 15] };
const GENDERS = ['Men', 'Women'];

/** 3 types × 3 colours × 2 genders × 10 copies (text→image asks for ≥ 10 relevant) in the test fold, plus a few training-fold products. */
function generate(): EvalData {
  const products: EvalProduct[] = [];
  let n = 0;
  for (const articleType of TYPES)
    for (const baseColour of Object.keys(COLOURS))
      for (const gender of GENDERS)
        for (let copy = 0; copy < 10; copy++) {
          const id = String(10007 + 10 * n++); // ends in 7: test fold
          products.push({ id, title: `${gender} ${baseColour} ${articleType} ${copy}`, gender, articleType, baseColour, masterCategory: 'Apparel', subCategory: 'Topwear', season: 'Summer', usage: 'Casual' });
        }
  for (let i = 0; i < 4; i++) {
    products.push({ id: String(20001 + 10 * i), title: `Men Red Tshirts ${i}`, gender: 'Men', articleType: 'Tshirts', baseColour: 'Red', masterCategory: 'Apparel', subCategory: 'Topwear', season: 'Summer', usage: 'Casual' });
  }
  const byId = new Map(products.map((p) => [p.id, p]));
  const ids = products.map((p) => p.id).sort((a, b) => Number(a) - Number(b));
  return {
    name: 'generated',
    products,
    imageIds: { small: ids, hires: ids.filter((id) => id.endsWith('7')).slice(0, 12) },
    cacheable: false,
    async readImage(set, id) {
      const p = byId.get(id)!;
      const [r, g, b] = COLOURS[p.baseColour];
      const [w, h] = set === 'small' ? [60, 80] : [300, 400];
      // Colour from the label, a white band whose position depends on the type.
      const band = TYPES.indexOf(p.articleType);
      const svg = `<svg width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="rgb(${r},${g},${b})"/><rect y="${(band * h) / 3}" width="${w}" height="${h / 6}" fill="white"/></svg>`;
      return sharp(Buffer.from(svg)).jpeg().toBuffer();
    },
  };
}

/** Knows the labels: images by their product's labels, texts by the label words they contain. */
function oracle(data: EvalData): EvalSystem {
  const vocab = [...TYPES, ...Object.keys(COLOURS), ...GENDERS];
  const dim = vocab.length;
  const byId = new Map(data.products.map((p) => [p.id, p]));
  const unit = (hot: number[], weights?: number[]) => {
    const v = new Float32Array(dim);
    hot.forEach((i, k) => (v[i] += weights?.[k] ?? 1));
    const s = Math.hypot(...v);
    return v.map((x) => (s ? x / s : 0));
  };
  return {
    id: 'oracle',
    label: 'label oracle',
    dim,
    async embedImages(_set, ids) {
      // Gender weighs less so "colour type" queries still rank every matching product first.
      return ids.map((id) => {
        const p = byId.get(id)!;
        return unit([vocab.indexOf(p.articleType), vocab.indexOf(p.baseColour), vocab.indexOf(p.gender)], [1, 1, 0.3]);
      });
    },
    async embedTexts(texts) {
      return texts.map((t) => unit(t.split(' ').map((w) => vocab.indexOf(w)).filter((i) => i >= 0)));
    },
    async predictAttribute(attribute, _set, ids) {
      return ids.map((id) => byId.get(id)![attribute]);
    },
  };
}

describe('npm run eval harness on generated items', () => {
  let report: EvalReport;
  let systems: EvalSystem[];
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-cache-'));

  beforeAll(async () => {
    await ensureClipVocab();
    const data = generate();
    systems = [oracle(data), createRandomSystem(16), await createTinyClipSystem(data)];
    report = await runEval(data, { tasks: TASKS, systems, seed: 1, log: () => {}, cacheDir });
  });
  afterAll(async () => {
    for (const s of systems) await s.close?.();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  const metric = (task: string, system: string, name: string) => {
    const r = report.tasks.find((t) => t.id === task)!.results[system];
    if (!r || 'error' in r) throw new Error(`${task}/${system}: ${r && 'error' in r ? r.error : 'missing'}`);
    return r.metrics[name];
  };

  it('runs every registered task for every system without errors', () => {
    expect(report.tasks.map((t) => t.id)).toEqual(TASKS.map((t) => t.id));
    for (const t of report.tasks) for (const s of systems) expect(t.results[s.id], `${t.id}/${s.id}`).not.toHaveProperty('error');
  });

  it('scores the oracle perfectly where the protocol allows', () => {
    // 10 relevant per "gender colour type" query, 20 per "colour type".
    expect(metric('text-image', 'oracle', 'nDCG@10')).toBeCloseTo(1, 6);
    expect(metric('text-image', 'oracle', 'P@10')).toBeCloseTo(1, 6);
    expect(metric('text-image-short', 'oracle', 'nDCG@10')).toBeCloseTo(1, 6);
    expect(metric('text-image-short', 'oracle', 'P@10')).toBeCloseTo(1, 6);
    // Own product excluded: 19 other products share type and colour.
    expect(metric('image-image', 'oracle', 'P@10')).toBeCloseTo(1, 6);
    // Composed: the image's type in another colour (20 such products): the oracle finds them.
    expect(metric('composed', 'oracle', 'P@10')).toBeCloseTo(1, 6);
    expect(metric('attributes', 'oracle', 'articleType zero-shot')).toBe(1);
    expect(metric('attributes', 'oracle', 'baseColour heads')).toBe(1);
    expect(metric('attributes', 'random', 'articleType heads')).toBeNull();
    // With the oracle's exact attribute readings the named-attribute leg ranks only relevant products first.
    expect(metric('named-attributes', 'oracle', 'image→image P@10')).toBeCloseTo(1, 6);
    expect(metric('named-attributes', 'oracle', 'composed P@10')).toBeCloseTo(1, 6);
    expect(metric('named-attributes', 'clip-tiny', 'composed P@10')).toBeNull();
    // Titles are unique per product here: one relevant each.
    expect(metric('kagl-attributes', 'oracle', 'articleType P@1')).toBe(1);
  });

  it('keeps training-fold titles out of the KAGL queries and averages over test-fold titles', () => {
    const r = report.tasks.find((t) => t.id === 'kagl-text-image')!.results.random;
    // 180 test-fold titles, but "Men Red Tshirts 0" … "3" are also training-fold titles.
    expect('count' in r && r.count).toBe(176);
  });

  it('puts random well below the oracle and gives the tiny CLIP path real numbers', () => {
    expect(metric('text-image-short', 'random', 'nDCG@10')).toBeLessThan(0.9);
    // named-attributes needs attribute heads, which the CLIP path has none of.
    for (const t of report.tasks.filter((task) => task.id !== 'named-attributes')) {
      const r = t.results['clip-tiny'];
      expect('metrics' in r && Object.values(r.metrics).some((v) => typeof v === 'number' && Number.isFinite(v)), `${t.id}: ${JSON.stringify(r)}`).toBe(true);
    }
  });

  it('prints one table with every system as a column', () => {
    const table = formatReport(report);
    expect(table).toContain('| label oracle');
    expect(table).toContain('CLIP path (tiny test model)');
    expect(table).toContain('Marqo-FashionSigLIP 0.489');
  });

  it('runs system-independent tasks once, in a table of their own, and reports a failing task without stopping', async () => {
    const once: EvalTask = {
      id: 'throughput',
      title: 'pipeline throughput',
      kind: 'once',
      metrics: [{ name: 'images/s', target: '≥ 10' }],
      describe: 'a stand-in for the vision pipeline tasks of issue 4',
      run: async (_ctx, system) => ({ metrics: { 'images/s': system ? -1 : 42 }, count: 3 }),
    };
    const broken: EvalTask = { ...once, id: 'broken', kind: 'system', run: async () => Promise.reject(new Error('model failed')) };
    const r = await runEval(generate(), { tasks: [once, broken], systems: [createRandomSystem(8)], log: () => {} });
    expect(r.tasks[0].results['*']).toEqual({ metrics: { 'images/s': 42 }, count: 3 });
    expect(r.tasks[1].results.random).toEqual({ error: 'model failed' });
    const text = formatReport(r);
    expect(text).toMatch(/\| pipeline task +\| metric +\| value/);
    expect(text).toContain('42.000');
  });

  it('adds a real CLIP export as a system only when LOOKBOOK_CLIP_VISION / _TEXT name one', async () => {
    const data = generate();
    expect(createEnvClipSystem(data, {})).toBeUndefined();
    const files = writeTinyClipModels(path.join(cacheDir, 'env-clip'), { dim: 8 });
    const sys = (await createEnvClipSystem(data, { LOOKBOOK_CLIP_VISION: files.visionModel, LOOKBOOK_CLIP_TEXT: files.textModel, LOOKBOOK_CLIP_ID: 'fashion-clip' }))!;
    expect(sys.id).toBe('clip');
    expect(sys.label).toBe('fashion-clip');
    expect(sys.dim).toBe(8);
    await sys.close?.();
  });

  it('selects tasks by id and rejects unknown ones', () => {
    expect(selectTasks(['composed']).map((t) => t.id)).toEqual(['composed']);
    expect(() => selectTasks(['nope'])).toThrow(/unknown task/);
  });
});
