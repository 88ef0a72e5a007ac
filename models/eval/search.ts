/**
 * Exact (brute-force) search for the evaluation: a matrix of unit vectors and a dot product per row. Exact search
 * keeps index approximations out of quality numbers (HNSW recall is measured by `npm run bench`).
 * Many queries at once go through one Gemm in onnxruntime (MLAS), ~50× faster than a JS loop on the 44k gallery.
 */
import onnxProto from 'onnx-proto';
import { openSession, type ModelSession } from '../../layers/core/src/adapters/onnx/session.ts';

const { onnx } = onnxProto;
export interface Hit {
  id: string;
  index: number;
  score: number;
}

export class Gallery {
  readonly size: number;
  private readonly scores: Float32Array;

  constructor(readonly ids: readonly string[], readonly dim: number, readonly data: Float32Array) {
    if (data.length !== ids.length * dim) throw new Error(`gallery has ${data.length} values for ${ids.length}×${dim}`);
    this.size = ids.length;
    this.scores = new Float32Array(ids.length);
  }

  static fromRows(ids: readonly string[], rows: readonly Float32Array[], dim: number): Gallery {
    const data = new Float32Array(ids.length * dim);
    rows.forEach((r, i) => data.set(r, i * dim));
    return new Gallery(ids, dim, data);
  }

  /** Row i as a view. */
  row(i: number): Float32Array {
    return this.data.subarray(i * this.dim, (i + 1) * this.dim);
  }

  /** search() for many queries: scores from one matrix product per block of queries. */
  async searchMany(queries: readonly Float32Array[], k: number, skips?: ReadonlyArray<number | undefined>): Promise<Hit[][]> {
    const out: Hit[][] = [];
    const block = Math.max(1, Math.floor(8_000_000 / Math.max(1, this.size))); // ≤ 32 MB of scores per run
    const gemm = await gemmSession();
    for (let b = 0; b < queries.length; b += block) {
      const qs = queries.slice(b, b + block);
      const q = new Float32Array(qs.length * this.dim);
      qs.forEach((v, i) => q.set(v, i * this.dim));
      const res = await gemm.run({ q: { data: q, dims: [qs.length, this.dim] }, g: { data: this.data, dims: [this.size, this.dim] } }, ['scores']);
      const scores = res.scores.data;
      qs.forEach((_, i) => {
        const skip = skips?.[b + i];
        out.push(this.select(scores.subarray(i * this.size, (i + 1) * this.size), k, skip === undefined ? undefined : (j) => j === skip));
      });
    }
    return out;
  }

  /** The k best rows by inner product, best first; ties keep gallery order. `skip(index)` leaves rows out. */
  search(query: Float32Array, k: number, skip?: (index: number) => boolean): Hit[] {
    const { dim, data, scores, size } = this;
    const nz: number[] = [];
    for (let j = 0; j < dim; j++) if (query[j] !== 0) nz.push(j);
    if (nz.length * 8 < dim) {
      // Sparse queries (e.g. a few ImageNet classes): touch only the non-zero columns.
      scores.fill(0);
      for (const j of nz) {
        const q = query[j];
        for (let i = 0, o = j; i < size; i++, o += dim) scores[i] += q * data[o];
      }
    } else {
      for (let i = 0, o = 0; i < size; i++, o += dim) {
        let s = 0;
        for (let j = 0; j < dim; j++) s += query[j] * data[o + j];
        scores[i] = s;
      }
    }
    return this.select(scores, k, skip);
  }

  /** Partial selection: a sorted buffer of the best k. */
  private select(scores: Float32Array, k: number, skip?: (index: number) => boolean): Hit[] {
    const size = scores.length;
    const bestIdx: number[] = [];
    const bestScore: number[] = [];
    for (let i = 0; i < size; i++) {
      const s = scores[i];
      if (bestIdx.length === k && s <= bestScore[k - 1]) continue;
      if (skip?.(i)) continue;
      let p = bestIdx.length;
      while (p > 0 && bestScore[p - 1] < s) p--;
      bestIdx.splice(p, 0, i);
      bestScore.splice(p, 0, s);
      if (bestIdx.length > k) {
        bestIdx.pop();
        bestScore.pop();
      }
    }
    return bestIdx.map((index, r) => ({ id: this.ids[index], index, score: bestScore[r] }));
  }
}

/** Adds vectors with weights and scales to unit length (the α-fusion of the search API). */
export function fuse(parts: ReadonlyArray<[number, Float32Array]>): Float32Array {
  const dim = parts[0][1].length;
  const out = new Float32Array(dim);
  for (const [w, v] of parts) for (let j = 0; j < dim; j++) out[j] += w * v[j];
  let s = 0;
  for (let j = 0; j < dim; j++) s += out[j] * out[j];
  if (s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dim; j++) out[j] *= inv;
  }
  return out;
}

let gemm: Promise<ModelSession> | undefined;

/** scores = q · gᵀ as a one-node ONNX graph (both operands are inputs: any gallery, any dimension). */
function gemmSession(): Promise<ModelSession> {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const info = (name: string, a: string, b: string) => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: a }, { dimParam: b }] } } },
  });
  gemm ??= openSession(
    onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 13 }],
        graph: {
          name: 'exact_search',
          input: [info('q', 'm', 'd'), info('g', 'n', 'd')],
          output: [info('scores', 'm', 'n')],
          node: [{ opType: 'Gemm', input: ['q', 'g'], output: ['scores'], attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }],
        },
      }),
    ).finish(),
  );
  return gemm;
}
