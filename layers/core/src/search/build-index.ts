/**
 * Builds the search index from the catalog: every product with an image gets its image embedding (the index
 * is image-only, so text queries are matched cross-modally and by BM25), then the version is published.
 * Images are embedded a few at a time so JPEG decoding (sharp's thread pool) overlaps model inference.
 */
import type { BlobStore, CatalogRepo, Encoder } from '../ports.ts';
import type { Product } from '../catalog/product.ts';
import { indexedItem, type IndexDelta, type IndexManifest, type IndexPointer } from '../index/artifact.ts';
import { POINTER_RACE_ATTEMPTS, PointerMovedError, publishIndex } from '../index/artifact-io.ts';
import { deltasSince, replayDeltas } from '../index/deltas.ts';
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

/**
 * Capacity for a build of n products. hnswlib saves and loads its capacity, and the unused part is never touched
 * (no bytes in the artifact, no pages in memory), while outgrowing it doubles the index in place: ~0.5–1.5 s at
 * 44k, paid by the upload that crosses it and by every process that picks that upload up. 5% keeps the first
 * ~2,000 catalog uploads after a rebuild clear of it.
 */
export const withHeadroom = (n: number) => n + Math.max(16, Math.ceil(n * 0.05));

export async function buildIndex(deps: BuildIndexDeps): Promise<BuildReport> {
  const started = performance.now();
  const log = deps.log ?? (() => undefined);
  // Read before the scan: updates published while the build runs are replayed onto it before it goes live.
  const seen = await deps.store.readPointerTagged();
  const products = await scanCatalog(deps.catalog);
  log(`index build: ${products.length} products in the catalog, encoder ${deps.encoder.id} ${deps.encoder.version} (dim ${deps.encoder.dim})`);
  const index = SearchIndex.empty({ id: deps.encoder.id, version: deps.encoder.version }, deps.encoder.dim, deps.params ?? DEFAULT_HNSW_PARAMS, withHeadroom(products.length));
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
  const manifest = await publishRebuilt(deps, index, ms, seen, log);
  log(`index build: published ${manifest.version} with ${manifest.count} products (${cached} from cached image features, ${skipped.length} skipped) in ${(ms / 1000).toFixed(1)} s`);
  return { manifest, index, scanned: products.length, indexed: index.size, skipped, ms };
}

/**
 * Publishes a rebuilt index; the pointer moves only if it is still as read before the scan. If incremental
 * updates moved it meanwhile, their deltas are replayed onto the rebuilt index (products uploaded during a
 * rebuild are not lost) and the write is tried again. If another rebuild replaced the index meanwhile, there is
 * nothing to replay: this one, built from a later scan, replaces it.
 */
async function publishRebuilt(deps: BuildIndexDeps, index: SearchIndex, buildMs: number, seen: { pointer?: IndexPointer; tag?: string }, log: (m: string) => void): Promise<IndexManifest> {
  if (deps.skipPointer) return publishIndex(deps.store, index, { buildMs, skipPointer: true });
  for (let attempt = 1; ; attempt++) {
    try {
      return await publishIndex(deps.store, index, { buildMs, swapFrom: { tag: seen.tag } });
    } catch (err) {
      if (!(err instanceof PointerMovedError) || attempt >= POINTER_RACE_ATTEMPTS) throw err;
    }
    const now = await deps.store.readPointerTagged();
    const missed = now.pointer && (await deltasSince(deps.store, seen.pointer?.version, now.pointer));
    if (missed) {
      replayDeltas(index, await Promise.all(missed.map((d) => inSpaceOf(index, d, deps))));
      log(`index build: ${missed.length} update(s) published during the build replayed onto it`);
    } else log(`index build: the index was replaced during the build (${now.pointer?.version ?? 'removed'}); publishing over it`);
    seen = now;
  }
}

/** A delta as this index's encoder would have made it: vectors of another encoder are embedded again from the images. */
async function inSpaceOf(index: SearchIndex, delta: IndexDelta, deps: BuildIndexDeps): Promise<IndexDelta> {
  if (delta.encoder.id === index.encoder.id && delta.encoder.version === index.encoder.version) return delta;
  const add: IndexDelta['add'] = [];
  for (const { item } of delta.add) {
    const bytes = item.imageKey ? await deps.images.get(item.imageKey) : undefined;
    if (bytes) add.push({ item, vector: Array.from(await deps.encoder.embedImage(bytes)) });
  }
  return { ...delta, add };
}
