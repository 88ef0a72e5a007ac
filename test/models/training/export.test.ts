import { afterAll, describe, expect, it } from 'vitest';
import { openSession } from '#core/adapters/onnx/session';
import { exportImageTower, exportTextTower, CLIP_RANGE } from '../../../models/export/trained-model.ts';
import { closeGemm, mat } from '../../../models/training/gemm.ts';
import { combine, labelBlocks } from '../../../models/training/hybrid.ts';
import { addBias, imageForward, Model, mulberry32, textForward, trainStep, type HeadSpec, type TrainConfig } from '../../../models/training/model.ts';

const cfg: TrainConfig = { seed: 1, dim: 4, hidden: 8, dropout: 0, batch: 6, epochs: 1, lrImage: 1e-2, lrText: 1e-2, weightDecay: 0, auxWeight: 0.5, warmupSteps: 1 };
const heads: HeadSpec[] = [
  { name: 'articleType', labels: ['Dresses', 'Jeans', 'Shirts'], weight: 1, offset: 0 },
  { name: 'gender', labels: ['Men', 'Women'], weight: 1, offset: 3 },
];
const MOB = 5, COL = 3, VOCAB = 12;

function tinyModel(seed = 3) {
  const rng = mulberry32(seed);
  const model = new Model(MOB + COL, VOCAB, heads, cfg, rng);
  const mean = Float32Array.from({ length: MOB + COL }, () => rng() - 0.5);
  const invStd = Float32Array.from({ length: MOB + COL }, () => 0.5 + rng());
  return { model, mean, invStd, rng };
}

/** What exportImageTower takes, from a model and its standardisation. */
function imageTowerWeights(model: Model, mean: Float32Array, invStd: Float32Array) {
  return {
    mobilenetDim: MOB, colourDim: COL, hidden: cfg.hidden, dim: cfg.dim, mean, invStd,
    W1: model.W1.data, b1: model.b1.data, W2: model.W2.data, b2: model.b2.data, Wa: model.Wa.data, ba: model.ba.data, heads,
  };
}

/** Runs an exported image graph on rows of MOB + COL raw features (split into its two inputs). */
function runImageGraph(s: Awaited<ReturnType<typeof openSession>>, raw: Float32Array, n: number) {
  const mob = new Float32Array(n * MOB), col = new Float32Array(n * COL);
  for (let i = 0; i < n; i++) {
    mob.set(raw.subarray(i * (MOB + COL), i * (MOB + COL) + MOB), i * MOB);
    col.set(raw.subarray(i * (MOB + COL) + MOB, (i + 1) * (MOB + COL)), i * COL);
  }
  return s.run({ mobilenet: { data: mob, dims: [n, MOB] }, colour: { data: col, dims: [n, COL] } });
}

afterAll(() => closeGemm());

describe('ONNX export of the trained towers', () => {
  it('image graph gives the TypeScript forward pass: embedding and head probabilities', async () => {
    const { model, mean, invStd, rng } = tinyModel();
    const n = 4;
    const raw = Float32Array.from({ length: n * (MOB + COL) }, () => (rng() - 0.5) * 4);
    raw[0] = 100; // beyond the clip range: both sides must clip
    const x = mat(n, MOB + COL, raw.map((v, i) => Math.max(-CLIP_RANGE, Math.min(CLIP_RANGE, (v - mean[i % (MOB + COL)]) * invStd[i % (MOB + COL)]))));
    const ts = await imageForward(model, x);
    const bytes = exportImageTower(imageTowerWeights(model, mean, invStd));
    const s = await openSession(bytes);
    const out = await runImageGraph(s, raw, n);
    expect(out.embedding.dims).toEqual([n, cfg.dim]);
    out.embedding.data.forEach((v, i) => expect(v).toBeCloseTo(ts.u.data[i], 5));
    for (const h of heads) {
      const K = h.labels.length;
      for (let i = 0; i < n; i++) {
        const logits = Array.from(ts.logits.data.subarray(i * 5 + h.offset, i * 5 + h.offset + K));
        const z = logits.reduce((a, l) => a + Math.exp(l), 0);
        logits.forEach((l, k) => expect(out[h.name].data[i * K + k]).toBeCloseTo(Math.exp(l) / z, 5));
      }
    }
    await s.dispose();
  });

  it('text graph gives the TypeScript embedding bag', async () => {
    const { model } = tinyModel(5);
    const text = { ids: Int32Array.of(1, 4, 9), weights: Float32Array.of(0.5, 0.7, 0.2) };
    const ts = textForward(model, [text]);
    const s = await openSession(exportTextTower({ vocab: VOCAB, dim: cfg.dim, E: model.E.data, bt: model.bt.data }));
    const out = await s.run({ ids: { data: BigInt64Array.of(1n, 4n, 9n), dims: [3] }, weights: { data: text.weights, dims: [3, 1] } });
    expect(out.embedding.dims).toEqual([1, cfg.dim]);
    out.embedding.data.forEach((v, i) => expect(v).toBeCloseTo(ts.u.data[i], 5));
    await s.dispose();
  });
});

describe('ONNX export of the hybrid space (contrastive + label blocks)', () => {
  const names = ['articleType', 'gender'];
  const weights = { base: 1, heads: { articleType: 0.6, gender: 0.3 } };
  const blocks = { base: 1, heads: [{ name: 'articleType', weight: 0.6 }, { name: 'gender', weight: 0.3 }] };

  it('text graph = normalise([u, w·√q without "not named"])', async () => {
    const rng = mulberry32(11);
    const model = new Model(MOB + COL, VOCAB, heads, cfg, rng, heads.map(({ name, labels, weight }) => ({ name, labels, weight })));
    model.Wq.data.forEach((_, i) => (model.Wq.data[i] = (rng() - 0.5) * 3));
    const text = { ids: Int32Array.of(0, 3, 11), weights: Float32Array.of(0.3, 0.9, 0.3) };
    const { u } = textForward(model, [text]);
    const logits = mat(1, model.numQuery, new Float32Array(model.numQuery));
    for (let q = 0; q < model.numQuery; q++) for (let d = 0; d < cfg.dim; d++) logits.data[q] += u.data[d] * model.Wq.data[d * model.numQuery + q];
    addBias(logits, model.bq.data);
    const expected = combine(u, labelBlocks(logits, model.textHeads, names, 1), weights, names);
    const bytes = exportTextTower({ vocab: VOCAB, dim: cfg.dim, E: model.E.data, bt: model.bt.data }, {}, blocks, { Wq: model.Wq.data, bq: model.bq.data, heads: model.textHeads });
    const s = await openSession(bytes);
    const out = await s.run({ ids: { data: BigInt64Array.of(0n, 3n, 11n), dims: [3] }, weights: { data: text.weights, dims: [3, 1] } });
    expect(out.embedding.dims).toEqual([1, cfg.dim + 3 + 2]);
    out.embedding.data.forEach((v, i) => expect(v).toBeCloseTo(expected.data[i], 5));
    await s.dispose();
  });

  it('image graph = normalise([u, w·√p])', async () => {
    const { model, rng } = tinyModel(13);
    const n = 3;
    const raw = Float32Array.from({ length: n * (MOB + COL) }, () => rng() - 0.5);
    const zero = new Float32Array(MOB + COL), one = new Float32Array(MOB + COL).fill(1);
    const f = await imageForward(model, mat(n, MOB + COL, raw));
    const expected = combine(f.u, labelBlocks(f.logits, heads, names, 0), weights, names);
    const bytes = exportImageTower(imageTowerWeights(model, zero, one), {}, blocks);
    const s = await openSession(bytes);
    const out = await runImageGraph(s, raw, n);
    expect(out.embedding.dims).toEqual([n, cfg.dim + 5]);
    out.embedding.data.forEach((v, i) => expect(v).toBeCloseTo(expected.data[i], 5));
    await s.dispose();
  });
});

describe('training step', () => {
  it('lowers the contrastive and head losses on a toy problem (gradients point downhill)', async () => {
    const rng = mulberry32(7);
    const model = new Model(MOB + COL, VOCAB, heads, cfg, rng, heads.map(({ name, labels, weight }) => ({ name, labels, weight })));
    const B = cfg.batch;
    // Six products, each with its own text token; image features carry the product's identity.
    const x = mat(B, MOB + COL, Float32Array.from({ length: B * (MOB + COL) }, (_, i) => ((i % (MOB + COL)) === (Math.floor(i / (MOB + COL)) % (MOB + COL)) ? 2 : 0) + (rng() - 0.5) * 0.1));
    const texts = Array.from({ length: B }, (_, i) => ({ ids: Int32Array.of(i), weights: Float32Array.of(1) }));
    const positives = new Uint8Array(B * B);
    for (let i = 0; i < B; i++) positives[i * B + i] = 1;
    const labels = Int32Array.from({ length: B * 2 }, (_, i) => (i % 2 === 0 ? (i / 2) % 3 : (i >> 1) % 2));
    // Text heads: half the texts name their labels, the others name nothing (index K = "not named").
    const textLabels = labels.map((y, i) => (Math.floor(i / 2) % 2 === 0 ? y : heads[i % 2].labels.length));
    const batch = { x, texts, positives, labels, textLabels };
    const first = await trainStep(model, batch, 1, rng);
    let last = first;
    for (let s = 0; s < 60; s++) last = await trainStep(model, batch, 1, rng);
    expect(last.nce).toBeLessThan(first.nce * 0.5);
    expect(last.aux).toBeLessThan(first.aux * 0.5);
  });

  it('is deterministic for a seed: two runs give bit-identical weights', async () => {
    const run = async () => {
      const rng = mulberry32(21);
      const model = new Model(MOB + COL, VOCAB, heads, { ...cfg, dropout: 0.2 }, rng, heads.map(({ name, labels, weight }) => ({ name, labels, weight })));
      const B = cfg.batch;
      const x = mat(B, MOB + COL, Float32Array.from({ length: B * (MOB + COL) }, () => rng() - 0.5));
      const texts = Array.from({ length: B }, (_, i) => ({ ids: Int32Array.of(i, (i + 3) % VOCAB), weights: Float32Array.of(0.8, 0.6) }));
      const positives = new Uint8Array(B * B).map((_, k) => (k % (B + 1) === 0 ? 1 : 0));
      const labels = Int32Array.from({ length: B * 2 }, (_, i) => i % 2);
      for (let s = 0; s < 5; s++) await trainStep(model, { x, texts, positives, labels, textLabels: labels }, 1, rng);
      return [model.W1, model.W2, model.E, model.Wq, model.logitScale].map((p) => Array.from(p.data));
    };
    expect(await run()).toEqual(await run());
  });
});
