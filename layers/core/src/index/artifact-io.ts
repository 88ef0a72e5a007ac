/**
 * Writing and reading index versions. A version's files go up first and the pointer last, so a reader
 * never sees half a version; a reader checks every file against the manifest's sha256 and refuses a
 * corrupt artifact.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
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

/** Downloads a version to the temp dir (hnswlib loads files), verifies it, and builds the in-memory index. */
/** Where a load spends its time (ms per step), for the bench and the load log line. */
export type LoadTimings = Record<string, number>;

export async function loadIndex(store: IndexStore, version: string, tmpDir = tmpdir(), timings: LoadTimings = {}): Promise<SearchIndex> {
  let last = performance.now();
  const mark = (step: string) => {
    const now = performance.now();
    timings[step] = Math.round((now - last) * 10) / 10;
    last = now;
  };
  const manifest = await readManifest(store, version);
  mark('manifest');
  // Parse the small file while the graph is still downloading.
  const binPromise = fetchVerified(store, manifest, 'index.bin');
  binPromise.catch(() => undefined);
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
  mark('ids');
  const bin = await binPromise;
  mark('graph download+sha256');
  const dir = path.join(tmpDir, `lookbook-index-${version}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    const file = path.join(dir, 'index.bin');
    writeFileSync(file, bin);
    mark('tmpfile');
    const vectors = HnswIndex.load(file, ids.labels, manifest.dim, { ...manifest.hnsw }, bin);
    mark('hnswlib');
    if (vectors.size !== manifest.count) throw new CorruptArtifactError(`index ${version} holds ${vectors.size} vectors, its manifest says ${manifest.count}`);
    const index = new SearchIndex(version, manifest.encoder, vectors, items, manifest);
    mark('metadata');
    return index;
  } finally {
    // The graph now lives in memory; /tmp is small on Lambda.
    rmSync(dir, { recursive: true, force: true });
  }
}
