/**
 * One loaded index version: the HNSW graph, the per-product metadata and the BM25 index built from that
 * same metadata. Requests hold a reference to the version they started on, so swapping in a newer one
 * never disturbs them.
 */
import { matchesFilters, type ProductFilters } from '../catalog/product.ts';
import { INTENT_FIELDS, IntentParser, matchesIntent, type IntentField, type QueryIntent } from '../intent/query-intent.ts';
import { Bm25 } from '../lexical/bm25.ts';
import { lexicalText, type IndexedItem, type IndexManifest } from './artifact.ts';
import { HnswIndex, type HnswParams } from './hnsw.ts';

export interface EncoderRef {
  id: string;
  version: string;
}

export class SearchIndex {
  readonly items: Map<string, IndexedItem>;
  private bm25: Bm25 | undefined;
  private intentParser: IntentParser | undefined;
  /** Field → value → ids of the products with that value, for the fields a query can name (built on first use). */
  private postings: Map<IntentField, Map<string, Set<string>>> | undefined;
  /** How long building BM25 took (ms), once built (undefined when it was restored from the artifact). */
  lexicalBuildMs: number | undefined;
  /** Why the artifact's BM25 could not be restored (it was built instead). */
  lexicalRestoreError: string | undefined;
  /** The artifact's saved BM25, until asked for (restoreLexical). */
  private savedLexical: (() => Promise<Bm25>) | undefined;
  private restoring: Promise<void> | undefined;
  /** Ids added or removed since the load while the saved BM25 has not arrived: replayed onto it. */
  private changedBeforeRestore = new Set<string>();

  constructor(
    public version: string,
    readonly encoder: EncoderRef,
    readonly vectors: HnswIndex,
    /** The products (a Map by id is adopted as it is). */
    items: Iterable<IndexedItem> | Map<string, IndexedItem> = [],
    public manifest?: IndexManifest,
    /** BM25 over `items` as published (lexical.bin), fetched when asked for. */
    savedLexical?: () => Promise<Bm25>,
  ) {
    this.items = items instanceof Map ? items : new Map(Array.from(items, (item) => [item.id, item]));
    this.savedLexical = savedLexical;
  }

  /**
   * BM25 over the same metadata, built now if it is not there yet (~0.3 s of CPU at 44k products, which a cold
   * start should not wait for). The holder prepares it right after a load (prepareQueries: restored from the
   * artifact, or built), so it is normally ready before the first text query; queries use lexicalReady.
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
      const sets = (intent.attributes[field] ?? []).map((v) => postings.get(field)!.get(v) ?? new Set<string>());
      return intent.attributes[field] ? [{ sets, size: sets.reduce((n, ids) => n + ids.size, 0) }] : [];
    });
    if (!fields.length) return [];
    const smallest = fields.reduce((a, b) => (b.size < a.size ? b : a));
    const out: string[] = [];
    for (const ids of smallest.sets) for (const id of ids) if (matchesIntent(intent, this.items.get(id)!)) out.push(id);
    return out;
  }

  private attributePostings(): Map<IntentField, Map<string, Set<string>>> {
    if (!this.postings) {
      this.postings = new Map(INTENT_FIELDS.map((field) => [field, new Map()]));
      for (const item of this.items.values()) this.post(item, true);
    }
    return this.postings;
  }

  private post(item: IndexedItem, add: boolean): void {
    if (!this.postings) return;
    for (const field of INTENT_FIELDS) {
      const byValue = this.postings.get(field)!;
      const value = item[field]; // read once: a loaded item's fields are getters over its columns
      let ids = byValue.get(value);
      if (add) {
        if (!ids) byValue.set(value, (ids = new Set()));
        ids.add(item.id);
      } else ids?.delete(item.id);
    }
  }

  /** BM25, waiting for the artifact's saved one if it is on its way (or fetching it) instead of building it. */
  async lexicalReady(): Promise<Bm25> {
    await this.restoreLexical();
    return this.lexical;
  }

  /** Prepares what text and attribute queries need: BM25 (restored or built), the intent vocabulary, attribute postings. */
  async prepareQueries(): Promise<void> {
    const restored = this.restoreLexical(); // downloads while the vocabulary and postings are built
    void this.intent;
    this.attributePostings();
    await restored;
    void this.lexical;
  }

  /** Fetches the artifact's saved BM25 once, with the changes made since the load replayed onto it; if that fails, BM25 is built. */
  private restoreLexical(): Promise<void> {
    const saved = this.savedLexical;
    if (!saved || this.bm25) return this.restoring ?? Promise.resolve();
    return (this.restoring ??= saved()
      .then((bm25) => {
        if (this.bm25) return; // built meanwhile
        for (const id of this.changedBeforeRestore) {
          const item = this.items.get(id);
          if (item) bm25.add(id, lexicalText(item));
          else bm25.remove(id);
        }
        this.bm25 = bm25;
      })
      .catch((err: Error) => {
        this.lexicalRestoreError = err.message;
      })
      .finally(() => {
        this.savedLexical = undefined;
        this.changedBeforeRestore.clear();
      }));
  }

  /** Keeps BM25 in step with a change (or notes it for the saved BM25 still to come). */
  private changedText(id: string, item?: IndexedItem): void {
    if (this.bm25) {
      if (item) this.bm25.add(id, lexicalText(item));
      else this.bm25.remove(id);
    } else if (this.savedLexical) this.changedBeforeRestore.add(id);
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
    this.changedText(item.id, item);
    this.intentParser?.learn(item);
  }

  remove(id: string): void {
    this.vectors.remove(id);
    const item = this.items.get(id);
    if (item) this.post(item, false);
    this.items.delete(id);
    this.changedText(id);
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
