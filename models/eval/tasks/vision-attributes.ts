/**
 * The vision tagger's attribute accuracy on the test fold (ids ending in 7, small images): top-1 and macro-F1 for
 * articleType, baseColour, gender and usage, from the trained heads over the image features — the same heads
 * the pipeline runs on a crop — and the worst classes with what they are mistaken for.
 */
import { accuracy, macroF1 } from '../metrics.ts';
import { ensureFeatureCache } from '../../training/extract-features.ts';
import { featureRow } from '../../training/feature-cache.ts';
import type { ImageFeatures } from '../../../layers/core/src/encoders/image-features.ts';
import type { EvalTask, MetricValue } from '../types.ts';
import { limitQueries } from './common.ts';
import { notApplicable, round, trainedEncoder } from './vision-common.ts';

const ATTRS = ['articleType', 'baseColour', 'gender', 'usage'] as const;
const BATCH = 512;

export const visionAttributes: EvalTask = {
  id: 'vision-attributes',
  title: 'vision tagger: attributes (test fold)',
  kind: 'once',
  metrics: ATTRS.flatMap((a) => [{ name: `${a} top-1`, target: a === 'articleType' ? '≥ 0.85' : undefined }, { name: `${a} macro-F1` }]),
  describe: 'vision-attributes: the pipeline\'s attribute heads on test-fold small images; macro-F1 over classes present in the fold; worst classes (≥ 10 images) in the notes.',
  async run(ctx) {
    const na = notApplicable(ctx);
    if (na) return na;
    const enc = await trainedEncoder();
    const ids = limitQueries(ctx, ctx.testSmallIds, Infinity, 5);
    const table = await ensureFeatureCache('small', { log: ctx.log });
    const row = new Map(table.ids.map((id, i) => [id, i]));
    const predicted = new Map<string, Record<string, string>>();
    for (let i = 0; i < ids.length; i += BATCH) {
      const chunk = ids.slice(i, i + BATCH).filter((id) => row.has(id));
      const feats: ImageFeatures[] = chunk.map((id) => featureRow(table, row.get(id)!));
      const tags = await enc.tagger.tagMany(feats);
      chunk.forEach((id, k) => predicted.set(id, Object.fromEntries(Object.entries(tags[k]).map(([h, t]) => [h, t.value]))));
    }
    const scored = ids.filter((id) => predicted.has(id));
    const metrics: Record<string, MetricValue> = {};
    const notes: string[] = [];
    for (const attr of ATTRS) {
      const truth = scored.map((id) => {
        const v = ctx.byId.get(id)?.[attr] ?? '';
        return v === 'NA' ? '' : v;
      });
      const pred = scored.map((id) => predicted.get(id)![attr] ?? '');
      metrics[`${attr} top-1`] = accuracy(truth, pred);
      const f1 = macroF1(truth, pred);
      metrics[`${attr} macro-F1`] = f1.macroF1;
      const worst = f1.perClass.filter((c) => c.support >= 10).slice(0, 5);
      notes.push(`${attr} worst: ${worst.map((c) => `${c.label} F1 ${round(c.f1, 2)} (n=${c.support}${c.confusedWith ? `, → ${c.confusedWith}` : ''})`).join('; ')}`);
    }
    return { metrics, count: scored.length, notes };
  },
};
