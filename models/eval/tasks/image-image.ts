/**
 * image → image: each test-fold high-resolution image is a query against the test-fold small-image gallery;
 * relevant = same articleType and baseColour; the query's own product is left out. Queries without any relevant
 * product in the gallery are skipped.
 */
import type { Gallery } from '../search.ts';
import type { EvalContext, EvalTask } from '../types.ts';
import { asImageQuery, limitQueries, scoreQueries, type Query } from './common.ts';

/** The image→image queries (also the named-attributes task's): hi-res test images with a relevant gallery product. */
export function imageImageQueries(ctx: EvalContext, gallery: Gallery): { ids: string[]; relevantOf: (id: string) => Set<string>; skipped: number } {
  const candidates = ctx.testHiresIds.filter((id) => {
    const p = ctx.byId.get(id);
    return p && p.articleType && p.baseColour;
  });
  const relevant = new Map<string, Set<string>>();
  for (const id of candidates) {
    const p = ctx.byId.get(id)!;
    const set = new Set(gallery.ids.filter((g) => g !== id && ctx.byId.get(g)?.articleType === p.articleType && ctx.byId.get(g)?.baseColour === p.baseColour));
    if (set.size > 0) relevant.set(id, set);
  }
  const relevantOf = (id: string) => relevant.get(id)!;
  const ids = limitQueries(ctx, candidates.filter((id) => relevant.has(id)), Infinity, 1);
  return { ids, relevantOf, skipped: candidates.length - ids.length };
}

export const imageImage: EvalTask = {
  id: 'image-image',
  title: 'image→image (hi-res query)',
  metrics: [{ name: 'P@10', target: '≥ 0.65' }, { name: 'own thumbnail as query: P@10' }],
  describe: "image→image: test-fold hi-res image vs test-fold small images; relevant = same articleType and baseColour, own product excluded. The second row asks with the product's own 60×80 thumbnail instead (its row left out): how much of the gap is the photo's different look.",
  async run(ctx, system) {
    const gallery = await ctx.gallery(system!, 'small', ctx.testSmallIds);
    const rowOf = new Map(gallery.ids.map((id, i) => [id, i]));
    const { ids, relevantOf, skipped } = imageImageQueries(ctx, gallery);
    const images = await ctx.gallery(system!, 'hires', ids);
    const queries: Query[] = ids.map((id, i) => ({ vector: asImageQuery(system!, images.row(i)), relevant: relevantOf(id), skip: rowOf.get(id) }));
    const result = await scoreQueries(gallery, queries, ['P@10']);
    const withThumbnail = ids.filter((id) => rowOf.has(id));
    const thumbnails = await scoreQueries(gallery, withThumbnail.map((id) => ({ vector: asImageQuery(system!, gallery.row(rowOf.get(id)!)), relevant: relevantOf(id), skip: rowOf.get(id) })), ['P@10'], 'own thumbnail as query: ');
    return {
      ...result,
      metrics: { ...result.metrics, ...thumbnails.metrics },
      notes: [...(result.notes ?? []), `${skipped} hi-res test images skipped (no relevant product or --limit)`, `${withThumbnail.length} of them have a thumbnail in the gallery`],
    };
  },
};
