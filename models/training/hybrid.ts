/**
 * The hybrid space: the contrastive embedding concatenated with label blocks — √p of the article-type, colour
 * and gender heads for images, √q of what the text names for texts (the "not named" mass dropped, so a text
 * that names no colour adds nothing in the colour block). The dot product of two blocks is the Bhattacharyya
 * coefficient of the two label distributions: "both say Red". The probe found label classifiers used as queries
 * beat the joint space on label queries and composed queries; this puts both in one vector and one ANN index.
 * Block weights are tuned on the validation fold.
 */
import { mat, type Mat } from './gemm.ts';
import type { HeadSpec } from './model.ts';

export interface BlockWeights {
  base: number;
  /** Per head name. */
  heads: Record<string, number>;
}

/** √softmax of a segment of `logits` (first K of segLen values kept) for every row. */
function sqrtSoftmax(logits: Mat, offset: number, segLen: number, K: number): Mat {
  const out = mat(logits.rows, K);
  for (let i = 0; i < logits.rows; i++) {
    const row = i * logits.cols + offset;
    let mx = -Infinity;
    for (let k = 0; k < segLen; k++) mx = Math.max(mx, logits.data[row + k]);
    let z = 0;
    for (let k = 0; k < segLen; k++) z += Math.exp(logits.data[row + k] - mx);
    for (let k = 0; k < K; k++) out.data[i * K + k] = Math.sqrt(Math.exp(logits.data[row + k] - mx) / z);
  }
  return out;
}

/** Label blocks from head logits: image heads (segLen = K) or text heads (segLen = K + 1). */
export function labelBlocks(logits: Mat, heads: HeadSpec[], names: string[], extra: number): Record<string, Mat> {
  const out: Record<string, Mat> = {};
  for (const name of names) {
    const h = heads.find((x) => x.name === name)!;
    out[name] = sqrtSoftmax(logits, h.offset, h.labels.length + extra, h.labels.length);
  }
  return out;
}

/** normalise([base·u, w₁·block₁, …]) row by row. */
export function combine(u: Mat, blocks: Record<string, Mat>, w: BlockWeights, names: string[]): Mat {
  const dims = names.map((n) => blocks[n].cols);
  const D = u.cols + dims.reduce((a, b) => a + b, 0);
  const out = mat(u.rows, D);
  for (let i = 0; i < u.rows; i++) {
    let o = i * D, norm = 0;
    for (let j = 0; j < u.cols; j++) { const v = w.base * u.data[i * u.cols + j]; out.data[o++] = v; norm += v * v; }
    names.forEach((n, bi) => {
      const b = blocks[n], K = dims[bi], wt = w.heads[n] ?? 0;
      for (let k = 0; k < K; k++) { const v = wt * b.data[i * K + k]; out.data[o++] = v; norm += v * v; }
    });
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = i * D; j < (i + 1) * D; j++) out.data[j] *= inv;
  }
  return out;
}
