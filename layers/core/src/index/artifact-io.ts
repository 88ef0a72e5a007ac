/**
 * Writing and reading index versions. A version's files go up first and the pointer last, so a reader
 * never sees half a version; a reader checks every file against the manifest's sha256 and refuses a
 * corrupt artifact.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CorruptArtifactError, decodeIds, encodeIds, IndexManifest, newVersion, sha256, type ArtifactFile, type IdsFile, type IndexedItem } from './artifact.ts';
import { HnswIndex } from './hnsw.ts';
import { SearchIndex } from './search-index.ts';
import type { IndexStore } from './store.ts';

export interface PublishOptions {
  parent?: string;
  buildMs?: number;
  /** Leave the pointer alone (bench, staged rollouts). */
  skipPointer?: boolean;
  now?: Date;
}

export async function publishIndex(store: IndexStore, index: SearchIndex, opts: PublishOptions = {}): Promise<IndexManifest> {
  const now = opts.now ?? new Date();
  const version = newVersion(now);
  const saved = index.vectors.save();
  const ids = Buffer.from(JSON.stringify(encodeIds(saved.labels, [...index.items.values()])));
  const manifest: IndexManifest = {
    format: 'lookbook-index/1',
    version,
    parent: opts.parent,
    encoder: { id: index.encoder.id, version: index.encoder.version },
    dim: index.dim,
    count: index.size,
    hnsw: { m: index.vectors.params.m, efConstruction: index.vectors.params.efConstruction, efSearch: index.vectors.params.efSearch },
    builtAt: now.toISOString(),
    buildMs: opts.buildMs,
    files: {
      'index.bin': { sha256: sha256(saved.bytes), bytes: saved.bytes.byteLength },
      'ids.json': { sha256: sha256(ids), bytes: ids.byteLength },
    },
  };
  await store.putFile(version, 'index.bin', saved.bytes);
  await store.putFile(version, 'ids.json', ids);
  await store.putFile(version, 'manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)));
  if (!opts.skipPointer) await store.writePointer({ version, encoder: manifest.encoder, updatedAt: now.toISOString() });
  index.version = version;
  index.manifest = manifest;
  return manifest;
}

async function fetchVerified(store: IndexStore, manifest: IndexManifest, file: Exclude<ArtifactFile, 'manifest.json'>): Promise<Uint8Array> {
  const bytes = await store.getFile(manifest.version, file);
  const where = store.describe(manifest.version, file);
  if (!bytes) throw new CorruptArtifactError(`${where} is missing`);
  const expected = manifest.files[file];
  if (bytes.byteLength !== expected.bytes || sha256(bytes) !== expected.sha256) {
    throw new CorruptArtifactError(`${where} does not match its manifest checksum (${bytes.byteLength} bytes, expected ${expected.bytes})`);
  }
  return bytes;
}

export async function readManifest(store: IndexStore, version: string): Promise<IndexManifest> {
  const bytes = await store.getFile(version, 'manifest.json');
  if (!bytes) throw new CorruptArtifactError(`${store.describe(version, 'manifest.json')} is missing`);
  const parsed = IndexManifest.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  if (!parsed.success) throw new CorruptArtifactError(`${store.describe(version, 'manifest.json')} is invalid: ${parsed.error.message}`);
  return parsed.data;
}

/** Where a load spends its time (ms), for the bench and the load log line. The graph and ids.json load concurrently. */
export type LoadTimings = Record<string, number>;

/**
 * Brings index.bin to `file` and checks it against the manifest; streamed (never whole in memory) when the store
 * can, otherwise read whole and written out (resolves to the bytes then, so they are not read back).
 */
async function downloadGraph(store: IndexStore, manifest: IndexManifest, file: string): Promise<Uint8Array | undefined> {
  const where = store.describe(manifest.version, 'index.bin');
  const expected = manifest.files['index.bin'];
  if (store.downloadToFile) {
    const got = await store.downloadToFile(manifest.version, 'index.bin', file);
    if (!got) throw new CorruptArtifactError(`${where} is missing`);
    if (got.bytes !== expected.bytes || got.sha256 !== expected.sha256) {
      throw new CorruptArtifactError(`${where} does not match its manifest checksum (${got.bytes} bytes, expected ${expected.bytes})`);
    }
    return undefined;
  }
  const bytes = await fetchVerified(store, manifest, 'index.bin');
  await writeFile(file, bytes);
  return bytes;
}

/**
 * Downloads a version, verifies it, and builds the in-memory index. The graph streams from the store into a temp
 * file (hnswlib loads files only) while being hashed, and is parsed by hnswlib on a worker thread only once its
 * checksum matched; ids.json downloads and parses on the event loop meanwhile. The temp file is deleted on
 * failure at once, on success right after the deferred vector copy (next tick).
 */
export async function loadIndex(store: IndexStore, version: string, tmpDir = tmpdir(), timings: LoadTimings = {}): Promise<SearchIndex> {
  const t0 = performance.now();
  const since = (from: number) => Math.round((performance.now() - from) * 10) / 10;
  const manifest = await readManifest(store, version);
  timings.manifest = since(t0);
  const t1 = performance.now();
  const dir = path.join(tmpDir, `lookbook-index-${version}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'index.bin');
  const idsPromise = (async () => {
    const idsBytes = await fetchVerified(store, manifest, 'ids.json');
    // The checksum already vouches for these bytes; a full zod pass over 44k items would cost more than the
    // rest of the load, so only the column shapes are checked (decodeIds).
    const ids = JSON.parse(Buffer.from(idsBytes).toString('utf8')) as IdsFile;
    let items: IndexedItem[];
    try {
      items = decodeIds(ids);
    } catch (err) {
      throw new CorruptArtifactError(`${store.describe(version, 'ids.json')}: ${(err as Error).message}`);
    }
    timings.ids = since(t1);
    return { labels: ids.labels, items };
  })();
  const graphPromise = (async () => {
    const bytes = await downloadGraph(store, manifest, file);
    timings['graph download+sha256'] = since(t1);
    const t2 = performance.now();
    const vectors = await HnswIndex.loadAsync(file, idsPromise.then((x) => x.labels), manifest.dim, { ...manifest.hnsw }, bytes);
    timings.hnswlib = since(t2);
    return vectors;
  })();
  try {
    const [{ items }, vectors] = await Promise.all([idsPromise, graphPromise]);
    if (vectors.size !== manifest.count) throw new CorruptArtifactError(`index ${version} holds ${vectors.size} vectors, its manifest says ${manifest.count}`);
    const t3 = performance.now();
    const index = new SearchIndex(version, manifest.encoder, vectors, items, manifest);
    timings.metadata = since(t3);
    // The index is usable now (hnswlib searches its own copy); the vector copy for the exact fallback and
    // "similar" runs on the next tick (or on first use, whichever comes first), then the temp file goes.
    setImmediate(() => {
      try {
        vectors.materializeVectors();
      } catch {
        // Cannot happen for a verified file; if it did, the exact fallback would see zero vectors, not crash.
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
    return index;
  } catch (err) {
    // Let the other half finish (or fail) before its file goes; /tmp is small on Lambda.
    await Promise.allSettled([idsPromise, graphPromise]);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
