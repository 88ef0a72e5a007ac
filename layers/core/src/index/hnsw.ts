/**
 * The approximate index: hnswlib-node's HNSW graph, inner product on unit vectors.
 *
 * hnswlib knows integer labels only, so this class keeps the string id ↔ label map; the vectors live in hnswlib
 * alone (exact scans and "similar to this product" read them there). Removals are markDelete (hnswlib never
 * returns them); re-adding an id replaces its vector in place. hnswlib keeps the vectors at half precision (the
 * patched "ip-f16" space: half the memory and index file of float32, and what the artifact stores, graph-file.ts),
 * so a published and reloaded index is the one that was built, bit for bit. Queries are rounded the same way.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import type { VectorHit, VectorIndex } from '../ports.ts';
import { TopK } from './vectors.ts';

const { HierarchicalNSW } = hnswlib;
type Graph = InstanceType<typeof HierarchicalNSW>;

/**
 * This code needs the hnswlib-node build patched at install (patches/hnswlib-node+3.0.0.patch): vectors passed
 * as Float32Array (one memcpy, not an N-API call per element), results in typed arrays, `distances` for exact
 * scans, loading from memory (`beginLoad` … `endLoad`), the "ip-f16" space, and AVX2/FMA/F16C on x86-64.
 */
if (typeof HierarchicalNSW.prototype.beginLoad !== 'function') {
  throw new Error('hnswlib-node is not patched (patches/hnswlib-node+3.0.0.patch): run npm install, which applies and rebuilds it');
}
/** hnswlib-node's typings say number[]; the patched build takes the Float32Array itself. */
const asVector = (v: Float32Array) => v as unknown as number[];
/** Inner product (distance = 1 − <q, v>) on vectors stored at half precision. */
const SPACE = 'ip-f16';

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
 * searchAmong knows its candidates, so scanning them costs no predicate calls: ~0.18 µs each at 422-d in one native
 * call (2,500 in 0.45 ms), while a filtered graph walk pays an N-API callback per visited node (6,000 candidates:
 * ~0.9 ms). Exact up to here is both exact and no slower.
 */
const EXACT_AMONG = 5000;
const SELECTIVITY_SAMPLE = 256;

export interface SavedHnsw {
  /** The hnswlib graph file. */
  bytes: Uint8Array;
  /** labels[label] = product id, or null for a removed (mark-deleted) label. */
  labels: (string | null)[];
}

/** A load in progress (HnswIndex.beginLoad): level 0 is filled on worker threads, then `finish` completes it. */
export interface IndexLoad {
  /** Copies the vectors (binary16, dim per record) of records `first …`; `vectors` must not change until it resolves. */
  writeVectors(vectors: Uint16Array, first: number): Promise<void>;
  /** Copies every record's links and label from level 0 as saved without its vectors (graph-file.ts graphSections). */
  writeLinks(links: Uint8Array): Promise<void>;
  /** The SHA-256 (hex) of the vectors of records `first …` as written. */
  sha256OfVectors(first: number, count: number): Promise<string>;
  /** Reads the upper levels' links and completes the index; refused unless every record was written. */
  finish(upper: Uint8Array): Promise<HnswIndex>;
}

interface LabelMaps {
  labelOf: Map<string, number>;
  idOfLabel: (string | undefined)[];
}

function labelMaps(labels: readonly (string | null)[]): LabelMaps {
  const labelOf = new Map<string, number>();
  labels.forEach((id, label) => {
    if (id !== null) labelOf.set(id, label);
  });
  return { labelOf, idOfLabel: labels.map((id) => id ?? undefined) };
}

export class HnswIndex implements VectorIndex {
  private readonly labelOf: Map<string, number>;
  private idOfLabel: (string | undefined)[];
  private capacity: number;
  /** Below this many estimated matches a filtered query scans the matching vectors exactly. */
  exactFilterMatches = EXACT_FILTER_MATCHES;
  /** Up to this many candidates searchAmong scores them all exactly. */
  exactAmong = EXACT_AMONG;
  /** The ef last given to hnswlib: setEf is a native call of its own, skipped when ef is unchanged. */
  private ef = -1;

  private constructor(
    readonly dim: number,
    readonly params: HnswParams,
    private readonly graph: Graph,
    capacity: number,
    maps: LabelMaps = { labelOf: new Map(), idOfLabel: [] },
  ) {
    this.capacity = capacity;
    this.labelOf = maps.labelOf;
    this.idOfLabel = maps.idOfLabel;
  }

  static create(dim: number, params: HnswParams = DEFAULT_HNSW_PARAMS, capacity = 1024): HnswIndex {
    const graph = new HierarchicalNSW(SPACE, dim);
    const cap = Math.max(16, capacity);
    graph.initIndex({ maxElements: cap, m: params.m, efConstruction: params.efConstruction, randomSeed: params.seed ?? 42 });
    return new HnswIndex(dim, params, graph, cap);
  }

  /**
   * Loads a saved index from memory, without a file (the patched beginLoad … endLoad): hnswlib allocates level 0
   * from the saved header (graph-file.ts loadHeader), the caller writes the vectors and the links into it, in any
   * order and concurrently (copied on worker threads, so the calling thread neither copies nor first-touches the
   * memory), and `finish` reads the upper levels' links. The label maps are built as soon as `labels` arrive.
   */
  static beginLoad(header: Uint8Array, dim: number, params: HnswParams, labels: Promise<(string | null)[]>): IndexLoad {
    const graph = new HierarchicalNSW(SPACE, dim);
    graph.beginLoad(header);
    const count = graph.getCurrentCount(); // as the header says
    const maps = labels.then(labelMaps);
    maps.catch(() => {}); // awaited in finish; a load abandoned before it must not leave an unhandled rejection
    let vectorsWritten = 0;
    let linksWritten = false;
    return {
      async writeVectors(vectors, first) {
        await graph.writeVectors(vectors, first);
        vectorsWritten += vectors.length / dim;
      },
      async writeLinks(links) {
        await graph.writeLinks(links);
        linksWritten = true;
      },
      sha256OfVectors: (first, n) => graph.hashVectors(first, n),
      async finish(upper) {
        if (!linksWritten || vectorsWritten !== count) throw new Error(`level 0 incomplete: ${vectorsWritten} of ${count} vectors${linksWritten ? '' : ', no links'} written`);
        graph.endLoad(upper);
        const m = await maps;
        const capacity = Math.max(16, graph.getMaxElements(), m.idOfLabel.length);
        if (capacity > graph.getMaxElements()) graph.resizeIndex(capacity);
        return new HnswIndex(dim, params, graph, capacity, m);
      },
    };
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
    return Float32Array.from(this.graph.getPoint(label));
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
    this.graph.addPoint(asVector(vector), label);
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
    const q = asVector(query);
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
    if (ids.length <= this.exactAmong) return this.exactOver(query, k, ids);
    const allowed = new Uint8Array(this.idOfLabel.length);
    for (const id of ids) {
      const label = this.labelOf.get(id);
      if (label !== undefined) allowed[label] = 1;
    }
    return this.walk(asVector(query), k, (label) => allowed[label] === 1) ?? this.exactOver(query, k, ids);
  }

  /** Scores the (accepted) ids in one native call over hnswlib's own vectors. */
  private exactOver(query: Float32Array, topK: number, ids: Iterable<string>, accept?: (id: string) => boolean): VectorHit[] {
    const held: string[] = [];
    const labels: number[] = [];
    for (const id of ids) {
      if (accept && !accept(id)) continue;
      const label = this.labelOf.get(id);
      if (label === undefined) continue;
      held.push(id);
      labels.push(label);
    }
    const distances = this.graph.distances(query, Uint32Array.from(labels));
    const best = new TopK<string>(topK);
    // Inner-product space: distance = 1 − <q, v>.
    for (let i = 0; i < held.length; i++) best.push(held[i], 1 - distances[i]);
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
    this.capacity = capacity;
  }
}
