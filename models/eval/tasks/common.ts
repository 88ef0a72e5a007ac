/** Shared plumbing for retrieval tasks: run queries against a gallery, average the metrics. */
import { MetricMeans, mrrAtK, ndcgAtK, precisionAtK, recallAtK } from '../metrics.ts';
import type { Gallery } from '../search.ts';
import type { EvalContext, TaskResult } from '../types.ts';
import { sample } from '../data.ts';

export interface Query {
  vector: Float32Array;
  relevant: ReadonlySet<string>;
  /** Gallery row to leave out (the query's own product). */
  skip?: number;
}

export type MetricName = 'P@1' | 'P@10' | 'nDCG@10' | 'R@1' | 'R@10' | 'MRR@10';

const METRICS: Record<MetricName, (ranked: string[], rel: ReadonlySet<string>) => number> = {
  'P@1': (r, rel) => precisionAtK(r, rel, 1),
  'P@10': (r, rel) => precisionAtK(r, rel, 10),
  'nDCG@10': (r, rel) => ndcgAtK(r, rel, 10),
  'R@1': (r, rel) => recallAtK(r, rel, 1),
  'R@10': (r, rel) => recallAtK(r, rel, 10),
  'MRR@10': (r, rel) => mrrAtK(r, rel, 10),
};

/** Ranks the gallery for each query (exact search, top 10) and averages the named metrics. */
export function scoreQueries(gallery: Gallery, queries: readonly Query[], names: readonly MetricName[], prefix = ''): TaskResult {
  const means = new MetricMeans();
  for (const q of queries) {
    const ranked = gallery.search(q.vector, 10, q.skip === undefined ? undefined : (i) => i === q.skip).map((h) => h.id);
    for (const n of names) means.add(prefix + n, METRICS[n](ranked, q.relevant));
  }
  const metrics = means.result();
  for (const n of names) metrics[prefix + n] ??= NaN;
  return { metrics, count: queries.length };
}

/** Applies --limit with a seeded sample (the same queries for every system). */
export function limitQueries<T>(ctx: EvalContext, items: readonly T[], cap = Infinity, salt = 0): T[] {
  const n = Math.min(cap, ctx.limit ?? Infinity);
  return n >= items.length ? items.slice() : sample(items, n, ctx.seed + salt);
}
