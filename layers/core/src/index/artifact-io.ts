/**
 * Writing and reading index versions. A version's files go up first and the pointer last, so a reader
 * never sees half a version; a reader checks every file against the manifest's sha256 and refuses a
 * corrupt artifact. The hnswlib file travels as graph.bin + vectors.f16 (graph-file.ts), the vectors in parts.
 */
import { createHash } from 'node:crypto';
import { Bm25 } from '../lexical/bm25.ts';
import { CorruptArtifactError, IndexManifest, LEXICAL_TEXT_VERSION, lexicalText, newVersion, sha256, type IndexedItem, type IndexPointer } from './artifact.ts';
import { graphSections, HEADER_BYTES, loadHeader, splitGraphFile } from './graph-file.ts';
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

/**
 * A file, streamed into one buffer and refused unless it matches its manifest entry. `prefix.then` gets its first
 * `prefix.bytes` as soon as they are in, before the checksum can vouch for them: work started on them is dropped
 * when this rejects.
 */
async function fetchVerified(
  store: IndexStore,
  manifest: IndexManifest,
  file: 'graph.bin' | 'items.bin' | 'ids.json' | 'lexical.bin',
  prefix?: { bytes: number; then: (prefix: Uint8Array) => void },
): Promise<Uint8Array> {
  const expected = manifest.files[file];
  const where = store.describe(manifest.version, file);
  if (!expected) throw new CorruptArtifactError(`${where} is not in its manifest`);
  const body = await store.streamFile(manifest.version, file);
  if (!body) throw new CorruptArtifactError(`${where} is missing`);
  const bytes = new Uint8Array(expected.bytes);
  const hash = createHash('sha256');
  let received = 0;
  for await (const chunk of body) {
    const at = received;
    received += chunk.byteLength;
    if (received > bytes.byteLength) break;
    bytes.set(chunk, at);
    hash.update(chunk);
    if (prefix && at < prefix.bytes && received >= prefix.bytes) prefix.then(bytes.subarray(0, prefix.bytes));
  }
  if (received !== expected.bytes || hash.digest('hex') !== expected.sha256) throw checksumMismatch(where, received, expected.bytes);
  return bytes;
}

/** What a file or vector part that does not match its manifest entry is refused with (`+`: it ran on past its size). */
const checksumMismatch = (where: string, received: number, expected: number) =>
  new CorruptArtifactError(`${where} does not match its manifest checksum (${received}${received > expected ? '+' : ''} bytes, expected ${expected})`);

/** Where a vector part goes: records written as they arrive, then hashed as written. */
interface VectorSink {
  write(vectors: Uint16Array, first: number): Promise<void>;
  /** The SHA-256 (hex) of the vectors of records `first …` as written. */
  sha256(first: number, count: number): Promise<string>;
}

/**
 * Streams vector part `k` into `sink` in whole records, `batch` bytes at a time (the buffer is reused once a write
 * resolves); refused once it ends unless what was written matches its manifest entry, hashed off this thread
 * (sink.sha256). What was written of a refused part is never used: the load fails and its memory goes.
 */
async function streamPart(store: IndexStore, manifest: IndexManifest, k: number, batch: Uint8Array, sink: VectorSink): Promise<void> {
  const { parts, recordsPerPart } = manifest.files['vectors.f16'];
  const expected = parts[k];
  const recordBytes = manifest.dim * 2;
  const start = k * recordsPerPart * recordBytes;
  const where = `${store.describe(manifest.version, 'vectors.f16')} bytes ${start}+${expected.bytes}`;
  const body = await store.streamFile(manifest.version, 'vectors.f16', { start, end: start + expected.bytes });
  if (!body) throw new CorruptArtifactError(`${where} is missing`);
  let received = 0;
  let filled = 0;
  let first = k * recordsPerPart;
  const flush = async (bytes: number) => {
    await sink.write(new Uint16Array(batch.buffer, batch.byteOffset, bytes / 2), first);
    first += bytes / recordBytes;
    filled = 0;
  };
  for await (const chunk of body) {
    received += chunk.byteLength;
    if (received > expected.bytes) break;
    for (let at = 0; at < chunk.byteLength; ) {
      const n = Math.min(batch.byteLength - filled, chunk.byteLength - at);
      batch.set(chunk.subarray(at, at + n), filled);
      filled += n;
      at += n;
      if (filled === batch.byteLength) await flush(filled);
    }
  }
  if (received !== expected.bytes) throw checksumMismatch(where, received, expected.bytes);
  if (filled) await flush(filled);
  if ((await sink.sha256(k * recordsPerPart, expected.bytes / recordBytes)) !== expected.sha256) throw checksumMismatch(where, received, expected.bytes);
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
 * The graph and the vector parts download concurrently (PARALLEL_PARTS ranged GETs at a time). The graph's header,
 * its first bytes, starts the load (hnswlib allocates level 0): the vectors are written into their records as they
 * stream in, the links and labels once the whole graph is in and verified. The label maps are built from `labels`
 * meanwhile.
 */
async function fetchGraph(store: IndexStore, manifest: IndexManifest, labels: Promise<(string | null)[]>): Promise<HnswIndex> {
  const { parts } = manifest.files['vectors.f16'];
  const corrupt = (err: unknown) => (err instanceof CorruptArtifactError ? err : new CorruptArtifactError(`${store.describe(manifest.version, 'graph.bin')}: ${(err as Error).message}`));
  let headerIn!: (header: Uint8Array) => void;
  const header = new Promise<Uint8Array>((resolve) => (headerIn = resolve));
  const graphBytes = fetchVerified(store, manifest, 'graph.bin', { bytes: HEADER_BYTES, then: headerIn });
  // A graph shorter than its header never calls headerIn: then its bytes (refused as too short) are the header.
  const loading = Promise.race([header, graphBytes]).then((first) => {
    try {
      return HnswIndex.beginLoad(loadHeader(first.subarray(0, HEADER_BYTES), manifest.dim), manifest.dim, { ...manifest.hnsw }, labels);
    } catch (err) {
      throw corrupt(err);
    }
  });
  loading.catch(() => {}); // awaited below; marked handled so an early failure is not an unhandled rejection
  const sink: VectorSink = {
    write: async (vectors, first) => (await loading).writeVectors(vectors, first).catch((err) => Promise.reject(corrupt(err))),
    sha256: async (first, count) => (await loading).sha256OfVectors(first, count),
  };
  const links = graphBytes.then(async (graph) => {
    try {
      const sections = graphSections(graph, manifest.dim);
      await (await loading).writeLinks(sections.links);
      return sections.upper;
    } catch (err) {
      throw corrupt(err);
    }
  });
  const recordBytes = manifest.dim * 2;
  let next = 0;
  const lane = async () => {
    const batch = new Uint8Array(Math.max(1, Math.floor(BATCH_BYTES / recordBytes)) * recordBytes);
    for (let k = next++; k < parts.length; k = next++) await streamPart(store, manifest, k, batch, sink);
  };
  const settled = await Promise.allSettled([links, ...Array.from({ length: Math.min(PARALLEL_PARTS, parts.length) }, lane)]);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  try {
    return await (await loading).finish(await links);
  } catch (err) {
    throw corrupt(err);
  }
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
 * concurrently, straight into memory: the vectors into hnswlib's level 0 (fetchGraph), the products into their
 * columns, whose labels the graph's label maps are built from meanwhile. No file is written: nothing waits for a
 * disk, and /tmp (512 MB on Lambda by default) is never a limit. lexical.bin comes later, when the index prepares
 * for text queries (savedLexical).
 */
export async function loadIndex(store: IndexStore, version: string, timings: LoadTimings = {}): Promise<SearchIndex> {
  const t0 = performance.now();
  const since = (from: number) => Math.round((performance.now() - from) * 10) / 10;
  const manifest = await readManifest(store, version);
  timings.manifest = since(t0);
  const t1 = performance.now();
  const itemsRead = readItems(store, manifest).then(({ labels, items }) => {
    const byId = new Map(items.map((item) => [item.id, item]));
    timings.items = since(t1);
    return { labels, items, byId };
  });
  const labels = itemsRead.then((x) => x.labels);
  labels.catch(() => {}); // itemsRead's failure is the one reported
  const graphRead = fetchGraph(store, manifest, labels).then((vectors) => {
    timings['download, sha256, assemble'] = since(t1);
    return vectors;
  });
  try {
    const [{ items, byId }, vectors] = await Promise.all([itemsRead, graphRead]);
    if (vectors.size !== manifest.count) throw new CorruptArtifactError(`index ${version} holds ${vectors.size} vectors, its manifest says ${manifest.count}`);
    return new SearchIndex(version, manifest.encoder, vectors, byId, manifest, savedLexical(store, manifest, items));
  } catch (err) {
    // Let the other half finish (or fail) first: a retry must not download alongside a load still running.
    await Promise.allSettled([itemsRead, graphRead]);
    throw err;
  }
}
