/**
 * The two towers, their forward and backward passes, and AdamW. Gradients are written by hand (the model is
 * a few matrix products); the large products run on onnxruntime's Gemm (gemm.ts), the rest is plain loops.
 *
 *   image: x = clip((features − μ)/σ, ±8)  → h = relu(x·W1 + b1) (dropout while training) → r = h·W2 + b2 → r/‖r‖
 *          attribute heads: softmax(h·Wa + ba) per attribute segment
 *   text:  r = Σ wᵢ·E[idᵢ] + bt (TF-IDF embedding bag) → r/‖r‖
 *          query-label heads: softmax(u·Wq + bq) per segment of K labels + "not named" (what the text asks for)
 *   loss:  symmetric InfoNCE over s·T·Iᵀ with learned s, multi-positive targets; + aux · Σ head cross-entropies
 */
import { gemm, mat, type Mat } from './gemm.ts';
import { mulberry32 } from '#core/random';

export interface TrainConfig {
  seed: number;
  dim: number;
  hidden: number;
  dropout: number;
  batch: number;
  epochs: number;
  lrImage: number;
  lrText: number;
  weightDecay: number;
  auxWeight: number;
  warmupSteps: number;
}

export interface HeadSpec {
  name: string;
  labels: string[];
  weight: number;
  offset: number;
}

// Re-exported: train.ts, validate.ts and the tests take the PRNG from here.
export { mulberry32 };

function gaussian(rng: () => number): number {
  const u = Math.max(rng(), 1e-12), v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const randn = (n: number, std: number, rng: () => number) => Float32Array.from({ length: n }, () => gaussian(rng) * std);

export class Param {
  m: Float32Array;
  v: Float32Array;
  grad: Float32Array;
  constructor(readonly name: string, public data: Float32Array, readonly decay: boolean) {
    this.m = new Float32Array(data.length);
    this.v = new Float32Array(data.length);
    this.grad = new Float32Array(data.length);
  }
}

export class Model {
  W1: Param; b1: Param; W2: Param; b2: Param; Wa: Param; ba: Param; E: Param; bt: Param; logitScale: Param;
  Wq: Param; bq: Param;
  step = 0;
  readonly touched = new Set<number>();
  /** Text heads: segments of labels.length + 1 (the last = "not named in the text"). */
  readonly textHeads: HeadSpec[];
  constructor(readonly inDim: number, readonly vocab: number, readonly heads: HeadSpec[], readonly cfg: TrainConfig, rng: () => number, textHeads: Omit<HeadSpec, 'offset'>[] = []) {
    const { hidden: H, dim: D } = cfg;
    const A = heads.reduce((s, h) => s + h.labels.length, 0);
    this.W1 = new Param('W1', randn(inDim * H, Math.sqrt(2 / inDim), rng), true);
    this.b1 = new Param('b1', new Float32Array(H), false);
    this.W2 = new Param('W2', randn(H * D, Math.sqrt(1 / H), rng), true);
    this.b2 = new Param('b2', new Float32Array(D), false);
    this.Wa = new Param('Wa', randn(H * A, 0.01, rng), true);
    this.ba = new Param('ba', new Float32Array(A), false);
    this.E = new Param('E', randn(vocab * D, 0.1, rng), true);
    this.bt = new Param('bt', new Float32Array(D), false);
    this.logitScale = new Param('logitScale', Float32Array.of(Math.log(1 / 0.07)), false);
    let off = 0;
    this.textHeads = textHeads.map((h) => {
      const spec = { ...h, offset: off };
      off += h.labels.length + 1;
      return spec;
    });
    this.Wq = new Param('Wq', randn(D * Math.max(off, 1), 0.01, rng), true);
    this.bq = new Param('bq', new Float32Array(Math.max(off, 1)), false);
  }
  get numQuery() {
    return this.bq.data.length;
  }
  get numAttr() {
    return this.Wa.data.length / this.cfg.hidden;
  }
}

export function addBias(m: Mat, b: Float32Array): void {
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) m.data[i * m.cols + j] += b[j];
}

function colSum(m: Mat, out: Float32Array): void {
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) out[j] += m.data[i * m.cols + j];
}

/** Row-wise L2 normalisation; returns the norms for the backward pass. */
export function normalizeRows(r: Mat): { u: Mat; norms: Float32Array } {
  const u = mat(r.rows, r.cols);
  const norms = new Float32Array(r.rows);
  for (let i = 0; i < r.rows; i++) {
    let s = 0;
    for (let j = 0; j < r.cols; j++) s += r.data[i * r.cols + j] ** 2;
    const n = Math.max(Math.sqrt(s), 1e-12);
    norms[i] = n;
    for (let j = 0; j < r.cols; j++) u.data[i * r.cols + j] = r.data[i * r.cols + j] / n;
  }
  return { u, norms };
}

/** d(r/‖r‖): (du − u·(u·du)) / ‖r‖ */
function normalizeBackward(u: Mat, norms: Float32Array, du: Mat): Mat {
  const dr = mat(u.rows, u.cols);
  for (let i = 0; i < u.rows; i++) {
    let dot = 0;
    for (let j = 0; j < u.cols; j++) dot += u.data[i * u.cols + j] * du.data[i * u.cols + j];
    for (let j = 0; j < u.cols; j++) dr.data[i * u.cols + j] = (du.data[i * u.cols + j] - u.data[i * u.cols + j] * dot) / norms[i];
  }
  return dr;
}

export interface ImageForward {
  x: Mat;
  a1: Mat;
  h: Mat;
  keep?: Uint8Array;
  u: Mat;
  norms: Float32Array;
  logits: Mat;
}

/** Image tower on a batch of standardised features. */
export async function imageForward(model: Model, x: Mat, rng?: () => number): Promise<ImageForward> {
  const a1 = await gemm(x, mat(model.inDim, model.cfg.hidden, model.W1.data));
  addBias(a1, model.b1.data);
  const h = mat(a1.rows, a1.cols);
  let keep: Uint8Array | undefined;
  const p = model.cfg.dropout;
  if (rng && p > 0) {
    keep = new Uint8Array(a1.data.length);
    const s = 1 / (1 - p);
    for (let i = 0; i < a1.data.length; i++) {
      keep[i] = rng() >= p ? 1 : 0;
      h.data[i] = a1.data[i] > 0 && keep[i] ? a1.data[i] * s : 0;
    }
  } else for (let i = 0; i < a1.data.length; i++) h.data[i] = a1.data[i] > 0 ? a1.data[i] : 0;
  const r = await gemm(h, mat(model.cfg.hidden, model.cfg.dim, model.W2.data));
  addBias(r, model.b2.data);
  const { u, norms } = normalizeRows(r);
  const logits = await gemm(h, mat(model.cfg.hidden, model.numAttr, model.Wa.data));
  addBias(logits, model.ba.data);
  return { x, a1, h, keep, u, norms, logits };
}

async function imageBackward(model: Model, f: ImageForward, du: Mat, dlogits: Mat): Promise<void> {
  const dr = normalizeBackward(f.u, f.norms, du);
  const H = model.cfg.hidden;
  const add = (p: Param, g: Mat) => { for (let i = 0; i < g.data.length; i++) p.grad[i] += g.data[i]; };
  add(model.W2, await gemm(f.h, dr, true));
  colSum(dr, model.b2.grad);
  add(model.Wa, await gemm(f.h, dlogits, true));
  colSum(dlogits, model.ba.grad);
  const dh = await gemm(dr, mat(H, model.cfg.dim, model.W2.data), false, true);
  const dh2 = await gemm(dlogits, mat(H, model.numAttr, model.Wa.data), false, true);
  const s = f.keep ? 1 / (1 - model.cfg.dropout) : 1;
  for (let i = 0; i < dh.data.length; i++) {
    const on = f.a1.data[i] > 0 && (!f.keep || f.keep[i]);
    dh.data[i] = on ? (dh.data[i] + dh2.data[i]) * s : 0;
  }
  add(model.W1, await gemm(f.x, dh, true));
  colSum(dh, model.b1.grad);
}

export interface SparseText {
  ids: Int32Array;
  weights: Float32Array;
}

export function textForward(model: Model, texts: SparseText[]): { u: Mat; norms: Float32Array } {
  const D = model.cfg.dim;
  const r = mat(texts.length, D);
  const E = model.E.data;
  texts.forEach((t, i) => {
    const row = i * D;
    for (let j = 0; j < D; j++) r.data[row + j] = model.bt.data[j];
    for (let k = 0; k < t.ids.length; k++) {
      const w = t.weights[k], base = t.ids[k] * D;
      for (let j = 0; j < D; j++) r.data[row + j] += w * E[base + j];
    }
  });
  return normalizeRows(r);
}

function textBackward(model: Model, texts: SparseText[], u: Mat, norms: Float32Array, du: Mat): void {
  const dr = normalizeBackward(u, norms, du);
  const D = model.cfg.dim;
  colSum(dr, model.bt.grad);
  texts.forEach((t, i) => {
    for (let k = 0; k < t.ids.length; k++) {
      const w = t.weights[k], base = t.ids[k] * D;
      model.touched.add(t.ids[k]);
      for (let j = 0; j < D; j++) model.E.grad[base + j] += w * dr.data[i * D + j];
    }
  });
}

export interface Batch {
  x: Mat; // B × inDim standardised features
  texts: SparseText[];
  /** B×B: 1 where image j is a positive for text i. */
  positives: Uint8Array;
  /** B × heads: label index or −1. */
  labels: Int32Array;
  /** B × textHeads: label index, labels.length for "not named", or −1 (ignore). */
  textLabels?: Int32Array;
}

/** Softmax cross-entropy over head segments of `logits`; writes the gradient into `dlogits`, returns the loss. */
function segmentCrossEntropy(logits: Mat, dlogits: Mat, heads: HeadSpec[], labels: Int32Array, extra: number, auxWeight: number): number {
  const B = logits.rows, A = logits.cols, nh = heads.length;
  let loss = 0;
  heads.forEach((head, hi) => {
    let n = 0;
    for (let b = 0; b < B; b++) if (labels[b * nh + hi] >= 0) n++;
    if (!n) return;
    const w = (auxWeight * head.weight) / n;
    const K = head.labels.length + extra;
    for (let b = 0; b < B; b++) {
      const y = labels[b * nh + hi];
      if (y < 0) continue;
      const row = b * A + head.offset;
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, logits.data[row + k]);
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(logits.data[row + k] - mx);
      for (let k = 0; k < K; k++) {
        const p = Math.exp(logits.data[row + k] - mx) / z;
        dlogits.data[row + k] = w * (p - (k === y ? 1 : 0));
      }
      loss -= w * (logits.data[row + y] - mx - Math.log(z));
    }
  });
  return loss;
}

/** One training step: forward, loss, backward, AdamW. Returns the losses. */
export async function trainStep(model: Model, batch: Batch, lrScale: number, rng: () => number): Promise<{ nce: number; aux: number }> {
  const B = batch.x.rows;
  const img = await imageForward(model, batch.x, rng);
  const txt = textForward(model, batch.texts);
  const s = Math.exp(model.logitScale.data[0]);
  const sim = await gemm(txt.u, img.u, false, true); // B×B cosine
  // Symmetric InfoNCE with multi-positive targets.
  const dS = new Float32Array(B * B);
  let nce = 0;
  const pos = batch.positives;
  for (let i = 0; i < B; i++) {
    let mx = -Infinity, npos = 0;
    for (let j = 0; j < B; j++) { mx = Math.max(mx, s * sim.data[i * B + j]); npos += pos[i * B + j]; }
    let z = 0;
    for (let j = 0; j < B; j++) z += Math.exp(s * sim.data[i * B + j] - mx);
    const lz = mx + Math.log(z);
    for (let j = 0; j < B; j++) {
      const lp = s * sim.data[i * B + j] - lz;
      const y = pos[i * B + j] / npos;
      if (y > 0) nce -= (0.5 * y * lp) / B;
      dS[i * B + j] += (0.5 * (Math.exp(lp) - y)) / B;
    }
  }
  for (let j = 0; j < B; j++) {
    let mx = -Infinity, npos = 0;
    for (let i = 0; i < B; i++) { mx = Math.max(mx, s * sim.data[i * B + j]); npos += pos[i * B + j]; }
    let z = 0;
    for (let i = 0; i < B; i++) z += Math.exp(s * sim.data[i * B + j] - mx);
    const lz = mx + Math.log(z);
    for (let i = 0; i < B; i++) {
      const lp = s * sim.data[i * B + j] - lz;
      const y = pos[i * B + j] / npos;
      if (y > 0) nce -= (0.5 * y * lp) / B;
      dS[i * B + j] += (0.5 * (Math.exp(lp) - y)) / B;
    }
  }
  let dScale = 0;
  for (let k = 0; k < B * B; k++) dScale += dS[k] * sim.data[k] * s;
  model.logitScale.grad[0] += dScale;
  const dSim = mat(B, B, dS.map((v) => v * s));
  const dT = await gemm(dSim, img.u);
  const dI = await gemm(dSim, txt.u, true);
  // Attribute heads: softmax cross-entropy per segment, over labelled items only.
  const dlogits = mat(B, model.numAttr);
  let aux = segmentCrossEntropy(img.logits, dlogits, model.heads, batch.labels, 0, model.cfg.auxWeight);
  // Query-label heads on the text embedding: what the text names (or "not named").
  if (model.textHeads.length && batch.textLabels) {
    const Q = model.numQuery;
    const qLogits = await gemm(txt.u, mat(model.cfg.dim, Q, model.Wq.data));
    addBias(qLogits, model.bq.data);
    const dq = mat(B, Q);
    aux += segmentCrossEntropy(qLogits, dq, model.textHeads, batch.textLabels, 1, model.cfg.auxWeight);
    const g = await gemm(txt.u, dq, true);
    for (let i = 0; i < g.data.length; i++) model.Wq.grad[i] += g.data[i];
    colSum(dq, model.bq.grad);
    const du = await gemm(dq, mat(model.cfg.dim, Q, model.Wq.data), false, true);
    for (let i = 0; i < du.data.length; i++) dT.data[i] += du.data[i];
  }
  await imageBackward(model, img, dI, dlogits);
  textBackward(model, batch.texts, txt.u, txt.norms, dT);
  adamw(model, lrScale);
  return { nce, aux };
}

const BETA1 = 0.9, BETA2 = 0.999, EPS = 1e-8;

function adamUpdate(p: Param, lr: number, wd: number, t: number, from = 0, to = p.data.length): void {
  const c1 = 1 - BETA1 ** t, c2 = 1 - BETA2 ** t;
  for (let i = from; i < to; i++) {
    const g = p.grad[i];
    p.m[i] = BETA1 * p.m[i] + (1 - BETA1) * g;
    p.v[i] = BETA2 * p.v[i] + (1 - BETA2) * g * g;
    p.data[i] -= lr * ((p.m[i] / c1) / (Math.sqrt(p.v[i] / c2) + EPS) + (p.decay ? wd * p.data[i] : 0));
    p.grad[i] = 0;
  }
}

function adamw(model: Model, lrScale: number): void {
  model.step++;
  const t = model.step;
  const { lrImage, lrText, weightDecay } = model.cfg;
  for (const p of [model.W1, model.b1, model.W2, model.b2, model.Wa, model.ba]) adamUpdate(p, lrImage * lrScale, weightDecay, t);
  for (const p of [model.Wq, model.bq]) adamUpdate(p, lrText * lrScale, weightDecay, t);
  adamUpdate(model.bt, lrText * lrScale, 0, t);
  adamUpdate(model.logitScale, lrImage * lrScale, 0, t);
  model.logitScale.data[0] = Math.min(model.logitScale.data[0], Math.log(100));
  // Lazy Adam on the embedding bag: only rows this batch touched.
  const D = model.cfg.dim;
  for (const id of model.touched) adamUpdate(model.E, lrText * lrScale, weightDecay, t, id * D, (id + 1) * D);
  model.touched.clear();
}
