/**
 * The approximate index: hnswlib-node's HNSW graph, inner product on unit vectors.
 *
 * hnswlib knows integer labels only, so this class keeps the string id ↔ label map, and a copy of the
 * vectors by label, at half precision (right after a load, from the artifact's binary16 parts), for the exact
 * scans (filtered, named attributes) and for "similar to this product". Removals are markDelete (hnswlib never
 * returns them); re-adding an id replaces its vector in place. Vectors are rounded to half precision when added:
 * that is how the artifact stores them (graph-file.ts), so a published and reloaded index is the one that was
 * built, bit for bit, and the copy holds exactly what hnswlib holds in half the bytes (exact scans cost ~35% more
 * per row for the decode, ~0.3 ms on 2,500 rows at 422 dimensions).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import type { VectorHit, VectorIndex } from '../ports.ts';
import { dotHalf, fromHalf, halfBits, halfToFloat } from './half.ts';
import { TopK } from './vectors.ts';

const { HierarchicalNSW } = hnswlib;
type Graph = InstanceType<typeof HierarchicalNSW>;

/**
 * Whether this hnswlib-node build takes vectors as Float32Array (patches/hnswlib-node+3.0.0.patch, applied at
 * install): one memcpy instead of an N-API call per element, ~15 µs less per 256-d query (a third of a 3k search).
 * A build without the patch refuses them, and a plain array is passed instead. The patch also returns results in
 * typed arrays and compiles with AVX2/FMA on x86-64 (hnswlib then picks its 8-wide inner product at run time);
 * knn() reads results by index, so either build works.
 */
const TYPED_VECTORS = (() => {
  try {
    const probe = new HierarchicalNSW('ip', 2);
    probe.initIndex(1);
    probe.addPoint(Float32Array.of(1, 0) as unknown as number[], 0);
    return probe.searchKnn(Float32Array.of(1, 0) as unknown as number[], 1).neighbors[0] === 0;
  } catch {
    return false;
  }
})();

/** Writes every element's vector (binary16) into `out` at its label's row (rows past `capacity` skipped). */
export type VectorFill = (out: Uint16Array, capacity: number) => void;

export interface HnswParams {
  /** Graph degree. */
  m: number;
  /** Candidate list size while building. */
  efConstruction: number;
  /** Candidate list size while searching (raised to topK, and for filters, see search()). */
  efSearch: number;
  seed?: number;
}

/**
 * Chosen with `npm run bench` at 44k × 256: M=16, efConstruction=100 builds in well under a minute; the ef sweep
 * reaches recall@10 ≥ 0.98 at ef=32 on the synthetic clustered set, and 48 leaves headroom for real embeddings
 * (≈0.05 ms more per query). See models/bench/results/latest.json (`sweep`).
 */
export const DEFAULT_HNSW_PARAMS: HnswParams = { m: 16, efConstruction: 100, efSearch: 48, seed: 42 };

/** Below this many estimated matches a filtered query scans the matching vectors exactly. */
const EXACT_FILTER_MATCHES = 1000;
/**
 * searchAmong knows its candidates, so scanning them costs no predicate calls (~1.1 µs each at 422-d); a
 * filtered graph walk pays an N-API callback per visited node and, below ~5% of the index, visits thousands.
 */
const EXACT_AMONG = 2500;
const SELECTIVITY_SAMPLE = 256;

export interface SavedHnsw {
  /** The hnswlib graph file. */
  bytes: Uint8Array;
  /** labels[label] = product id, or null for a removed (mark-deleted) label. */
  labels: (string | null)[];
}

export class HnswIndex implements VectorIndex {
  private readonly labelOf = new Map<string, number>();
  private idOfLabel: (string | undefined)[] = [];
  /** The vectors by label, binary16 (index/half.ts). */
  private vectorData: Uint16Array;
  private readonly halfTable = halfToFloat();
  /** The deferred vector copy of a load (see loadAsync). */
  private pendingVectors: VectorFill | undefined;
  private capacity: number;
  /** Below this many estimated matches a filtered query scans the matching vectors exactly. */
  exactFilterMatches = EXACT_FILTER_MATCHES;
  /**
   * For an hnswlib-node build without the Float32Array patch: one plain array reused for every call (hnswlib
   * reads it synchronously). Filling it in a loop costs ~0.3 µs at 256 dimensions, Array.from ~13 µs.
   */
  private readonly scratch: number[];
  /** The ef last given to hnswlib: setEf is a native call of its own, skipped when ef is unchanged. */
  private ef = -1;

  private constructor(
    readonly dim: number,
    readonly params: HnswParams,
    private readonly graph: Graph,
    capacity: number,
  ) {
    this.capacity = capacity;
    this.vectorData = new Uint16Array(capacity * dim);
    this.scratch = new Array<number>(dim).fill(0);
  }

  /** `v` as hnswlib-node takes it: the Float32Array itself when the build allows, else the reused plain array. */
  private forHnswlib(v: Float32Array): number[] {
    if (TYPED_VECTORS) return v as unknown as number[];
    const a = this.scratch;
    for (let i = 0; i < a.length; i++) a[i] = v[i];
    return a;
  }

  static create(dim: number, params: HnswParams = DEFAULT_HNSW_PARAMS, capacity = 1024): HnswIndex {
    const graph = new HierarchicalNSW('ip', dim);
    const cap = Math.max(16, capacity);
    graph.initIndex({ maxElements: cap, m: params.m, efConstruction: params.efConstruction, randomSeed: params.seed ?? 42 });
    return new HnswIndex(dim, params, graph, cap);
  }

  /** Loads a saved graph from a file (hnswlib reads files only). */
  static load(file: string, labels: (string | null)[], dim: number, params: HnswParams): HnswIndex {
    const graph = new HierarchicalNSW('ip', dim);
    graph.readIndexSync(file);
    const index = HnswIndex.fromGraph(graph, labels, dim, params);
    index.readVectors(readFileSync(file));
    return index;
  }

  /**
   * The cold-load path: hnswlib parses the file on a libuv worker thread (readIndex), so the event loop stays free
   * for the metadata meanwhile. The vector copy is deferred: `fill` runs on first use or at `materializeVectors()`
   * (the loader schedules it for the next tick), from what the loader still holds (graph-file.ts vectorsByLabel).
   */
  static async loadAsync(file: string, labels: (string | null)[] | Promise<(string | null)[]>, dim: number, params: HnswParams, fill: VectorFill): Promise<HnswIndex> {
    const graph = new HierarchicalNSW('ip', dim);
    const [, labelList] = await Promise.all([graph.readIndex(file), labels]);
    const index = HnswIndex.fromGraph(graph, labelList, dim, params);
    index.pendingVectors = fill;
    return index;
  }

  /** Makes the deferred vector copy now, if there is one. */
  materializeVectors(): void {
    const fill = this.pendingVectors;
    if (!fill) return;
    this.pendingVectors = undefined;
    try {
      fill(this.vectorData, this.capacity);
      if (this.matchesGraph()) return;
    } catch {
      // Falls through to asking hnswlib point by point.
    }
    this.readVectorsFromGraph();
  }

  /** The vectors by label (materialised on first use after a deferred load). */
  private get vectors(): Uint16Array {
    if (this.pendingVectors) this.materializeVectors();
    return this.vectorData;
  }

  private static fromGraph(graph: Graph, labels: (string | null)[], dim: number, params: HnswParams): HnswIndex {
    const capacity = Math.max(16, graph.getMaxElements(), labels.length);
    if (capacity > graph.getMaxElements()) graph.resizeIndex(capacity);
    const index = new HnswIndex(dim, params, graph, capacity);
    index.idOfLabel = labels.map((id) => id ?? undefined);
    labels.forEach((id, label) => {
      if (id !== null) index.labelOf.set(id, label);
    });
    return index;
  }

  /** Places left before an add makes hnswlib grow the index (capacity survives a save and a load). */
  get spare(): number {
    return this.capacity - this.idOfLabel.length;
  }

  get size(): number {
    return this.labelOf.size;
  }

  has(id: string): boolean {
    return this.labelOf.has(id);
  }

  ids(): IterableIterator<string> {
    return this.labelOf.keys();
  }

  vectorOf(id: string): Float32Array | undefined {
    const label = this.labelOf.get(id);
    if (label === undefined) return undefined;
    return fromHalf(this.vectors.subarray(label * this.dim, (label + 1) * this.dim));
  }

  add(id: string, vector: Float32Array): void {
    if (vector.length !== this.dim) throw new Error(`vector has ${vector.length} dimensions, the index ${this.dim}`);
    let label = this.labelOf.get(id);
    if (label === undefined) {
      label = this.idOfLabel.length;
      if (label >= this.capacity) this.grow(Math.max(this.capacity * 2, 1024));
      this.idOfLabel.push(id);
      this.labelOf.set(id, label);
    }
    // An existing label is updated in place by hnswlib (same label → updatePoint).
    const half = Uint16Array.from(vector, halfBits);
    this.graph.addPoint(this.forHnswlib(fromHalf(half)), label);
    this.vectors.set(half, label * this.dim);
  }

  remove(id: string): void {
    const label = this.labelOf.get(id);
    if (label === undefined) return;
    this.graph.markDelete(label);
    this.labelOf.delete(id);
    this.idOfLabel[label] = undefined;
  }

  search(query: Float32Array, topK: number, accept?: (id: string) => boolean): VectorHit[] {
    const live = this.labelOf.size;
    const k = Math.min(topK, live);
    if (k <= 0) return [];
    const q = this.forHnswlib(query);
    if (!accept) return this.knn(q, k, Math.max(this.params.efSearch, k));

    // Adaptive: estimate how many ids pass, then either scan those exactly (few) or walk the graph with the
    // filter inside the traversal. hnswlib's filtered walk keeps expanding until it holds `ef` *accepted*
    // candidates, so ef needs no 1/selectivity scaling (that made a 10% filter 50× slower); if the walk still
    // comes back short, ef widens ×4 and finally the exact scan answers.
    const selectivity = this.estimateSelectivity(accept);
    if (selectivity * live <= this.exactFilterMatches) return this.exact(query, k, accept);
    const byLabel = (label: number) => {
      const id = this.idOfLabel[label];
      return id !== undefined && accept(id);
    };
    return this.walk(q, k, byLabel) ?? this.exact(query, k, accept);
  }

  /** The filtered graph walk, ef widening ×4 while it comes back short; undefined if even a full walk does. */
  private walk(q: number[], k: number, byLabel: (label: number) => boolean): VectorHit[] | undefined {
    const live = this.labelOf.size;
    for (let ef = Math.max(this.params.efSearch, k); ; ef *= 4) {
      const hits = this.knn(q, k, Math.min(ef, live), byLabel);
      if (hits.length >= k) return hits;
      if (ef >= live) return undefined;
    }
  }

  /** Exact search over the ids that pass `accept` (also the oracle path for tiny filtered sets). */
  exact(query: Float32Array, topK: number, accept?: (id: string) => boolean): VectorHit[] {
    return this.exactOver(query, topK, this.labelOf.keys(), accept);
  }

  /**
   * Nearest among given candidate ids (the products having the attributes a query names): scored exactly when
   * they are few, else by the filtered graph walk over a set of them.
   */
  searchAmong(query: Float32Array, topK: number, ids: readonly string[]): VectorHit[] {
    const k = Math.min(topK, ids.length);
    if (ids.length <= EXACT_AMONG) return this.exactOver(query, k, ids);
    const allowed = new Uint8Array(this.idOfLabel.length);
    for (const id of ids) {
      const label = this.labelOf.get(id);
      if (label !== undefined) allowed[label] = 1;
    }
    return this.walk(this.forHnswlib(query), k, (label) => allowed[label] === 1) ?? this.exactOver(query, k, ids);
  }

  private exactOver(query: Float32Array, topK: number, ids: Iterable<string>, accept?: (id: string) => boolean): VectorHit[] {
    const best = new TopK<string>(topK);
    for (const id of ids) {
      if (accept && !accept(id)) continue;
      const label = this.labelOf.get(id);
      if (label !== undefined) best.push(id, dotHalf(query, this.vectors, label * this.dim, this.halfTable));
    }
    return best.result().map(({ item, score }) => ({ id: item, score }));
  }

  /** Serialises the graph (hnswlib writes files only, so through a temp file) and the label map. */
  save(): SavedHnsw {
    const dir = mkdtempSync(path.join(tmpdir(), 'hnsw-'));
    try {
      const file = path.join(dir, 'index.bin');
      this.graph.writeIndexSync(file);
      return { bytes: readFileSync(file), labels: this.idOfLabel.map((id) => id ?? null) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  private knn(q: number[], k: number, ef: number, filter?: (label: number) => boolean): VectorHit[] {
    const effort = Math.max(ef, k);
    if (effort !== this.ef) {
      this.graph.setEf(effort);
      this.ef = effort;
    }
    const r = filter ? this.graph.searchKnn(q, k, filter) : this.graph.searchKnn(q, k);
    const hits: VectorHit[] = [];
    for (let i = 0; i < r.neighbors.length; i++) {
      const id = this.idOfLabel[r.neighbors[i]];
      // Inner-product space: distance = 1 − <q, v>.
      if (id !== undefined) hits.push({ id, score: 1 - r.distances[i] });
    }
    return hits;
  }

  private estimateSelectivity(accept: (id: string) => boolean): number {
    const n = this.idOfLabel.length;
    let seen = 0;
    let pass = 0;
    // Scattered labels (Knuth's multiplicative hash), not a fixed stride: a stride can alias with any
    // periodic pattern in how labels were assigned.
    const samples = Math.min(n, SELECTIVITY_SAMPLE);
    for (let i = 0; i < samples; i++) {
      const label = samples === n ? i : Math.floor(((i * 2654435761) % 4294967296) / 4294967296 * n);
      const id = this.idOfLabel[label];
      if (id === undefined) continue;
      seen++;
      if (accept(id)) pass++;
    }
    return seen === 0 ? 0 : pass / seen;
  }

  private grow(capacity: number): void {
    this.graph.resizeIndex(capacity);
    const v = new Uint16Array(capacity * this.dim);
    v.set(this.vectors);
    this.vectorData = v;
    this.capacity = capacity;
  }

  /**
   * Copies the vectors out of hnswlib's level-0 block (layout of hnswalg.h saveIndex: a 96-byte header,
   * then per element [links][vector][label: u64]). Cheaper than getPoint() per label by two orders of
   * magnitude; checked against getPoint() on one element so a format change can't go unnoticed.
   */
  private readVectors(bytes: Uint8Array): void {
    if (bytes.byteLength < 96) return this.readVectorsFromGraph();
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = Number(view.getBigUint64(16, true));
    const perElement = Number(view.getBigUint64(24, true));
    const labelOffset = Number(view.getBigUint64(32, true));
    const dataOffset = Number(view.getBigUint64(40, true));
    const header = 96;
    const ok = labelOffset - dataOffset === this.dim * 4 && header + count * perElement <= bytes.byteLength;
    if (ok) {
      for (let i = 0; i < count; i++) {
        const base = header + i * perElement;
        const label = Number(view.getBigUint64(base + labelOffset, true));
        if (label >= this.capacity) continue;
        const src = bytes.byteOffset + base + dataOffset;
        const dst = label * this.dim;
        for (let d = 0; d < this.dim; d++) this.vectorData[dst + d] = halfBits(view.getFloat32(src - bytes.byteOffset + d * 4, true));
      }
      if (this.matchesGraph()) return;
    }
    this.readVectorsFromGraph();
  }

  /** Whether the copied vectors agree with hnswlib's own on one element (a wrong layout cannot go unnoticed). */
  private matchesGraph(): boolean {
    const probe = this.labelOf.values().next();
    if (probe.done) return true;
    const expected = this.graph.getPoint(probe.value);
    return expected.every((x, d) => x === this.halfTable[this.vectorData[probe.value * this.dim + d]]);
  }

  /** Unknown layout (or no file): the slow, safe way. */
  private readVectorsFromGraph(): void {
    for (const label of this.labelOf.values()) this.vectorData.set(Uint16Array.from(this.graph.getPoint(label), halfBits), label * this.dim);
  }
}
