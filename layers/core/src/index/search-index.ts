/**
 * One loaded index version: the HNSW graph, the per-product metadata and the BM25 index built from that
 * same metadata. Requests hold a reference to the version they started on, so swapping in a newer one
 * never disturbs them.
 */
import { matchesFilters, type ProductFilters } from '../catalog/product.ts';
import { INTENT_FIELDS, IntentParser, matchesIntent, type QueryIntent } from '../intent/query-intent.ts';
import { Bm25 } from '../lexical/bm25.ts';
import { lexicalText, type IndexedItem, type IndexManifest } from './artifact.ts';
import { HnswIndex, type HnswParams } from './hnsw.ts';

export interface EncoderRef {
  id: string;
  version: string;
}

export class SearchIndex {
  readonly items = new Map<string, IndexedItem>();
  private bm25: Bm25 | undefined;
  private intentParser: IntentParser | undefined;
  /** "field|value" → ids of the products with that value, for the fields a query can name (built on first use). */
  private postings: Map<string, Set<string>> | undefined;
  /** How long building BM25 took (ms), once built. */
  lexicalBuildMs: number | undefined;

  constructor(
    public version: string,
    readonly encoder: EncoderRef,
    readonly vectors: HnswIndex,
    items: Iterable<IndexedItem> = [],
    public manifest?: IndexManifest,
  ) {
    for (const item of items) this.items.set(item.id, item);
  }

  /**
   * BM25 over the same metadata, built on first use: it costs ~0.5 s of CPU at 44k products, which a cold
   * start should not wait for. The holder builds it right after a load (prepareQueries) so it is normally ready
   * before the first text query; a query that comes earlier builds it itself.
   */
  get lexical(): Bm25 {
    if (!this.bm25) {
      const started = performance.now();
      this.bm25 = Bm25.build(Array.from(this.items.values(), (item) => [item.id, lexicalText(item)] as const));
      this.lexicalBuildMs = Math.round(performance.now() - started);
    }
    return this.bm25;
  }

  /** Reads shopper words as this version's label values (built on first use, ~100 ms at 44k products). */
  get intent(): IntentParser {
    return (this.intentParser ??= new IntentParser(this.items.values()));
  }

  /** Ids of the products having every attribute `intent` names: the smallest field's products, checked on the rest. */
  named(intent: QueryIntent): string[] {
    const postings = this.attributePostings();
    // Per named field, the sets of its values' products and how many they hold together.
    const fields = INTENT_FIELDS.flatMap((field) => {
      const sets = (intent.attributes[field] ?? []).map((v) => postings.get(`${field}|${v}`) ?? new Set<string>());
      return intent.attributes[field] ? [{ sets, size: sets.reduce((n, ids) => n + ids.size, 0) }] : [];
    });
    if (!fields.length) return [];
    const smallest = fields.reduce((a, b) => (b.size < a.size ? b : a));
    const out: string[] = [];
    for (const ids of smallest.sets) for (const id of ids) if (matchesIntent(intent, this.items.get(id)!)) out.push(id);
    return out;
  }

  private attributePostings(): Map<string, Set<string>> {
    if (!this.postings) {
      this.postings = new Map();
      for (const item of this.items.values()) this.post(item, true);
    }
    return this.postings;
  }

  private post(item: IndexedItem, add: boolean): void {
    if (!this.postings) return;
    for (const field of INTENT_FIELDS) {
      const key = `${field}|${item[field]}`;
      let ids = this.postings.get(key);
      if (add) {
        if (!ids) this.postings.set(key, (ids = new Set()));
        ids.add(item.id);
      } else ids?.delete(item.id);
    }
  }

  /** Builds what text and attribute queries need (BM25, the intent vocabulary, attribute postings) now. */
  prepareQueries(): void {
    void this.lexical;
    void this.intent;
    this.attributePostings();
  }

  static empty(encoder: EncoderRef, dim: number, params?: HnswParams, capacity?: number): SearchIndex {
    return new SearchIndex('unpublished', encoder, HnswIndex.create(dim, params, capacity));
  }

  get size(): number {
    return this.vectors.size;
  }

  get dim(): number {
    return this.vectors.dim;
  }

  has(id: string): boolean {
    return this.vectors.has(id);
  }

  /** Adds or replaces a product. */
  add(item: IndexedItem, vector: Float32Array): void {
    this.vectors.add(item.id, vector);
    const previous = this.items.get(item.id);
    if (previous) this.post(previous, false);
    this.items.set(item.id, item);
    this.post(item, true);
    this.bm25?.add(item.id, lexicalText(item));
    this.intentParser?.learn(item);
  }

  remove(id: string): void {
    this.vectors.remove(id);
    const item = this.items.get(id);
    if (item) this.post(item, false);
    this.items.delete(id);
    this.bm25?.remove(id);
  }

  /** The filter as a predicate over ids, evaluated on the artifact's metadata (no DynamoDB round trip). */
  accept(filters: ProductFilters | undefined, exclude?: ReadonlySet<string>): ((id: string) => boolean) | undefined {
    const active = filters && Object.values(filters).some((v) => v !== undefined);
    if (!active && !exclude?.size) return undefined;
    return (id) => {
      if (exclude?.has(id)) return false;
      const item = this.items.get(id);
      return !!item && (!active || matchesFilters(item, filters));
    };
  }
}
