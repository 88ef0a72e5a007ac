/**
 * Exact (brute-force) search for the evaluation: a matrix of unit vectors and a dot product per row. Exact search
 * keeps index approximations out of quality numbers (HNSW recall is measured by `npm run bench`).
 */
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
    // Partial selection: a sorted buffer of the best k.
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
