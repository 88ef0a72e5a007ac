/**
 * Search and similar items. Text, image or both (α-fusion in the shared space), the vector leg on the
 * live HNSW index, for text queries a BM25 leg, and a leg of the products having the attributes the words (or,
 * where they name none, the encoder's reading of the photo) name (intent/), fused by reciprocal rank fusion.
 * Result fields and filters come from the index's own metadata, so a search makes no DynamoDB call.
 */
import type { ProductFilters } from '../catalog/product.ts';
import type { BlobStore, CatalogRepo, Encoder, VectorHit } from '../ports.ts';
import type { IndexedItem } from '../index/artifact.ts';
import { indexedItem } from '../index/artifact.ts';
import type { SearchIndex } from '../index/search-index.ts';
import { IndexNotReadyError } from '../index/holder.ts';
import { hasIntent, queryIntent, type QueryIntent } from '../intent/query-intent.ts';
import { fuseQuery, type SearchType } from '../ranking/alpha.ts';
import { LOOKALIKE_VOTE, votedLabel, type LabelScore } from '../ranking/lookalike-vote.ts';
import { reciprocalRankFusion } from '../ranking/rrf.ts';
import { SearchError } from './errors.ts';
import { decodeBase64Image, explainImageFailure, precheckImage, resolveUpload, type UploadLookup } from './query-image.ts';

export interface SearchRequest {
  text?: string;
  imageKey?: string;
  imageBase64?: string;
  /** Weight of the image in a hybrid query, 0..1 (default 0.5). */
  alpha?: number;
  topK?: number;
  filters?: ProductFilters;
  /** false turns the BM25 and named-attribute legs off (vector ranking only). */
  lexical?: boolean;
}

export interface SearchResultItem {
  productId: string;
  title: string;
  brand: string;
  price: number;
  currency: string;
  imageUrl: string | null;
  articleType: string;
  baseColour: string;
  score: number;
}

export interface SearchResponse {
  results: SearchResultItem[];
  tookMs: number;
  searchType: SearchType;
  alphaUsed: number;
  indexVersion: string;
  lexical: boolean;
  /** What the words, and where they name none the photo's type and colour, named in the catalog's vocabulary. */
  intent?: QueryIntent;
  /** Where the server time went (ms): query embedding, vector leg, BM25 + named attributes + fusion, result fields and image URLs. */
  timings: { embedMs: number; vectorMs: number; lexicalMs: number; hydrateMs: number };
}

export interface SimilarResponse {
  productId: string;
  results: SearchResultItem[];
  tookMs: number;
  indexVersion: string;
}

export interface SearchDeps {
  encoder: Encoder;
  /** The live index (an IndexHolder in functions). */
  index: { get(): Promise<SearchIndex> };
  catalog: CatalogRepo;
  /** Catalog bucket: image URLs of results, images of products not yet indexed. */
  images: BlobStore;
  /** Uploads bucket and the analyses lookup, for `imageKey`. */
  uploads?: BlobStore;
  uploadLookup?: UploadLookup;
}

export const DEFAULT_TOP_K = 20;
export const DEFAULT_ALPHA = 0.5;
/** How deep each leg goes before fusion: RRF needs more than the topK of each list to mean anything. */
const FUSION_DEPTH = 100;
/** A query photo's vector and the garment attributes the encoder (or the upload's analysis) read from it. */
interface QueryImage {
  vector: Float32Array;
  attributes?: Record<string, string>;
  /** The heads' best labels with probabilities, for the look-alike vote. */
  labels?: Record<string, LabelScore[]>;
}

/** The photo's attributes that the catalog's look-alikes vote on (the fields the named-attribute leg reads from a photo). */
const VOTED_FIELDS = ['articleType', 'baseColour'] as const;

/** Cosine at or above which a neighbour is the product's own image listed again (half-precision vectors: not exactly 1). */
const DUPLICATE_SCORE = 0.999;
/** Presigned URLs live an hour; reuse one for half of that. */
const URL_TTL_MS = 30 * 60 * 1000;

export class SearchService {
  private readonly urls = new Map<string, { url: string; until: number }>();

  constructor(private readonly deps: SearchDeps) {}

  async search(req: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const text = req.text?.trim() || undefined;
    if (req.imageKey && req.imageBase64) throw new SearchError('invalid', 'Send either imageKey or imageBase64, not both');
    if (!text && !req.imageKey && !req.imageBase64) throw new SearchError('invalid', 'Empty query: send text, an image (imageKey or imageBase64), or both');
    const alpha = req.alpha ?? DEFAULT_ALPHA;
    if (!(alpha >= 0 && alpha <= 1)) throw new SearchError('invalid', `alpha must be between 0 and 1, got ${req.alpha}`);
    const topK = req.topK ?? DEFAULT_TOP_K;
    if (!Number.isInteger(topK) || topK < 1 || topK > 100) throw new SearchError('invalid', `topK must be an integer between 1 and 100, got ${req.topK}`);

    // Image work first: a bad image fails before anything else is spent.
    const image = await this.queryImage(req);
    const index = await this.liveIndex();
    const textVector = text ? await this.deps.encoder.embedText(text) : undefined;
    const query = fuseQuery(textVector, image?.vector, alpha);
    this.checkDim(index, query.vector);
    const t1 = performance.now();

    const accept = index.accept(req.filters);
    const fuse = req.lexical !== false;
    const lexical = fuse && !!text;
    const intent = fuse ? queryIntent(index.intent, text, image && this.photoAttributes(index, image)) : undefined;
    const named = intent && hasIntent(intent);
    const depth = lexical || named ? Math.max(topK, FUSION_DEPTH) : topK;
    const vectorHits = index.vectors.search(query.vector, depth, accept);
    const t2 = performance.now();
    let ranked: VectorHit[] = vectorHits;
    if (lexical || named) {
      const legs = [vectorHits];
      const weights = [1];
      if (lexical) {
        // BM25 speaks for the words only: weighted by their share of the query (1 − α).
        legs.push((await index.lexicalReady()).search(text!, depth, accept));
        weights.push(1 - query.alphaUsed);
      }
      if (named) {
        // Products with every attribute the words name ("red" + "dress") or, where they name none, the photo's
        // type and colour, nearest to the query first: found among all of them (attribute postings), so they
        // are found even when the vector leg's top ranks miss them. Its top topK: the places it can lead.
        const ids = index.named(intent);
        legs.push(index.vectors.searchAmong(query.vector, topK, accept ? ids.filter(accept) : ids));
        weights.push(1);
      }
      ranked = reciprocalRankFusion(legs, topK, undefined, weights).map((f) => ({ id: f.id, score: f.score }));
    }
    const t3 = performance.now();
    const results = await this.toResults(index, ranked);
    const t4 = performance.now();
    const ms = (a: number, b: number) => Math.round((b - a) * 100) / 100;
    return {
      results,
      tookMs: ms(started, t4),
      searchType: query.searchType,
      alphaUsed: query.alphaUsed,
      indexVersion: index.version,
      lexical,
      intent: intent && (text || named) ? intent : undefined,
      timings: { embedMs: ms(started, t1), vectorMs: ms(t1, t2), lexicalMs: ms(t2, t3), hydrateMs: ms(t3, t4) },
    };
  }

  /** Neighbours of a product's stored vector, without the product itself and its exact duplicates. */
  async similar(productId: string, opts: { topK?: number; filters?: ProductFilters } = {}): Promise<SimilarResponse> {
    const started = performance.now();
    const topK = opts.topK ?? DEFAULT_TOP_K;
    const index = await this.liveIndex();
    let self: IndexedItem | undefined = index.items.get(productId);
    let vector = index.vectors.vectorOf(productId);
    if (!vector || !self) {
      // Not indexed (yet): embed its image on the spot if the catalog knows it.
      const product = await this.deps.catalog.get(productId);
      if (!product) throw new SearchError('not-found', `No product with id ${productId}`);
      const key = product.imageKeys[0];
      const bytes = key ? await this.deps.images.get(key) : undefined;
      if (!bytes) throw new SearchError('not-found', `Product ${productId} has no image to compare with and is not in the search index`);
      vector = await this.deps.encoder.embedImage(bytes);
      self = indexedItem(product);
    }
    this.checkDim(index, vector);

    // An exact duplicate is the same picture listed again. A shared title is not one: a fifth of the catalog shares
    // its title and colour with another product ("Lucera Women Silver Earrings" × 82), and fewer than 3% of those
    // pairs are the same image (cosine ≥ 0.999); the rest are the closest alternatives there are.
    const isDuplicate = (hit: VectorHit) => hit.score >= DUPLICATE_SCORE;
    const base = index.accept(opts.filters, new Set([productId]));
    // Duplicates are few; widen the fetch until topK survive or the index runs out.
    let k = Math.min(topK * 2 + 10, index.size);
    let kept: VectorHit[] = [];
    for (;;) {
      const hits = index.vectors.search(vector, k, base);
      kept = hits.filter((h) => !isDuplicate(h));
      if (kept.length >= topK || hits.length < k || k >= index.size) break;
      k = Math.min(k * 4, index.size);
    }
    // As for a photo query, products of the same type and colour are brought forward (named-attribute leg, RRF).
    const named = index.named({ attributes: { articleType: [self.articleType], baseColour: [self.baseColour] }, phrases: [] }).filter(base ?? (() => true));
    const sameKind = index.vectors.searchAmong(vector, topK + 10, named).filter((h) => !isDuplicate(h));
    const ranked = sameKind.length ? reciprocalRankFusion([kept, sameKind], topK).map((f) => ({ id: f.id, score: f.score })) : kept.slice(0, topK);
    return {
      productId,
      results: await this.toResults(index, ranked),
      tookMs: Math.round((performance.now() - started) * 100) / 100,
      indexVersion: index.version,
    };
  }

  private async liveIndex(): Promise<SearchIndex> {
    try {
      return await this.deps.index.get();
    } catch (err) {
      if (err instanceof IndexNotReadyError) throw new SearchError('not-ready', `${err.message}: run the indexer (POST /v1/admin/index/rebuild)`);
      throw err;
    }
  }

  private checkDim(index: SearchIndex, v: Float32Array): void {
    if (v.length !== index.dim) {
      throw new SearchError('not-ready', `The index (${index.encoder.id} ${index.encoder.version}, dim ${index.dim}) was built with another encoder than the one serving queries (${this.deps.encoder.id} ${this.deps.encoder.version}, dim ${v.length}); rebuild it`);
    }
  }

  /** The query image's vector (as a query: Encoder.imageQuery) and, when the encoder (or the upload's analysis) reads them, its garment attributes. */
  private async queryImage(req: SearchRequest): Promise<QueryImage | undefined> {
    const image = await this.imageEmbedding(req);
    const asQuery = this.deps.encoder.imageQuery?.bind(this.deps.encoder);
    return image && asQuery ? { ...image, vector: asQuery(image.vector) } : image;
  }

  /** The photo's type and colour as its heads read them, voted on by the catalog products that look most like it. */
  private photoAttributes(index: SearchIndex, image: QueryImage): Record<string, string> | undefined {
    const appearance = this.deps.encoder.appearanceQuery?.(image.vector);
    if (!image.labels || !appearance) return image.attributes;
    const lookalikes = index.vectors.search(appearance, LOOKALIKE_VOTE.k);
    const voted = { ...image.attributes };
    for (const field of VOTED_FIELDS) {
      const head = image.labels[field];
      if (head?.length) voted[field] = votedLabel(head, lookalikes, (id) => index.items.get(id)?.[field]);
    }
    return voted;
  }

  private async imageEmbedding(req: SearchRequest): Promise<QueryImage | undefined> {
    let bytes: Uint8Array | undefined;
    if (req.imageBase64 !== undefined) bytes = decodeBase64Image(req.imageBase64);
    else if (req.imageKey !== undefined) {
      const upload = await resolveUpload(req.imageKey, this.deps.uploads, this.deps.uploadLookup, this.deps.encoder);
      if (upload.vector) return { vector: upload.vector, attributes: upload.attributes, labels: upload.labels };
      bytes = upload.bytes;
    }
    if (!bytes) return undefined;
    await precheckImage(bytes);
    const encoder = this.deps.encoder;
    try {
      if (!encoder.describeImage) return { vector: await encoder.embedImage(bytes) };
      const { embedding, attributes, labels } = await encoder.describeImage(bytes);
      return { vector: embedding, attributes, labels };
    } catch (err) {
      return explainImageFailure(bytes, err);
    }
  }

  private async toResults(index: SearchIndex, hits: VectorHit[]): Promise<SearchResultItem[]> {
    const out: SearchResultItem[] = [];
    for (const hit of hits) {
      const item = index.items.get(hit.id);
      if (!item) continue; // removed between the search and now: never return it
      out.push({
        productId: item.id,
        title: item.title,
        brand: item.brand,
        price: item.price,
        currency: item.currency,
        imageUrl: item.imageKey ? await this.imageUrl(item.imageKey) : null,
        articleType: item.articleType,
        baseColour: item.baseColour,
        score: Math.round(hit.score * 1e6) / 1e6,
      });
    }
    return out;
  }

  private async imageUrl(key: string): Promise<string> {
    const now = Date.now();
    const cached = this.urls.get(key);
    if (cached && cached.until > now) return cached.url;
    const url = await this.deps.images.urlFor(key);
    if (this.urls.size > 20_000) this.urls.clear();
    this.urls.set(key, { url, until: now + URL_TTL_MS });
    return url;
  }
}
