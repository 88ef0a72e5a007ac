/**
 * The index artifact in the artifacts bucket:
 *   index/<version>/graph.bin      hnswlib index file without its vectors (graph-file.ts)
 *   index/<version>/vectors.f16    the vectors, binary16, in the graph's element order (fetched in parts, in parallel)
 *   index/<version>/items.bin      label → product, and per-product metadata (filters, result fields, BM25 text), in
 *                                  columns (item-columns.ts); artifacts published before it have ids.json instead
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

const FileEntry = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() });
export type FileEntry = z.infer<typeof FileEntry>;

export const IndexManifest = z.object({
  /** /3 has items.bin; /2 (still read) has ids.json. */
  format: z.enum(['lookbook-index/2', 'lookbook-index/3']),
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
    'items.bin': FileEntry.optional(),
    'ids.json': FileEntry.optional(),
    /** BM25 over the products in their order, from text made as `text` says (LEXICAL_TEXT_VERSION). */
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

export type ArtifactFile = 'graph.bin' | 'vectors.f16' | 'items.bin' | 'ids.json' | 'lexical.bin' | 'manifest.json' | 'delta.json';

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
