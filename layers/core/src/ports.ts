/**
 * Ports: the small interfaces the domain needs from the outside world. Adapters (layers/core/src/adapters/*)
 * implement them over DynamoDB, S3, SageMaker and onnxruntime; tests and the local cloud use the same adapters
 * against local servers. No AWS imports here.
 */
import type { Product, ProductFilters } from './catalog/product.ts';
import type { LabelScore } from './ranking/lookalike-vote.ts';

/** Maps text and images into one space: unit vectors of `dim` dimensions. */
export interface Encoder {
  readonly id: string;
  readonly version: string;
  readonly dim: number;
  embedText(text: string): Promise<Float32Array>;
  /** Encoded image bytes (JPEG, PNG, WebP). */
  embedImage(image: Uint8Array): Promise<Float32Array>;
  /**
   * The embedding and, from the same run, the garment attributes the encoder's heads read (top label per head,
   * e.g. articleType, baseColour). Encoders without attribute heads (CLIP) leave it out.
   */
  describeImage?(image: Uint8Array): Promise<ImageDescription>;
  /**
   * The vector to search with when an image embedding is the query (a photo, an upload's stored embedding).
   * Spaces with label blocks weigh them for image queries apart from catalog images; absent = the embedding itself.
   */
  imageQuery?(embedding: Float32Array): Float32Array;
  /**
   * The vector that finds the catalog products looking most like an image, appearance alone (no label blocks),
   * for the look-alike vote on its garment labels (ranking/lookalike-vote.ts); absent = no vote.
   */
  appearanceQuery?(embedding: Float32Array): Float32Array;
}

export interface ImageDescription {
  embedding: Float32Array;
  attributes: Record<string, string>;
  /** Per head, its best labels with probabilities, best first (what a look-alike vote weighs). */
  labels?: Record<string, LabelScore[]>;
}

export interface VectorHit {
  id: string;
  score: number;
}

/** Approximate nearest neighbours over unit vectors (inner product). */
export interface VectorIndex {
  readonly dim: number;
  readonly size: number;
  add(id: string, vector: Float32Array): void;
  remove(id: string): void;
  has(id: string): boolean;
  /** topK best hits among ids that pass `accept` (filtered traversal, not post-filtering a fixed top-k). */
  search(query: Float32Array, topK: number, accept?: (id: string) => boolean): VectorHit[];
}

export interface LexicalHit {
  id: string;
  score: number;
}

/** Lexical (BM25) retrieval over product text. */
export interface Lexical {
  search(text: string, topK: number, accept?: (id: string) => boolean): LexicalHit[];
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface Llm {
  readonly id: string;
  complete(messages: ChatMessage[], opts?: { maxTokens?: number; temperature?: number }): Promise<string>;
}

export interface Page<T> {
  items: T[];
  cursor?: string;
}

export interface CatalogRepo {
  get(id: string): Promise<Product | undefined>;
  getMany(ids: string[]): Promise<Product[]>;
  put(product: Product): Promise<void>;
  putMany(products: Product[]): Promise<{ written: number }>;
  list(filters: ProductFilters & { category?: string }, limit: number, cursor?: string): Promise<Page<Product>>;
  /** Every product, in pages (index builds). */
  scan(cursor?: string, limit?: number): Promise<Page<Product>>;
}

/** Bytes [start, end) of an object. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a conditional put expects to find: the object as it was read (its ETag), or no object at all. */
export type PutCondition = { etag: string } | 'absent';

export interface BlobStore {
  /** The object, or the bytes of `range` of it (S3 ranged GET); undefined when it does not exist. */
  get(key: string, range?: ByteRange): Promise<Uint8Array | undefined>;
  /** The same bytes as they arrive, never held whole (large artifacts); undefined when it does not exist. */
  stream(key: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** The object with its ETag, for a later putIf; undefined when it does not exist. */
  getTagged(key: string): Promise<{ body: Uint8Array; etag: string } | undefined>;
  put(key: string, body: Uint8Array, contentType?: string, metadata?: Record<string, string>): Promise<void>;
  /**
   * Writes only if the object is still as `expected` (S3 conditional write: If-Match / If-None-Match). Resolves
   * false, writing nothing, when another writer got there first.
   */
  putIf(key: string, body: Uint8Array, expected: PutCondition, contentType?: string): Promise<boolean>;
  head(key: string): Promise<{ size: number; contentType?: string; metadata?: Record<string, string> } | undefined>;
  delete(key: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  /** A URL a browser can GET (presigned locally and for private buckets). */
  urlFor(key: string, expiresInSec?: number): Promise<string>;
}
