/**
 * Text views: the texts a product is paired with during training. Titles alone would teach the towers to
 * match titles; shoppers type short label phrases ("red dress", "men navy slim fit shirt"), so each step
 * samples one view per product from the title and templates over its labels and attributes.
 *
 * Each view names the fields it asserts; another product in the batch is a positive for that text when it
 * agrees on every one of them (the same title for title views). That is what "identical texts as shared
 * positives" generalises to: "black tshirt" is true of every black T-shirt in the batch.
 */
import type { CatalogRow } from './data.ts';

export const FIELDS = ['title', 'gender', 'baseColour', 'articleType', 'subCategory', 'usage', 'season', 'pattern', 'fit', 'sleeve', 'fabric', 'neck'] as const;
export type Field = (typeof FIELDS)[number];

export function fieldValue(p: CatalogRow, f: Field): string {
  switch (f) {
    case 'pattern': case 'fit': case 'sleeve': case 'fabric': case 'neck':
      return p.attributes[f] ?? '';
    default:
      return p[f];
  }
}

export interface View {
  text: string;
  fields: Field[];
}

type Rng = () => number;
const pick = <T>(rng: Rng, xs: T[]): T => xs[Math.floor(rng() * xs.length)];

function genderWord(g: string, rng: Rng): string {
  const w = g.toLowerCase();
  if (w === 'unisex') return pick(rng, ['unisex', '']);
  return pick(rng, [w, w, `${w}'s`, `for ${w}`]);
}

interface Template {
  weight: number;
  fields: Field[];
  render(p: CatalogRow, rng: Rng): string;
}

const lc = (s: string) => s.toLowerCase();
const TEMPLATES: Template[] = [
  { weight: 3, fields: ['title'], render: (p) => p.title },
  { weight: 2, fields: ['gender', 'baseColour', 'articleType'], render: (p, r) => {
    const g = genderWord(p.gender, r);
    return r() < 0.8 ? `${g} ${lc(p.baseColour)} ${lc(p.articleType)}` : `${lc(p.baseColour)} ${lc(p.articleType)} ${g}`;
  } },
  { weight: 2, fields: ['baseColour', 'articleType'], render: (p) => `${lc(p.baseColour)} ${lc(p.articleType)}` },
  { weight: 1, fields: ['articleType'], render: (p) => lc(p.articleType) },
  { weight: 1, fields: ['gender', 'articleType'], render: (p, r) => `${genderWord(p.gender, r)} ${lc(p.articleType)}` },
  { weight: 0.4, fields: ['baseColour'], render: (p) => lc(p.baseColour) },
  { weight: 0.5, fields: ['baseColour', 'subCategory'], render: (p) => `${lc(p.baseColour)} ${lc(p.subCategory)}` },
  { weight: 0.5, fields: ['usage', 'baseColour', 'articleType'], render: (p) => `${lc(p.usage)} ${lc(p.baseColour)} ${lc(p.articleType)}` },
  { weight: 0.3, fields: ['season', 'articleType'], render: (p) => `${lc(p.season)} ${lc(p.articleType)}` },
  { weight: 0.7, fields: ['pattern', 'baseColour', 'articleType'], render: (p) => `${lc(p.attributes.pattern ?? '')} ${lc(p.baseColour)} ${lc(p.articleType)}` },
  { weight: 0.5, fields: ['fit', 'articleType'], render: (p) => `${lc(p.attributes.fit ?? '')} ${lc(p.articleType)}` },
  { weight: 0.4, fields: ['sleeve', 'articleType'], render: (p) => `${lc(p.attributes.sleeve ?? '')} ${lc(p.articleType)}` },
  { weight: 0.4, fields: ['fabric', 'articleType'], render: (p) => `${lc(p.attributes.fabric ?? '')} ${lc(p.articleType)}` },
  { weight: 0.4, fields: ['neck', 'articleType'], render: (p) => `${lc(p.attributes.neck ?? '')} ${lc(p.articleType)}` },
  { weight: 0.6, fields: ['gender', 'baseColour', 'pattern', 'fit', 'articleType'], render: (p, r) =>
    `${genderWord(p.gender, r)} ${lc(p.baseColour)} ${lc(p.attributes.fit ?? '')} ${lc(p.attributes.pattern ?? '')} ${lc(p.articleType)}` },
];

/** The templates a product can fill (every named field known). */
function eligible(p: CatalogRow): Template[] {
  return TEMPLATES.filter((t) => t.fields.every((f) => fieldValue(p, f) !== ''));
}

export function sampleView(p: CatalogRow, rng: Rng): View {
  const ts = eligible(p);
  let total = 0;
  for (const t of ts) total += t.weight;
  let x = rng() * total;
  for (const t of ts) {
    x -= t.weight;
    if (x <= 0) return { text: t.render(p, rng).replace(/\s+/g, ' ').trim(), fields: t.fields };
  }
  const t = ts[ts.length - 1];
  return { text: t.render(p, rng).replace(/\s+/g, ' ').trim(), fields: t.fields };
}

/** Every text a product can produce once (vocabulary and IDF building). */
export function allViewTexts(p: CatalogRow): string[] {
  const rng = () => 0;
  return eligible(p).map((t) => t.render(p, rng).replace(/\s+/g, ' ').trim());
}
