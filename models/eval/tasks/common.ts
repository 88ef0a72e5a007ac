/** Shared plumbing for retrieval tasks: run queries against a gallery, average the metrics. */
import { MetricMeans, mrrAtK, ndcgAtK, precisionAtK, recallAtK } from '../metrics.ts';
import type { Gallery } from '../search.ts';
import type { EvalContext, EvalSystem, TaskResult } from '../types.ts';
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

/** A query image's embedding as the system searches with it (e.g. its label blocks re-weighted for image queries). */
export const asImageQuery = (system: EvalSystem, embedding: Float32Array): Float32Array => system.imageQuery?.(embedding) ?? embedding;

/** Ranks the gallery for each query (exact search, top 10) and averages the named metrics. */
export async function scoreQueries(gallery: Gallery, queries: readonly Query[], names: readonly MetricName[], prefix = ''): Promise<TaskResult> {
  const means = new MetricMeans();
  const hits = await gallery.searchMany(queries.map((q) => q.vector), 10, queries.map((q) => q.skip));
  queries.forEach((q, i) => {
    const ranked = hits[i].map((h) => h.id);
    for (const n of names) means.add(prefix + n, METRICS[n](ranked, q.relevant));
  });
  const metrics = means.result();
  for (const n of names) metrics[prefix + n] ??= NaN;
  const notes: string[] = [];
  for (const k of [1, 10]) {
    if (!names.includes(`P@${k}` as MetricName) || queries.length === 0) continue;
    // P@k is not capped by the number of relevant items, so say how high it can go on these queries.
    const ceiling = queries.reduce((a, q) => a + Math.min(q.relevant.size, k) / k, 0) / queries.length;
    notes.push(`${prefix}P@${k} ceiling on these queries: ${ceiling.toFixed(3)}`);
  }
  return { metrics, count: queries.length, notes };
}

/** Applies --limit with a seeded sample (the same queries for every system). */
export function limitQueries<T>(ctx: EvalContext, items: readonly T[], cap = Infinity, salt = 0): T[] {
  const n = Math.min(cap, ctx.limit ?? Infinity);
  return n >= items.length ? items.slice() : sample(items, n, ctx.seed + salt);
}
