/**
 * The index artifact in the artifacts bucket:
 *   index/<version>/graph.bin      hnswlib index file without its vectors (graph-file.ts)
 *   index/<version>/vectors.f16    the vectors, binary16, in the graph's element order (fetched in parts, in parallel)
 *   index/<version>/ids.json       label → product id, and per-product metadata (filters, result fields, BM25 text)
 *   index/<version>/lexical.bin    BM25 over that metadata, built at publish (Bm25.toBytes): loads need not build it
 *   index/<version>/manifest.json  encoder, dimension, count, HNSW parameters, build time, sha256 of each file
 *   index/current.json             pointer to the version every warm search function should serve
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Product } from '../catalog/product.ts';

/** What search needs of a product without a DynamoDB round trip: filter fields, result fields, lexical text. */
export const IndexedItem = z.object({
  id: z.string(),
  title: z.string(),
  brand: z.string(),
  gender: z.string(),
  masterCategory: z.string(),
  subCategory: z.string(),
  articleType: z.string(),
  baseColour: z.string(),
  colours: z.array(z.string()),
  season: z.string(),
  usage: z.string(),
  price: z.number(),
  currency: z.string(),
  stock: z.number(),
  imageKey: z.string().optional(),
  /** Attribute values (pattern, fabric, fit …) for BM25. */
  keywords: z.string(),
});
export type IndexedItem = z.infer<typeof IndexedItem>;

export function indexedItem(p: Product): IndexedItem {
  return {
    id: p.id,
    title: p.title,
    brand: p.brand,
    gender: p.gender,
    masterCategory: p.masterCategory,
    subCategory: p.subCategory,
    articleType: p.articleType,
    baseColour: p.baseColour,
    colours: p.colours,
    season: p.season,
    usage: p.usage,
    price: p.price,
    currency: p.currency,
    stock: p.stock,
    imageKey: p.imageKeys[0],
    keywords: Object.values(p.attributes ?? {})
      .filter((v) => v && v !== 'NA')
      .join(' '),
  };
}

/**
 * What lexicalText and the tokenizer (lexical/tokenize.ts) make of a product: a saved BM25 index (lexical.bin) is
 * used only by code that tokenizes the same way. Change it with either of them.
 */
export const LEXICAL_TEXT_VERSION = 'lookbook-text/1';

/** The text BM25 sees for a product. */
export function lexicalText(i: IndexedItem): string {
  return [i.title, i.brand, i.gender, i.articleType, i.subCategory, i.baseColour, ...i.colours, i.usage, i.season, i.keywords].join(' ');
}

/**
 * ids.json: label → id, and the items' metadata stored column by column, low-cardinality fields as a
 * dictionary + codes. Parsing 44k row objects cost ~0.4 s of a cold start; columns parse several times faster.
 */
const CATEGORICAL = ['gender', 'masterCategory', 'subCategory', 'articleType', 'baseColour', 'season', 'usage', 'currency', 'brand'] as const;
type Categorical = (typeof CATEGORICAL)[number];

export interface IdsFile {
  /** labels[label] = product id; null where the label was removed (hnswlib keeps it marked deleted). */
  labels: (string | null)[];
  count: number;
  id: string[];
  title: string[];
  price: number[];
  stock: number[];
  imageKey: (string | null)[];
  keywords: string[];
  colours: string[][];
  dict: Record<Categorical, { values: string[]; codes: number[] }>;
}

export function encodeIds(labels: (string | null)[], items: readonly IndexedItem[]): IdsFile {
  const dict = {} as IdsFile['dict'];
  for (const field of CATEGORICAL) {
    const values: string[] = [];
    const codeOf = new Map<string, number>();
    const codes = items.map((it) => {
      const v = it[field];
      let c = codeOf.get(v);
      if (c === undefined) codeOf.set(v, (c = values.push(v) - 1));
      return c;
    });
    dict[field] = { values, codes };
  }
  return {
    labels,
    count: items.length,
    id: items.map((i) => i.id),
    title: items.map((i) => i.title),
    price: items.map((i) => i.price),
    stock: items.map((i) => i.stock),
    imageKey: items.map((i) => i.imageKey ?? null),
    keywords: items.map((i) => i.keywords),
    colours: items.map((i) => i.colours),
    dict,
  };
}

export function decodeIds(f: IdsFile): IndexedItem[] {
  const cols = [f.id, f.title, f.price, f.stock, f.imageKey, f.keywords, f.colours, ...CATEGORICAL.map((c) => f.dict?.[c]?.codes)];
  if (!Array.isArray(f.labels) || cols.some((c) => !Array.isArray(c) || c.length !== f.count)) throw new Error('ids.json columns are missing or of unequal length');
  const items: IndexedItem[] = new Array(f.count);
  const d = f.dict;
  for (let i = 0; i < f.count; i++) {
    items[i] = {
      id: f.id[i],
      title: f.title[i],
      brand: d.brand.values[d.brand.codes[i]],
      gender: d.gender.values[d.gender.codes[i]],
      masterCategory: d.masterCategory.values[d.masterCategory.codes[i]],
      subCategory: d.subCategory.values[d.subCategory.codes[i]],
      articleType: d.articleType.values[d.articleType.codes[i]],
      baseColour: d.baseColour.values[d.baseColour.codes[i]],
      colours: f.colours[i],
      season: d.season.values[d.season.codes[i]],
      usage: d.usage.values[d.usage.codes[i]],
      price: f.price[i],
      currency: d.currency.values[d.currency.codes[i]],
      stock: f.stock[i],
      imageKey: f.imageKey[i] ?? undefined,
      keywords: f.keywords[i],
    };
  }
  return items;
}

const FileEntry = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() });
export type FileEntry = z.infer<typeof FileEntry>;

export const IndexManifest = z.object({
  format: z.literal('lookbook-index/2'),
  version: z.string(),
  /** The version this one was derived from by incremental adds/removals, if any. */
  parent: z.string().optional(),
  encoder: z.object({ id: z.string(), version: z.string() }),
  dim: z.number().int().positive(),
  count: z.number().int().nonnegative(),
  hnsw: z.object({ m: z.number(), efConstruction: z.number(), efSearch: z.number() }),
  builtAt: z.string(),
  buildMs: z.number().optional(),
  files: z.object({
    'graph.bin': FileEntry,
    /** Also in consecutive parts of `recordsPerPart` vectors (the last may be shorter), each with its own checksum. */
    'vectors.f16': FileEntry.extend({ recordsPerPart: z.number().int().positive(), parts: z.array(FileEntry) }),
    'ids.json': FileEntry,
    /** BM25 over ids.json's products in their order, from text made as `text` says (LEXICAL_TEXT_VERSION). */
    'lexical.bin': FileEntry.extend({ text: z.string() }).optional(),
    /** A version that folded a chain of deltas: its own change, also left as delta.json (see IndexDelta). */
    'delta.json': FileEntry.optional(),
  }),
});
export type IndexManifest = z.infer<typeof IndexManifest>;

export const IndexPointer = z.object({
  /** The version to serve: a full version, or the newest delta on top of one. */
  version: z.string(),
  encoder: z.object({ id: z.string(), version: z.string() }),
  updatedAt: z.string(),
  /** Products served (once the deltas are applied). */
  count: z.number().int().nonnegative().optional(),
  /** With deltas: the full version under them. */
  base: z.string().optional(),
  /** Incremental changes since `base`, oldest first, each with its checksum; the last one is `version`. */
  deltas: z.array(FileEntry.extend({ version: z.string() })).optional(),
});
export type IndexPointer = z.infer<typeof IndexPointer>;

/** The full version a pointer stands on. */
export const baseVersion = (p: IndexPointer) => p.base ?? p.version;

/**
 * index/<version>/delta.json: one incremental change (catalog upload, removal) on top of `parent`, so a change
 * costs its own few kilobytes to publish and to pick up instead of a whole artifact. Vectors are stored as
 * their half-precision values (what HnswIndex keeps), so applying a delta gives the index its writer had.
 */
export const IndexDelta = z.object({
  format: z.literal('lookbook-index-delta/1'),
  version: z.string(),
  parent: z.string(),
  base: z.string(),
  encoder: z.object({ id: z.string(), version: z.string() }),
  dim: z.number().int().positive(),
  builtAt: z.string(),
  remove: z.array(z.string()),
  add: z.array(z.object({ item: IndexedItem, vector: z.array(z.number()) })),
  /**
   * The checksum of the parent's delta.json, when the parent has one: a trail back through the parents
   * (deltasSince) is then verified at every step, also where the pointer no longer lists the deltas (folded).
   */
  parentDelta: FileEntry.optional(),
});
export type IndexDelta = z.infer<typeof IndexDelta>;

export type ArtifactFile = 'graph.bin' | 'vectors.f16' | 'ids.json' | 'lexical.bin' | 'manifest.json' | 'delta.json';

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Sortable, unique version names: 20261125T132301123Z-k3f9. */
export function newVersion(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '')}-${Math.random().toString(36).slice(2, 6)}`;
}

export class CorruptArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptArtifactError';
  }
}
