/**
 * Builds the search index from the catalog: every product with an image gets its image embedding (the index
 * is image-only, so text queries are matched cross-modally and by BM25), then the version is published.
 * Images are embedded a few at a time so JPEG decoding (sharp's thread pool) overlaps model inference.
 */
import type { BlobStore, CatalogRepo, Encoder } from '../ports.ts';
import type { Product } from '../catalog/product.ts';
import { indexedItem, type IndexManifest } from '../index/artifact.ts';
import { publishIndex } from '../index/artifact-io.ts';
import { DEFAULT_HNSW_PARAMS, type HnswParams } from '../index/hnsw.ts';
import { SearchIndex } from '../index/search-index.ts';
import type { IndexStore } from '../index/store.ts';

/** A shortcut around decoding the image: the product's embedding from cached image features, if known. */
export type PrecomputedEmbedding = (product: Product) => Promise<Float32Array | undefined>;

export interface BuildIndexDeps {
  catalog: CatalogRepo;
  images: BlobStore;
  encoder: Encoder;
  store: IndexStore;
  params?: HnswParams;
  precomputed?: PrecomputedEmbedding;
  /** Images in flight at once (default 3). */
  concurrency?: number;
  log?: (message: string) => void;
  /** Publish without moving the pointer. */
  skipPointer?: boolean;
}

export interface BuildReport {
  manifest: IndexManifest;
  index: SearchIndex;
  scanned: number;
  indexed: number;
  skipped: { id: string; reason: string }[];
  ms: number;
}

export async function scanCatalog(catalog: CatalogRepo): Promise<Product[]> {
  const all: Product[] = [];
  let cursor: string | undefined;
  do {
    const page = await catalog.scan(cursor, 1000);
    all.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return all;
}

export async function buildIndex(deps: BuildIndexDeps): Promise<BuildReport> {
  const started = performance.now();
  const log = deps.log ?? (() => undefined);
  const products = await scanCatalog(deps.catalog);
  log(`index build: ${products.length} products in the catalog, encoder ${deps.encoder.id} ${deps.encoder.version} (dim ${deps.encoder.dim})`);
  const index = SearchIndex.empty({ id: deps.encoder.id, version: deps.encoder.version }, deps.encoder.dim, deps.params ?? DEFAULT_HNSW_PARAMS, products.length + 16);
  const skipped: BuildReport['skipped'] = [];
  let done = 0;
  let cached = 0;
  let lastLog = performance.now();

  const embedOne = async (p: Product) => {
    const key = p.imageKeys[0];
    if (!key) return skipped.push({ id: p.id, reason: 'no image' });
    let vector = await deps.precomputed?.(p);
    if (vector) cached++;
    else {
      const bytes = await deps.images.get(key);
      if (!bytes) return skipped.push({ id: p.id, reason: `image ${key} missing` });
      try {
        vector = await deps.encoder.embedImage(bytes);
      } catch (err) {
        return skipped.push({ id: p.id, reason: `image ${key}: ${(err as Error).message.split('\n')[0]}` });
      }
    }
    index.add(indexedItem(p), vector);
  };

  let next = 0;
  const worker = async () => {
    while (next < products.length) {
      await embedOne(products[next++]);
      done++;
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        const rate = done / ((lastLog - started) / 1000);
        log(`index build: ${done}/${products.length} embedded (${rate.toFixed(0)}/s, ~${Math.ceil((products.length - done) / Math.max(rate, 1))} s left)`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? 3) }, worker));

  const ms = Math.round(performance.now() - started);
  const manifest = await publishIndex(deps.store, index, { buildMs: ms, skipPointer: deps.skipPointer });
  log(`index build: published ${manifest.version} with ${manifest.count} products (${cached} from cached image features, ${skipped.length} skipped) in ${(ms / 1000).toFixed(1)} s`);
  return { manifest, index, scanned: products.length, indexed: index.size, skipped, ms };
}
