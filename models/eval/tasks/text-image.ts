/**
 * text → image on the test fold: label queries "{gender} {baseColour} {articleType}" and "{baseColour} {articleType}",
 * one per distinct combination with at least MIN_RELEVANT products in the test-fold gallery (small images, embedded
 * from pixels only); relevant = every gallery product whose named labels all match.
 * Why the minimum: P@10 of a combination with 2 products cannot exceed 0.2, and over all 1,059 combinations the
 * ceiling would be 0.29 — a target of 0.70 only means something where 10 right answers exist.
 */
import type { EvalProduct, EvalTask } from '../types.ts';
import { limitQueries, scoreQueries, type Query } from './common.ts';

type Field = 'gender' | 'baseColour' | 'articleType';
export const MIN_RELEVANT = 10;

export function textImageTask(fields: Field[], id: string, title: string): EvalTask {
  return {
    id,
    title,
    metrics: [{ name: 'P@10', target: '≥ 0.70' }, { name: 'nDCG@10' }],
    describe: `${title}: query "{${fields.join('} {')}}" for each combination with ≥ ${MIN_RELEVANT} products in the test-fold gallery; relevant = all named labels match.`,
    async run(ctx, system) {
      const gallery = await ctx.gallery(system!, 'small', ctx.testSmallIds);
      const groups = new Map<string, Set<string>>();
      for (const id of ctx.testSmallIds) {
        const p = ctx.byId.get(id) as EvalProduct | undefined;
        if (!p || fields.some((f) => !p[f])) continue;
        const text = fields.map((f) => p[f]).join(' ');
        let s = groups.get(text);
        if (!s) groups.set(text, (s = new Set()));
        s.add(id);
      }
      const eligible = [...groups.keys()].filter((t) => groups.get(t)!.size >= MIN_RELEVANT).sort();
      const texts = limitQueries(ctx, eligible);
      const vecs = await ctx.texts(system!, texts);
      const queries: Query[] = texts.map((t, i) => ({ vector: vecs[i], relevant: groups.get(t)! }));
      const r = await scoreQueries(gallery, queries, ['P@10', 'nDCG@10']);
      const covered = eligible.reduce((a, t) => a + groups.get(t)!.size, 0);
      return { ...r, notes: [...(r.notes ?? []), `${eligible.length} of ${groups.size} combinations have ≥ ${MIN_RELEVANT} products (${covered} products)`] };
    },
  };
}

export const textImageFull = textImageTask(['gender', 'baseColour', 'articleType'], 'text-image', 'text→image "gender colour type"');
export const textImageShort = textImageTask(['baseColour', 'articleType'], 'text-image-short', 'text→image "colour type"');
