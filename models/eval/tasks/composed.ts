/**
 * Composed query: a test-fold high-resolution image plus a colour word different from its own (α = 0.5:
 * q = normalise(0.5·image + 0.5·text)); relevant = the image's articleType in the named colour. The colour is
 * drawn (seeded) among colours with at least MIN_TARGETS products of that type in the test-fold gallery.
 */
import { mulberry32 } from '#core/random';
import { fuse, type Gallery } from '../search.ts';
import type { EvalContext, EvalSystem, EvalTask } from '../types.ts';
import { asImageQuery, limitQueries, scoreQueries, type Query } from './common.ts';

const ALPHA = 0.5;
const MIN_TARGETS = 5;

/** A composed query's vector: the system's image query and the colour word's embedding, fused at α = ALPHA. */
export const composedQuery = (system: EvalSystem, image: Float32Array, word: Float32Array): Float32Array =>
  fuse([[ALPHA, asImageQuery(system, image)], [1 - ALPHA, word]]);

/** The composed queries (also the named-attributes task's): an image, another colour, the products that are relevant. */
export function composedPlans(ctx: EvalContext, gallery: Gallery): Array<{ id: string; colour: string; relevant: Set<string> }> {
  // articleType → colour → ids
  const byType = new Map<string, Map<string, Set<string>>>();
  for (const id of gallery.ids) {
    const p = ctx.byId.get(id);
    if (!p?.articleType || !p.baseColour) continue;
    const colours = byType.get(p.articleType) ?? new Map<string, Set<string>>();
    byType.set(p.articleType, colours);
    const s = colours.get(p.baseColour) ?? new Set<string>();
    colours.set(p.baseColour, s);
    s.add(id);
  }
  const next = mulberry32(ctx.seed + 2);
  const plans: Array<{ id: string; colour: string; relevant: Set<string> }> = [];
  for (const id of ctx.testHiresIds) {
    const p = ctx.byId.get(id);
    if (!p?.articleType || !p.baseColour) continue;
    const options = [...(byType.get(p.articleType) ?? new Map<string, Set<string>>())]
      .filter(([c, s]) => c !== p.baseColour && s.size >= MIN_TARGETS)
      .sort(([a], [b]) => a.localeCompare(b));
    if (options.length === 0) continue;
    const [colour, relevant] = options[Math.floor(next() * options.length)];
    plans.push({ id, colour, relevant });
  }
  return limitQueries(ctx, plans, Infinity, 2);
}

export const composed: EvalTask = {
  id: 'composed',
  title: 'composed image + colour word',
  metrics: [{ name: 'P@10', target: '≥ 0.40' }],
  describe: `composed: hi-res test image + another colour word, α = ${ALPHA}; relevant = same articleType in the named colour (colours with ≥ ${MIN_TARGETS} such products).`,
  async run(ctx, system) {
    const gallery = await ctx.gallery(system!, 'small', ctx.testSmallIds);
    const chosen = composedPlans(ctx, gallery);
    const images = await ctx.gallery(system!, 'hires', chosen.map((c) => c.id));
    const words = await ctx.texts(system!, chosen.map((c) => c.colour));
    const queries: Query[] = chosen.map((c, i) => ({
      vector: composedQuery(system!, images.row(i), words[i]),
      relevant: c.relevant,
    }));
    return scoreQueries(gallery, queries, ['P@10']);
  },
};
