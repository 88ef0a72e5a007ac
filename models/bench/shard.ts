/**
 * Child process for the 1M-vector row: builds one shard of the synthetic million (HnswIndex, reduced
 * efConstruction to bound the run), answers the shared queries approximately and exactly, and prints per-query
 * ids, scores and times as JSON. The parent merges shards (a fan-out over S shards, as a 1M catalog would be
 * served from memory-bounded Lambdas). Args: shard n dim m efC efSearch queries seed (env SHARD_EFS=64,128,256 sweeps efSearch).
 */
import { HnswIndex } from '#core/index/hnsw';
import { TopK, dot } from '#core/index/vectors';
import { clusteredDataset, row } from './synthetic.ts';

const [shard, n, dim, m, efc, ef, nq, seed] = process.argv.slice(2).map(Number);
// Same mixture for every shard (same centres: same seed for centres), different points per shard.
const ds = clusteredDataset(n, dim, nq, seed, 1000, shard + 1);
const t0 = performance.now();
const index = HnswIndex.create(dim, { m, efConstruction: efc, efSearch: ef, seed: shard + 1 }, n);
for (let i = 0; i < n; i++) index.add(`${shard}:${i}`, row(ds, i));
const buildMs = performance.now() - t0;
const sizeBytes = index.save().bytes.byteLength;
const efs = String(process.env.SHARD_EFS ?? ef).split(',').map(Number);
const exact = ds.queries.map((q) => {
  const best = new TopK<string>(10);
  for (let i = 0; i < n; i++) best.push(`${shard}:${i}`, dot(q, ds.data, i * dim));
  return best.result().map((x) => ({ id: x.item, score: x.score }));
});
// Per efSearch: the approximate top-10 and its time, so the parent can pick ef at a recall target.
const byEf = Object.fromEntries(
  efs.map((e) => {
    index.params.efSearch = e;
    for (const q of ds.queries.slice(0, 5)) index.search(q, 10);
    return [
      e,
      ds.queries.map((q) => {
        const t = performance.now();
        const hits = index.search(q, 10);
        return { ms: performance.now() - t, approx: hits };
      }),
    ];
  }),
);
process.stdout.write(JSON.stringify({ shard, buildMs, sizeBytes, exact, byEf }) + '\n');
