/**
 * Synthetic vectors for the ANN benchmark: a mixture of Gaussian clusters on the unit sphere (embeddings of a
 * catalog are clustered by article type and colour; uniform random vectors would be an unrealistically hard case
 * for HNSW and an unrealistically easy one for IVF). Deterministic with a seed.
 *
 * Data points are rounded to half precision, as the search index stores vectors (index/half.ts), and every
 * engine and the exact truth get those same values: otherwise rounding alone would reorder near-ties and read
 * as lost recall for our index only. Queries stay full precision, as in the product.
 */
import { roundToHalf } from '#core/index/half';
import { normalise, randomUnitVector } from '#core/index/vectors';
import { mulberry32 } from '#core/random';

export interface Dataset {
  dim: number;
  /** n × dim, row-major. */
  data: Float32Array;
  n: number;
  queries: Float32Array[];
}

function gaussian(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** `pointSeed` draws other points from the same mixture (shards of one big dataset share centres and queries). */
export function clusteredDataset(n: number, dim: number, nQueries: number, seed = 1, clusters = Math.max(16, Math.round(Math.sqrt(n))), pointSeed?: number): Dataset {
  let rand = mulberry32(seed);
  const centres = Array.from({ length: clusters }, () => randomUnitVector(dim, rand));
  const queryRand = mulberry32(seed + 7919);
  const spread = 1.2 / Math.sqrt(dim);
  const point = (out: Float32Array, offset: number) => {
    const c = centres[Math.floor(rand() * clusters)];
    const v = new Float32Array(dim);
    for (let d = 0; d < dim; d++) v[d] = c[d] + spread * gaussian(rand);
    out.set(normalise(v), offset);
  };
  const storedPoint = (out: Float32Array, offset: number) => {
    point(out, offset);
    out.set(roundToHalf(out.subarray(offset, offset + dim)), offset);
  };
  const data = new Float32Array(n * dim);
  if (pointSeed !== undefined) rand = mulberry32(seed * 1_000_003 + pointSeed);
  for (let i = 0; i < n; i++) storedPoint(data, i * dim);
  const queries: Float32Array[] = [];
  rand = queryRand;
  for (let i = 0; i < nQueries; i++) {
    const q = new Float32Array(dim);
    point(q, 0);
    queries.push(q);
  }
  return { dim, data, n, queries };
}

export const row = (ds: Dataset, i: number) => ds.data.subarray(i * ds.dim, (i + 1) * ds.dim);

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export interface Timing {
  p50: number;
  p95: number;
  n: number;
}

export function timings(ms: number[]): Timing {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: round(percentile(s, 50)), p95: round(percentile(s, 95)), n: s.length };
}

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function timeEach<T>(items: readonly T[], fn: (item: T) => unknown | Promise<unknown>, warmup = 5): Promise<Timing> {
  for (const item of items.slice(0, warmup)) await fn(item);
  const ms: number[] = [];
  for (const item of items) {
    const t = performance.now();
    await fn(item);
    ms.push(performance.now() - t);
  }
  return timings(ms);
}

/** recall@k of `found` against `truth` (lists of ids per query). */
export function recallAt(truth: readonly (readonly (string | number | bigint)[])[], found: readonly (readonly (string | number | bigint)[])[], k: number): number {
  let hit = 0;
  let total = 0;
  truth.forEach((t, i) => {
    const set = new Set(t.slice(0, k).map(String));
    for (const id of found[i].slice(0, k)) if (set.has(String(id))) hit++;
    total += Math.min(k, t.length);
  });
  return total ? round(hit / total, 4) : NaN;
}
