/**
 * Kaggle / Myntra "Fashion Product Images" record → Product.
 *
 * The raw record (one line of catalog.jsonl.gz) is loosely typed: "NA" and "" mean "unknown", year is a
 * string, attributes use display names ("Sleeve Length"). The mapping is pure (no I/O) so the importer,
 * tests and any later re-ingestion share it. Rows that cannot become a valid Product are rejected with
 * a reason instead of being patched up silently.
 */
import { z } from 'zod';
import { Product } from './product.ts';
import { stripHtml } from './html.ts';

/** What we read from a raw line; everything optional so that the reasons come from our checks, not from a parse failure. */
export const KaggleRecord = z
  .object({
    id: z.union([z.number(), z.string()]).optional(),
    title: z.string().optional(),
    brand: z.string().optional(),
    gender: z.string().optional(),
    ageGroup: z.string().optional(),
    masterCategory: z.string().optional(),
    subCategory: z.string().optional(),
    articleType: z.string().optional(),
    baseColour: z.string().optional(),
    colour1: z.string().optional(),
    colour2: z.string().optional(),
    season: z.string().optional(),
    year: z.union([z.string(), z.number()]).optional(),
    usage: z.string().optional(),
    price: z.union([z.number(), z.string()]).nullable().optional(),
    discountedPrice: z.union([z.number(), z.string()]).nullable().optional(),
    currency: z.string().optional(),
    attributes: z.record(z.string(), z.unknown()).nullable().optional(),
    description: z.string().optional(),
    styleNote: z.string().optional(),
    materialsCare: z.string().optional(),
    sizes: z.array(z.unknown()).nullable().optional(),
  })
  .loose();
export type KaggleRecord = z.infer<typeof KaggleRecord>;

export type MapResult = { ok: true; product: Product } | { ok: false; id?: string; reason: string };

/** "NA", "N/A", "null" and blanks are the dataset's ways of saying "unknown". */
export function clean(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const s = String(v).trim();
  return s === '' || /^(na|n\/a|null|none|undefined)$/i.test(s) ? undefined : s;
}

/** Our normalised attribute keys and the dataset names that fill them, best first. */
const ATTRIBUTE_SOURCES: Record<string, string[]> = {
  pattern: ['pattern', 'print or pattern type'],
  fabric: ['fabric'],
  fit: ['fit'],
  sleeve: ['sleeve length'],
  neck: ['neck', 'neck type'],
};

export function camelKey(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())).join('');
}

/** pattern/fabric/fit/sleeve/neck from their best source; every other attribute under its camelCased name; "NA" dropped. */
export function normaliseAttributes(raw: Record<string, unknown> | null | undefined): Record<string, string> {
  const values = new Map<string, { name: string; value: string }>();
  for (const [name, value] of Object.entries(raw ?? {})) {
    const v = clean(typeof value === 'string' || typeof value === 'number' ? value : undefined);
    if (v !== undefined) values.set(name.trim().toLowerCase(), { name, value: v });
  }
  const out: Record<string, string> = {};
  const used = new Set<string>();
  for (const [key, sources] of Object.entries(ATTRIBUTE_SOURCES)) {
    const source = sources.find((s) => values.has(s));
    if (source === undefined) continue;
    out[key] = values.get(source)!.value;
    used.add(source);
  }
  for (const [lower, { name, value }] of values) {
    const key = camelKey(name);
    if (used.has(lower) || !key || out[key] !== undefined) continue;
    out[key] = value;
  }
  return out;
}

/** description, then style note, then materials & care: each HTML-stripped, blanks and repeats dropped. */
export function combineDescription(r: Pick<KaggleRecord, 'description' | 'styleNote' | 'materialsCare'>): string {
  const parts: string[] = [];
  for (const raw of [r.description, r.styleNote, r.materialsCare]) {
    const text = clean(raw) === undefined ? undefined : stripHtml(raw!);
    if (text && !parts.some((p) => p.includes(text))) parts.push(text);
  }
  return parts.join('\n\n');
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
function fnv1a(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
}

/**
 * SYNTHETIC stock level: the dataset has no inventory. Derived from the id alone (FNV-1a hash) so every import
 * gives the same figure: about 8% of products are out of stock (0), the rest hold 1–60 units.
 */
export function syntheticStock(id: string): number {
  const h = fnv1a(`stock:${id}`);
  return h % 100 < 8 ? 0 : 1 + ((h >>> 8) % 60);
}

function toPrice(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && clean(v) !== undefined ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Shortens zod's issues to one line naming the fields. */
function describeIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ');
}

export interface MapOptions {
  /** ISO time stamped on createdAt/updatedAt. */
  now: string;
  /** Catalog-bucket keys of the product's images ([] when it has none). Default: products/<id>.jpg. */
  imageKeys?: string[];
}

export const imageKeyFor = (id: string) => `products/${id}.jpg`;

export function mapKaggleRecord(raw: unknown, opts: MapOptions): MapResult {
  const parsed = KaggleRecord.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === 'object' && raw && 'id' in raw ? clean((raw as { id: unknown }).id) : undefined;
    return { ok: false, id, reason: `malformed record (${describeIssues(parsed.error)})` };
  }
  const r = parsed.data;
  const id = clean(r.id);
  if (id === undefined) return { ok: false, reason: 'missing id' };
  if (!/^\d+$/.test(id)) return { ok: false, id, reason: `bad id "${id}": must be a non-negative integer` };

  const price = toPrice(r.price);
  if (price === undefined) return { ok: false, id, reason: 'missing price' };
  if (price <= 0) return { ok: false, id, reason: `price must be positive, got ${price}` };
  const discounted = toPrice(r.discountedPrice);

  for (const field of ['gender', 'masterCategory', 'subCategory', 'articleType'] as const) {
    if (clean(r[field]) === undefined) return { ok: false, id, reason: `missing ${field}` };
  }

  const brand = clean(r.brand);
  const baseColour = clean(r.baseColour);
  const articleType = clean(r.articleType)!;
  // Seven perfume/clutch rows have title "NA": rebuild one from the labels the titles are made of.
  const title = clean(r.title) ?? [brand, baseColour, articleType].filter(Boolean).join(' ');
  const colours = [...new Set([baseColour, clean(r.colour1), clean(r.colour2)].filter((c): c is string => !!c))];
  const yearText = clean(r.year);
  const year = yearText && /^\d{4}$/.test(yearText) ? Number(yearText) : undefined;
  const sizes = (r.sizes ?? []).map((s) => clean(s)).filter((s): s is string => !!s);

  const candidate = {
    id,
    sku: `MYN-${id}`,
    title,
    brand,
    gender: clean(r.gender),
    ageGroup: clean(r.ageGroup),
    masterCategory: clean(r.masterCategory),
    subCategory: clean(r.subCategory),
    articleType,
    baseColour,
    colours,
    season: clean(r.season),
    year,
    usage: clean(r.usage),
    price,
    discountedPrice: discounted !== undefined && discounted > 0 ? discounted : undefined,
    currency: (clean(r.currency) ?? 'INR').toUpperCase(),
    attributes: normaliseAttributes(r.attributes),
    description: combineDescription(r),
    sizes: [...new Set(sizes)],
    stock: syntheticStock(id),
    imageKeys: opts.imageKeys ?? [imageKeyFor(id)],
    createdAt: opts.now,
    updatedAt: opts.now,
  };
  const product = Product.safeParse(candidate);
  if (!product.success) return { ok: false, id, reason: describeIssues(product.error) };
  return { ok: true, product: product.data };
}
