/**
 * Detection sanity: how often YOLOX-nano finds a person (the pipeline's "model shot → crop the person" branch)
 * on the high-resolution catalog photos, split by masterCategory and the most common article types. Apparel is
 * mostly shot on models, footwear and accessories mostly as product shots, so the shares should differ sharply.
 * Also: the k-means dominant colour named in the catalog vocabulary against the product's baseColour.
 */
import { checkImage } from '../../../layers/core/src/vision/image-check.ts';
import { chooseCrop } from '../../../layers/core/src/vision/detect.ts';
import { cropRgb } from '../../../layers/core/src/vision/image-check.ts';
import { dominantColours } from '../../../layers/core/src/vision/colours.ts';
import { sample } from '../data.ts';
import type { EvalTask, MetricValue } from '../types.ts';
import { notApplicable, round, yolox } from './vision-common.ts';

const GROUPS = ['Apparel', 'Footwear', 'Accessories', 'Personal Care'] as const;
const DEFAULT_IMAGES = 400;

export const visionDetection: EvalTask = {
  id: 'vision-detection',
  title: 'vision: person detection and dominant colour (hi-res photos)',
  kind: 'once',
  metrics: [
    { name: 'person found (all)' },
    ...GROUPS.map((g) => ({ name: `person found: ${g}` })),
    { name: 'colour top-1 = baseColour' },
    { name: 'baseColour in colours' },
  ],
  describe: `vision-detection: share of sampled hi-res photos (default ${DEFAULT_IMAGES}) where YOLOX finds a person big enough to crop (score ≥ 0.45, ≥ 6% of the frame), by masterCategory; colours = k-means in Lab on the crop, named in the 46-colour vocabulary.`,
  async run(ctx) {
    const na = notApplicable(ctx);
    if (na) return na;
    const detector = await yolox();
    const n = Math.min(ctx.limit ?? DEFAULT_IMAGES, DEFAULT_IMAGES, ctx.data.imageIds.hires.length);
    const ids = sample(ctx.data.imageIds.hires, n, ctx.seed);
    const byGroup = new Map<string, { n: number; person: number }>();
    const byType = new Map<string, { n: number; person: number }>();
    const add = (m: Map<string, { n: number; person: number }>, k: string, person: boolean) => {
      const e = m.get(k) ?? { n: 0, person: 0 };
      e.n++;
      if (person) e.person++;
      m.set(k, e);
    };
    let colourTop = 0;
    let colourAny = 0;
    let colourN = 0;
    let done = 0;
    for (const id of ids) {
      const p = ctx.byId.get(id);
      if (!p) continue;
      let img;
      try {
        img = await checkImage(await ctx.data.readImage('hires', id), { limits: { workingSide: 512 } });
      } catch {
        continue;
      }
      const dets = await detector.detect(img.rgb);
      const crop = chooseCrop(dets, img.rgb.width, img.rgb.height);
      const person = crop.kind === 'person';
      add(byGroup, p.masterCategory, person);
      add(byType, p.articleType, person);
      if (p.baseColour && p.baseColour !== 'NA' && p.baseColour !== 'Multi') {
        const c = dominantColours(person ? cropRgb(img.rgb, crop.box) : img.rgb, { person });
        colourN++;
        if (c.colours[0]?.name === p.baseColour) colourTop++;
        if (c.colours.some((x) => x.name === p.baseColour)) colourAny++;
      }
      if (++done % 100 === 0) ctx.log(`  vision-detection: ${done}/${ids.length}`);
    }
    const total = [...byGroup.values()].reduce((a, e) => ({ n: a.n + e.n, person: a.person + e.person }), { n: 0, person: 0 });
    const share = (e?: { n: number; person: number }): MetricValue => (e && e.n ? e.person / e.n : null);
    const metrics: Record<string, MetricValue> = { 'person found (all)': share(total) };
    for (const g of GROUPS) metrics[`person found: ${g}`] = share(byGroup.get(g));
    metrics['colour top-1 = baseColour'] = colourN ? colourTop / colourN : null;
    metrics['baseColour in colours'] = colourN ? colourAny / colourN : null;
    const types = [...byType].sort((a, b) => b[1].n - a[1].n).slice(0, 10);
    return {
      metrics,
      count: total.n,
      notes: [
        `groups: ${[...byGroup].map(([g, e]) => `${g} ${e.person}/${e.n}`).join(', ')}`,
        `top article types (person found / images): ${types.map(([t, e]) => `${t} ${e.person}/${e.n} (${round(e.person / e.n, 2)})`).join(', ')}`,
      ],
    };
  },
};
