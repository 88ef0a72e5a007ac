/**
 * Attribute prediction from the image embedding, on the test-fold small images: top-1 accuracy for articleType
 * and baseColour. "zero-shot" = the nearest label text (every label value of the catalog embedded as text);
 * "heads" = the system's own attribute heads, when it has them; "+ look-alikes" = the heads voted on by the
 * image's nearest catalog products outside the test fold, as the search service reads a photo.
 */
import { LOOKALIKE_VOTE } from '../../../layers/core/src/ranking/lookalike-vote.ts';
import type { EvalTask, MetricValue } from '../types.ts';
import { limitQueries } from './common.ts';

const ATTRS = ['articleType', 'baseColour'] as const;

/** Share of ids whose prediction is their label (ids without a label left out); null when none has one. */
function accuracy(ids: readonly string[], predicted: readonly string[], truth: (id: string) => string): number | null {
  let hit = 0;
  let n = 0;
  ids.forEach((id, i) => {
    if (!truth(id)) return;
    n++;
    if (predicted[i] === truth(id)) hit++;
  });
  return n ? hit / n : null;
}

export const attributes: EvalTask = {
  id: 'attributes',
  title: 'attribute top-1 (test images)',
  metrics: [
    { name: 'articleType zero-shot', target: '≥ 0.85' },
    { name: 'baseColour zero-shot' },
    { name: 'articleType heads', target: '≥ 0.85' },
    { name: 'baseColour heads' },
    { name: 'articleType heads + look-alikes', target: '≥ 0.85' },
    { name: 'baseColour heads + look-alikes' },
  ],
  describe: `attributes: top-1 on test-fold images; zero-shot = nearest label text in the joint space, heads = the system's classifiers, + look-alikes = voted on by the ${LOOKALIKE_VOTE.k} nearest catalog products outside the test fold.`,
  async run(ctx, system) {
    const ids = limitQueries(ctx, ctx.testSmallIds.filter((id) => ctx.byId.get(id)?.articleType), Infinity, 3);
    const gallery = await ctx.gallery(system!, 'small', ctx.testSmallIds);
    const rowOf = new Map(gallery.ids.map((id, i) => [id, i]));
    const metrics: Record<string, MetricValue> = {};
    for (const attr of ATTRS) {
      const labels = [...new Set(ctx.data.products.map((p) => p[attr]).filter(Boolean))].sort();
      const vecs = await ctx.texts(system!, labels);
      let correct = 0;
      let n = 0;
      for (const id of ids) {
        const truth = ctx.byId.get(id)![attr];
        if (!truth) continue;
        const img = gallery.row(rowOf.get(id)!);
        let best = -1;
        let bestScore = -Infinity;
        vecs.forEach((v, j) => {
          let s = 0;
          for (let d = 0; d < v.length; d++) s += v[d] * img[d];
          if (s > bestScore) {
            bestScore = s;
            best = j;
          }
        });
        n++;
        if (labels[best] === truth) correct++;
      }
      metrics[`${attr} zero-shot`] = n ? correct / n : null;
      for (const [suffix, lookalikes] of [['heads', false], ['heads + look-alikes', true]] as const) {
        const predicted = await system!.predictAttribute?.(attr, 'small', ids, { lookalikes });
        metrics[`${attr} ${suffix}`] = predicted ? accuracy(ids, predicted, (id) => ctx.byId.get(id)![attr]) : null;
      }
    }
    return { metrics, count: ids.length };
  },
};
