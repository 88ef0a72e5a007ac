/**
 * Product search's named-attribute leg (layers/core/src/search/service.ts) on the image→image and composed
 * queries: the vector ranking (100 deep) fused by RRF with the gallery products having the attributes the query
 * names — the photo's type and colour as the system's heads predict them, the colour word overriding the photo's
 * colour (queryIntent, as the API does) — 20 deep, nearest first. It ranks with the catalog's labels, so it is
 * not the image-only protocol: it shows what the search API adds. Systems without heads are skipped.
 */
import { hasIntent, IntentParser, matchesIntent, queryIntent, type LabelledItem, type QueryIntent } from '#core/intent/query-intent';
import { reciprocalRankFusion } from '#core/ranking/rrf';
import type { EvalProduct, EvalTask } from '../types.ts';
import { composedPlans, composedQuery } from './composed.ts';
import { asImageQuery } from './common.ts';
import { imageImageQueries } from './image-image.ts';

const VECTOR_DEPTH = 100;
const LEG_DEPTH = 20;

const labelled = (p: EvalProduct): LabelledItem => ({ brand: '', gender: p.gender, articleType: p.articleType, subCategory: p.subCategory, baseColour: p.baseColour });

export const namedAttributes: EvalTask = {
  id: 'named-attributes',
  title: 'product search: + named attributes',
  metrics: [{ name: 'image→image P@10' }, { name: 'composed P@10' }],
  describe: `named-attributes: the image→image and composed queries ranked as the search API does, the vector ranking fused (RRF) with the products of the photo's predicted type and colour (heads voted on by its catalog look-alikes outside the test fold; the word's colour in composed); uses catalog labels, so not comparable with the protocol rows.`,
  async run(ctx, system) {
    const predict = system!.predictAttribute?.bind(system);
    if (!predict) return { metrics: { 'image→image P@10': null, 'composed P@10': null }, count: 0, notes: ['no attribute heads: skipped'] };
    const gallery = await ctx.gallery(system!, 'small', ctx.testSmallIds);
    const rowOf = new Map(gallery.ids.map((id, i) => [id, i]));
    const items = gallery.ids.map((id) => labelled(ctx.byId.get(id)!));
    const parser = new IntentParser(items);
    const reading = async (ids: string[]) => {
      const [types, colours] = await Promise.all([predict('articleType', 'hires', ids, { lookalikes: true }), predict('baseColour', 'hires', ids, { lookalikes: true })]);
      return ids.map((_, i) => ({ articleType: types?.[i] ?? '', baseColour: colours?.[i] ?? '' }));
    };
    /** The top 10 of the fused ranking, the query's own product (row `self`) left out. */
    const ranked = (q: Float32Array, intent: QueryIntent, self?: number) => {
      const vector = gallery.search(q, VECTOR_DEPTH, self === undefined ? undefined : (j) => j === self);
      const leg = hasIntent(intent) ? gallery.search(q, LEG_DEPTH, (j) => j === self || !matchesIntent(intent, items[j])) : [];
      return reciprocalRankFusion([vector, leg], 10).map((f) => f.id);
    };
    const precision = (top: string[], relevant: ReadonlySet<string>) => top.filter((id) => relevant.has(id)).length / 10;

    const photo = imageImageQueries(ctx, gallery);
    const photos = await ctx.gallery(system!, 'hires', photo.ids);
    const photoRead = await reading(photo.ids);
    const photoP = photo.ids.map((id, i) => precision(ranked(asImageQuery(system!, photos.row(i)), queryIntent(parser, undefined, photoRead[i]), rowOf.get(id)), photo.relevantOf(id)));

    const plans = composedPlans(ctx, gallery);
    const images = await ctx.gallery(system!, 'hires', plans.map((p) => p.id));
    const words = await ctx.texts(system!, plans.map((p) => p.colour));
    const planRead = await reading(plans.map((p) => p.id));
    const composedP = plans.map((p, i) => {
      const q = composedQuery(system!, images.row(i), words[i]);
      return precision(ranked(q, queryIntent(parser, p.colour, planRead[i])), p.relevant);
    });
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    return {
      metrics: { 'image→image P@10': mean(photoP), 'composed P@10': mean(composedP) },
      count: photoP.length + composedP.length,
      notes: [`${photoP.length} image→image and ${composedP.length} composed queries`],
    };
  },
};
