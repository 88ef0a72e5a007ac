/**
 * One loaded index version: the HNSW graph, the per-product metadata and the BM25 index built from that
 * same metadata. Requests hold a reference to the version they started on, so swapping in a newer one
 * never disturbs them.
 */
import { matchesFilters, type ProductFilters } from '../catalog/product.ts';
import { Bm25 } from '../lexical/bm25.ts';
import { lexicalText, type IndexedItem, type IndexManifest } from './artifact.ts';
import { HnswIndex, type HnswParams } from './hnsw.ts';

export interface EncoderRef {
  id: string;
  version: string;
}

export class SearchIndex {
  readonly items = new Map<string, IndexedItem>();
  readonly lexical = new Bm25();

  constructor(
    public version: string,
    readonly encoder: EncoderRef,
    readonly vectors: HnswIndex,
    items: Iterable<IndexedItem> = [],
    public manifest?: IndexManifest,
  ) {
    for (const item of items) {
      this.items.set(item.id, item);
      this.lexical.add(item.id, lexicalText(item));
    }
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
    this.items.set(item.id, item);
    this.lexical.add(item.id, lexicalText(item));
  }

  remove(id: string): void {
    this.vectors.remove(id);
    this.items.delete(id);
    this.lexical.remove(id);
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
