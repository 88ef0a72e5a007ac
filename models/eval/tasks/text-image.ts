/**
 * text → image on the test fold: label queries "{gender} {baseColour} {articleType}" and "{baseColour} {articleType}",
 * one per distinct combination present in the test-fold gallery (small images, embedded from pixels only);
 * relevant = every gallery product whose named labels all match.
 */
import type { EvalProduct, EvalTask } from '../types.ts';
import { limitQueries, scoreQueries, type Query } from './common.ts';

type Field = 'gender' | 'baseColour' | 'articleType';

export function textImageTask(fields: Field[], id: string, title: string): EvalTask {
  return {
    id,
    title,
    metrics: [{ name: 'P@10', target: '≥ 0.70' }, { name: 'nDCG@10' }],
    describe: `${title}: query "{${fields.join('} {')}}" for each combination in the test-fold gallery; relevant = all named labels match.`,
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
      const texts = limitQueries(ctx, [...groups.keys()].sort());
      const vecs = await ctx.texts(system!, texts);
      const queries: Query[] = texts.map((t, i) => ({ vector: vecs[i], relevant: groups.get(t)! }));
      return scoreQueries(gallery, queries, ['P@10', 'nDCG@10']);
    },
  };
}

export const textImageFull = textImageTask(['gender', 'baseColour', 'articleType'], 'text-image', 'text→image "gender colour type"');
export const textImageShort = textImageTask(['baseColour', 'articleType'], 'text-image-short', 'text→image "colour type"');
