/**
 * The public KAGL protocol of marqo-ai/marqo-FashionCLIP (eval.py, LEADERBOARD.md), on image-only embeddings:
 *  - text→image: gallery = every catalog small image (~44k); queries = distinct titles of test-fold products that
 *    no training-fold product shares (seeded sample of up to 2,000); relevant = every product with exactly that
 *    title. Recall@k and MRR as BEIR computes them (recall = relevant hits in top k / all relevant).
 *  - attribute→product: query = the raw articleType / baseColour value; relevant = every product with that label;
 *    P@1, P@10. (Marqo's documents there are 0.9·image + 0.1·text embeddings; ours are image only — stricter.)
 * The published models saw 224-px images and trained on other data; ours sees 60×80 thumbnails.
 */
import { isTest } from '../data.ts';
import type { EvalContext, EvalTask, MetricValue, TaskResult } from '../types.ts';
import { limitQueries, scoreQueries, type MetricName, type Query } from './common.ts';

const MAX_QUERIES = 2000;

/** The KAGL gallery: every small image; with --limit only the test fold (a quick smoke run, not comparable). */
function galleryIds(ctx: EvalContext): readonly string[] {
  return ctx.limit ? ctx.testSmallIds : ctx.data.imageIds.small;
}

export const kaglTextImage: EvalTask = {
  id: 'kagl-text-image',
  title: 'KAGL title→image (44k gallery)',
  metrics: [
    { name: 'R@1', published: { 'Marqo-FashionSigLIP': 0.179, 'Marqo-FashionCLIP': 0.159, 'FashionCLIP2.0': 0.122 } },
    { name: 'R@10', target: '> 0.489', published: { 'Marqo-FashionSigLIP': 0.489, 'Marqo-FashionCLIP': 0.446, 'FashionCLIP2.0': 0.404 } },
    { name: 'MRR@10', published: { 'Marqo-FashionSigLIP': 0.293, 'Marqo-FashionCLIP': 0.265, 'FashionCLIP2.0': 0.217 } },
  ],
  describe: `KAGL title→image: all catalog small images; ≤ ${MAX_QUERIES} distinct test-fold titles no training product shares; relevant = same title.`,
  async run(ctx, system): Promise<TaskResult> {
    const ids = galleryIds(ctx);
    const inGallery = new Set(ids);
    const trainTitles = new Set(ctx.data.products.filter((p) => !isTest(p.id)).map((p) => p.title));
    const byTitle = new Map<string, Set<string>>();
    for (const p of ctx.data.products) {
      if (!p.title || !inGallery.has(p.id)) continue;
      const s = byTitle.get(p.title) ?? new Set<string>();
      byTitle.set(p.title, s);
      s.add(p.id);
    }
    const titles = [...byTitle.keys()].filter((t) => !trainTitles.has(t) && [...byTitle.get(t)!].every(isTest)).sort();
    const chosen = limitQueries(ctx, titles, MAX_QUERIES, 4);
    const gallery = await ctx.gallery(system!, 'small', ids);
    const vecs = await ctx.texts(system!, chosen);
    const queries: Query[] = chosen.map((t, i) => ({ vector: vecs[i], relevant: byTitle.get(t)! }));
    const r = await scoreQueries(gallery, queries, ['R@1', 'R@10', 'MRR@10']);
    return { ...r, notes: [...(r.notes ?? []), `${titles.length} eligible titles, ${chosen.length} queried`] };
  },
};

export const kaglAttributes: EvalTask = {
  id: 'kagl-attributes',
  title: 'KAGL label→product (44k gallery)',
  metrics: [
    { name: 'articleType P@1', published: { 'Marqo-FashionSigLIP': 0.704, 'Marqo-FashionCLIP': 0.725, 'FashionCLIP2.0': 0.634 } },
    { name: 'articleType P@10', published: { 'Marqo-FashionSigLIP': 0.629, 'Marqo-FashionCLIP': 0.613, 'FashionCLIP2.0': 0.577 } },
    { name: 'colour P@1', published: { 'Marqo-FashionSigLIP': 0.587, 'Marqo-FashionCLIP': 0.5, 'FashionCLIP2.0': 0.413 } },
    { name: 'colour P@10', published: { 'Marqo-FashionSigLIP': 0.502, 'Marqo-FashionCLIP': 0.496, 'FashionCLIP2.0': 0.443 } },
    { name: 'articleType P@10, test-fold gallery' },
    { name: 'colour P@10, test-fold gallery' },
  ],
  describe:
    'KAGL label→product: query = raw articleType / baseColour value; relevant = every product with it; gallery = all small images. ' +
    '90% of that gallery is training-fold images a model trained here has seen with these labels, so the "test-fold gallery" rows repeat the task on unseen images only.',
  async run(ctx, system): Promise<TaskResult> {
    const metrics: Record<string, MetricValue> = {};
    const notes: string[] = [];
    let count = 0;
    const variants = [
      { ids: galleryIds(ctx), suffix: '', names: ['P@1', 'P@10'] as MetricName[] },
      { ids: ctx.testSmallIds, suffix: ', test-fold gallery', names: ['P@10'] as MetricName[] },
    ];
    for (const { ids, suffix, names } of variants) {
      const gallery = await ctx.gallery(system!, 'small', ids);
      for (const [attr, prefix] of [['articleType', 'articleType '], ['baseColour', 'colour ']] as const) {
        const groups = new Map<string, Set<string>>();
        for (const id of ids) {
          const v = ctx.byId.get(id)?.[attr];
          if (!v) continue;
          const s = groups.get(v) ?? new Set<string>();
          groups.set(v, s);
          s.add(id);
        }
        const labels = limitQueries(ctx, [...groups.keys()].sort(), Infinity, 5);
        const vecs = await ctx.texts(system!, labels);
        const r = await scoreQueries(gallery, labels.map((l, i) => ({ vector: vecs[i], relevant: groups.get(l)! })), names, prefix);
        for (const [k, v] of Object.entries(r.metrics)) metrics[k + suffix] = v;
        if (!suffix) {
          notes.push(...(r.notes ?? []));
          count += r.count;
        }
      }
    }
    return { metrics, count, notes };
  },
};
