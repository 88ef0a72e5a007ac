/**
 * Writing and reading index versions. A version's files go up first and the pointer last, so a reader
 * never sees half a version; a reader checks every file against the manifest's sha256 and refuses a
 * corrupt artifact. The hnswlib file travels as graph.bin + vectors.f16 (graph-file.ts), the vectors in parts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Bm25 } from '../lexical/bm25.ts';
import { CorruptArtifactError, IndexManifest, LEXICAL_TEXT_VERSION, lexicalText, newVersion, sha256, type IndexedItem, type IndexPointer } from './artifact.ts';
import { openGraphFile, splitGraphFile } from './graph-file.ts';
import { HnswIndex } from './hnsw.ts';
import { decodeIdsJson, decodeItems, encodeItems, type IdsFile } from './item-columns.ts';
import { SearchIndex } from './search-index.ts';
import type { IndexStore } from './store.ts';

export interface PublishOptions {
  parent?: string;
  buildMs?: number;
  /** Leave the pointer alone (bench, staged rollouts). */
  skipPointer?: boolean;
  /** Move the pointer only if it is still as read (IndexStore.readPointerTagged); otherwise PointerMovedError. */
  swapFrom?: { tag: string | undefined };
  /** The version name (default: a new one from `now`). */
  version?: string;
  now?: Date;
  /** The version's own delta.json when it folds a chain of deltas (recorded in the manifest, written by the caller). */
  delta?: Uint8Array;
}

/**
 * Vectors are fetched in ranged GETs of about PART_BYTES, PARALLEL_PARTS at a time: one S3 stream is slower than
 * several. Each part is streamed into the hnswlib file BATCH_BYTES at a time through one buffer per lane, never
 * held whole: fresh memory costs a page fault per 4 KB (microseconds each, far more on some VMs), and whole
 * parts were ~40 MB of it at 44k.
 */
const PART_BYTES = 4 << 20;
const PARALLEL_PARTS = 4;
const BATCH_BYTES = 512 << 10;

export async function publishIndex(store: IndexStore, index: SearchIndex, opts: PublishOptions = {}): Promise<IndexManifest> {
  const now = opts.now ?? new Date();
  const version = opts.version ?? newVersion(now);
  const saved = index.vectors.save();
  const split = splitGraphFile(saved.bytes, index.dim);
  const vectors = new Uint8Array(split.vectors.buffer, split.vectors.byteOffset, split.vectors.byteLength);
  const items = [...index.items.values()];
  const itemBytes = encodeItems(saved.labels, items);
  // BM25 over the same products in the same order, so that a load restores it instead of building it.
  const lexical = Bm25.build(items.map((item) => [item.id, lexicalText(item)] as const)).toBytes();
  const entry = (bytes: Uint8Array) => ({ sha256: sha256(bytes), bytes: bytes.byteLength });
  // Records = every element of the graph, removed (mark-deleted) ones included.
  const records = split.vectors.length / index.dim;
  const recordsPerPart = Math.max(1, Math.ceil(records / Math.max(1, Math.ceil(vectors.byteLength / PART_BYTES))));
  const partBytes = recordsPerPart * index.dim * 2;
  const parts = Array.from({ length: Math.ceil(records / recordsPerPart) }, (_, k) => entry(vectors.subarray(k * partBytes, (k + 1) * partBytes)));
  const manifest: IndexManifest = {
    format: 'lookbook-index/3',
    version,
    parent: opts.parent,
    encoder: { id: index.encoder.id, version: index.encoder.version },
    dim: index.dim,
    count: index.size,
    hnsw: { m: index.vectors.params.m, efConstruction: index.vectors.params.efConstruction, efSearch: index.vectors.params.efSearch },
    builtAt: now.toISOString(),
    buildMs: opts.buildMs,
    files: {
      'graph.bin': entry(split.graph),
      'vectors.f16': { ...entry(vectors), recordsPerPart, parts },
      'items.bin': entry(itemBytes),
      'lexical.bin': { ...entry(lexical), text: LEXICAL_TEXT_VERSION },
      ...(opts.delta && { 'delta.json': entry(opts.delta) }),
    },
  };
  await Promise.all([
    store.putFile(version, 'graph.bin', split.graph),
    store.putFile(version, 'vectors.f16', vectors),
    store.putFile(version, 'items.bin', itemBytes),
    store.putFile(version, 'lexical.bin', lexical),
  ]);
  await store.putFile(version, 'manifest.json', Buffer.from(JSON.stringify(manifest, null, 2)));
  const pointer: IndexPointer = { version, encoder: manifest.encoder, updatedAt: now.toISOString(), count: manifest.count };
  if (opts.swapFrom) {
    if (!(await store.swapPointer(pointer, opts.swapFrom.tag))) throw new PointerMovedError(version);
  } else if (!opts.skipPointer) await store.writePointer(pointer);
  index.version = version;
  index.manifest = manifest;
  return manifest;
}

/** Conditional pointer writes a publisher may lose in a row before it gives up (each loss means another writer won). */
export const POINTER_RACE_ATTEMPTS = 5;

/** Another writer moved the pointer between our read and our write; the version's files stay unreferenced. */
export class PointerMovedError extends Error {
  constructor(readonly version: string) {
    super(`index pointer moved while ${version} was being published`);
    this.name = 'PointerMovedError';
  }
}

/** A file, refused unless it matches its manifest entry. */
async function fetchVerified(store: IndexStore, manifest: IndexManifest, file: 'graph.bin' | 'items.bin' | 'ids.json' | 'lexical.bin'): Promise<Uint8Array> {
  const expected = manifest.files[file];
  const where = store.describe(manifest.version, file);
  if (!expected) throw new CorruptArtifactError(`${where} is not in its manifest`);
  const bytes = await store.getFile(manifest.version, file);
  if (!bytes) throw new CorruptArtifactError(`${where} is missing`);
  if (bytes.byteLength !== expected.bytes || sha256(bytes) !== expected.sha256) {
    throw new CorruptArtifactError(`${where} does not match its manifest checksum (${bytes.byteLength} bytes, expected ${expected.bytes})`);
  }
  return bytes;
}

/**
 * Streams vector part `k` to `write` in whole records, `batch` bytes at a time (the buffer is reused once a write
 * resolves), hashing as it goes; refused once it ends unless it matches its manifest entry. What was written of a
 * refused part is never loaded: the load fails and its temp file goes.
 */
async function streamPart(store: IndexStore, manifest: IndexManifest, k: number, batch: Uint8Array, write: (vectors: Uint16Array, first: number) => Promise<void>): Promise<void> {
  const { parts, recordsPerPart } = manifest.files['vectors.f16'];
  const expected = parts[k];
  const recordBytes = manifest.dim * 2;
  const start = k * recordsPerPart * recordBytes;
  const where = `${store.describe(manifest.version, 'vectors.f16')} bytes ${start}+${expected.bytes}`;
  const body = await store.streamFile(manifest.version, 'vectors.f16', { start, end: start + expected.bytes });
  if (!body) throw new CorruptArtifactError(`${where} is missing`);
  const hash = createHash('sha256');
  let received = 0;
  let filled = 0;
  let first = k * recordsPerPart;
  const flush = async (bytes: number) => {
    await write(new Uint16Array(batch.buffer, batch.byteOffset, bytes / 2), first);
    first += bytes / recordBytes;
    filled = 0;
  };
  for await (const chunk of body) {
    received += chunk.byteLength;
    if (received > expected.bytes) break;
    hash.update(chunk);
    for (let at = 0; at < chunk.byteLength; ) {
      const n = Math.min(batch.byteLength - filled, chunk.byteLength - at);
      batch.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === batch.byteLength) await flush(filled);
    }
  }
  if (received !== expected.bytes || hash.digest('hex') !== expected.sha256) {
    throw new CorruptArtifactError(`${where} does not match its manifest checksum (${received}${received > expected.bytes ? '+' : ''} bytes, expected ${expected.bytes})`);
  }
  if (filled) await flush(filled);
}

/**
 * BM25 as published (lexical.bin) for the artifact's products in their order, fetched and verified when asked for:
 * after the load, when the index prepares for text queries, so that neither a cold load nor a process that only
 * writes pays for it. Undefined when the artifact has none, or made its text another way (then BM25 is built).
 */
function savedLexical(store: IndexStore, manifest: IndexManifest, items: readonly IndexedItem[]): (() => Promise<Bm25>) | undefined {
  if (manifest.files['lexical.bin']?.text !== LEXICAL_TEXT_VERSION) return undefined;
  return async () => {
    const bytes = await fetchVerified(store, manifest, 'lexical.bin');
    try {
      return Bm25.fromBytes(bytes, items.map((item) => item.id));
    } catch (err) {
      throw new CorruptArtifactError(`${store.describe(manifest.version, 'lexical.bin')}: ${(err as Error).message}`);
    }
  };
}

export async function readManifest(store: IndexStore, version: string): Promise<IndexManifest> {
  const bytes = await store.getFile(version, 'manifest.json');
  if (!bytes) throw new CorruptArtifactError(`${store.describe(version, 'manifest.json')} is missing`);
  const parsed = IndexManifest.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  if (!parsed.success) throw new CorruptArtifactError(`${store.describe(version, 'manifest.json')} is invalid: ${parsed.error.message}`);
  return parsed.data;
}

/** Where a load spends its time (ms), for the bench and the load log line. */
export type LoadTimings = Record<string, number>;

/**
 * The graph and the vector parts download concurrently (PARALLEL_PARTS ranged GETs at a time); the graph starts
 * the hnswlib file, and the vector parts are copied into its records as they stream in.
 */
async function fetchGraphFile(store: IndexStore, manifest: IndexManifest, file: string): Promise<void> {
  const { parts } = manifest.files['vectors.f16'];
  const corrupt = (err: unknown) =>
    (err as NodeJS.ErrnoException).code ? err : new CorruptArtifactError(`${store.describe(manifest.version, 'graph.bin')}: ${(err as Error).message}`); // an errno is the disk, not the artifact
  const graph = fetchVerified(store, manifest, 'graph.bin');
  const writer = graph.then((bytes) => openGraphFile(file, bytes, manifest.dim).catch((err) => Promise.reject(corrupt(err))));
  writer.catch(() => {}); // awaited below; marked handled so an early failure is not an unhandled rejection
  const write = async (vectors: Uint16Array, first: number) => (await writer).writeRecords(vectors, first).catch((err) => Promise.reject(corrupt(err)));
  const recordBytes = manifest.dim * 2;
  let next = 0;
  const lane = async () => {
    const batch = new Uint8Array(Math.max(1, Math.floor(BATCH_BYTES / recordBytes)) * recordBytes);
    for (let k = next++; k < parts.length; k = next++) await streamPart(store, manifest, k, batch, write);
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(PARALLEL_PARTS, parts.length) }, lane));
  const opened = await writer;
  const failed = lanes.find((r) => r.status === 'rejected');
  try {
    await opened.close();
  } catch (err) {
    if (!failed) throw corrupt(err);
  }
  if (failed) throw failed.reason;
}

/** The products of a version and hnswlib's label map: items.bin, or ids.json in artifacts published before it. */
async function readItems(store: IndexStore, manifest: IndexManifest): Promise<{ labels: (string | null)[]; items: IndexedItem[] }> {
  const file = manifest.files['items.bin'] || !manifest.files['ids.json'] ? 'items.bin' : 'ids.json';
  const bytes = await fetchVerified(store, manifest, file);
  try {
    return file === 'items.bin' ? decodeItems(bytes) : decodeIdsJson(JSON.parse(Buffer.from(bytes).toString('utf8')) as IdsFile);
  } catch (err) {
    throw new CorruptArtifactError(`${store.describe(manifest.version, file)}: ${(err as Error).message}`);
  }
}

/**
 * Downloads a version, verifies it, and builds the in-memory index. Graph, vectors and items download
 * concurrently; graph + vectors are written back as an hnswlib file in a temp folder (hnswlib loads files only)
 * and mapped on a worker thread (readIndex) while the items are read here. lexical.bin comes later,
 * when the index prepares for text queries (savedLexical). The temp folder is deleted
 * on failure at once, on success on the next tick (hnswlib keeps its private mapping of the file).
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
  // The items are read as soon as they arrive (a few ms of this thread), so that the label maps are ready when the
  // graph file is written and hnswlib reads it on a worker thread.
  const itemsRead = readItems(store, manifest).then(({ labels, items }) => {
    const byId = new Map(items.map((item) => [item.id, item]));
    timings.items = since(t1);
    return { labels, items, byId };
  });
  const fileWritten = fetchGraphFile(store, manifest, file).then(() => {
    timings['download, sha256, write'] = since(t1);
  });
  const graphPromise = fileWritten.then(async () => {
    const t3 = performance.now();
    const vectors = await HnswIndex.load(file, itemsRead.then((x) => x.labels), manifest.dim, { ...manifest.hnsw });
    timings.hnswlib = since(t3);
    return vectors;
  });
  try {
    const [{ items, byId }, vectors] = await Promise.all([itemsRead, graphPromise]);
    if (vectors.size !== manifest.count) throw new CorruptArtifactError(`index ${version} holds ${vectors.size} vectors, its manifest says ${manifest.count}`);
    const index = new SearchIndex(version, manifest.encoder, vectors, byId, manifest, savedLexical(store, manifest, items));
    // The index is usable now; the temp file goes on the next tick (hnswlib's mapping keeps its pages).
    setImmediate(() => rmSync(dir, { recursive: true, force: true }));
    return index;
  } catch (err) {
    // Let the other half finish (or fail) before its file goes; /tmp is small on Lambda.
    await Promise.allSettled([itemsRead, graphPromise]);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
