import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import { graphSections, loadHeader, splitGraphFile } from '#core/index/graph-file';
import { HnswIndex } from '#core/index/hnsw';
import { roundToHalf } from '#core/index/half';
import { BruteForceIndex } from '#core/index/brute-force';
import { randomUnitVector } from '#core/index/vectors';
import { mulberry32 } from '#core/random';

const dim = 32;
const n = 2000;
const rand = mulberry32(7);
const vectors = Array.from({ length: n }, () => randomUnitVector(dim, rand));
const queries = Array.from({ length: 50 }, () => randomUnitVector(dim, rand));

function build(count = n, capacity = 64) {
  const hnsw = HnswIndex.create(dim, { m: 16, efConstruction: 100, efSearch: 64, seed: 1 }, capacity);
  const exact = new BruteForceIndex(dim, capacity);
  for (let i = 0; i < count; i++) {
    hnsw.add(`p${i}`, vectors[i]);
    exact.add(`p${i}`, vectors[i]);
  }
  return { hnsw, exact };
}

function recallAt10(hnsw: HnswIndex, exact: BruteForceIndex, accept?: (id: string) => boolean) {
  let hit = 0;
  let total = 0;
  for (const q of queries) {
    const truth = new Set(exact.search(q, 10, accept).map((h) => h.id));
    for (const h of hnsw.search(q, 10, accept)) if (truth.has(h.id)) hit++;
    total += truth.size;
  }
  return hit / total;
}

describe('HnswIndex', () => {
  const { hnsw, exact } = build();

  it('matches the brute-force oracle on random unit vectors (recall@10, growing past the initial capacity)', () => {
    expect(hnsw.size).toBe(n);
    expect(recallAt10(hnsw, exact)).toBeGreaterThanOrEqual(0.95);
  });

  it('scores are inner products, best first', () => {
    const hits = hnsw.search(queries[0], 5);
    expect(hits).toHaveLength(5);
    const v = hnsw.vectorOf(hits[0].id)!;
    const ip = v.reduce((s, x, i) => s + x * queries[0][i], 0);
    expect(hits[0].score).toBeCloseTo(ip, 4);
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
  });

  it('searchAmong: the nearest of given candidates, scanned exactly when few, by the graph walk when many', () => {
    const big = HnswIndex.create(dim, { m: 16, efConstruction: 100, efSearch: 64, seed: 1 }, 4096);
    for (let i = 0; i < 4000; i++) big.add(`p${i}`, i < n ? vectors[i] : randomUnitVector(dim, rand));
    big.exactAmong = 2500; // below the default, so that 3,000 candidates take the walk
    for (const count of [40, 3000]) {
      const ids = Array.from({ length: count }, (_, i) => `p${(i * 7) % 4000}`);
      const among = new Set(ids);
      let hit = 0;
      for (const q of queries) {
        const truth = new Set(
          ids
            .map((id) => ({ id, s: big.vectorOf(id)!.reduce((a, x, d) => a + x * q[d], 0) }))
            .sort((a, b) => b.s - a.s)
            .slice(0, 10)
            .map((h) => h.id),
        );
        const hits = big.searchAmong(q, 10, ids);
        expect(hits).toHaveLength(10);
        expect(hits.every((h) => among.has(h.id))).toBe(true);
        hit += hits.filter((h) => truth.has(h.id)).length;
      }
      expect(hit / (10 * queries.length)).toBeGreaterThanOrEqual(count <= 2500 ? 1 : 0.9);
    }
    expect(big.searchAmong(queries[0], 10, [])).toEqual([]);
    expect(big.searchAmong(queries[0], 10, ['p1', 'nope'])).toHaveLength(1);
  });

  it('a selective filter still returns topK when that many match (exact path and graph path)', () => {
    const accept = (id: string) => Number(id.slice(1)) % 50 === 0; // 40 of 2000 match
    for (const exactBelow of [3000, 0]) {
      hnsw.exactFilterMatches = exactBelow; // 0 forces the filtered graph walk with adaptive ef
      for (const q of queries.slice(0, 10)) {
        const hits = hnsw.search(q, 30, accept);
        expect(hits).toHaveLength(30);
        expect(hits.every((h) => accept(h.id))).toBe(true);
      }
      expect(recallAt10(hnsw, exact, accept)).toBeGreaterThanOrEqual(0.95);
    }
    hnsw.exactFilterMatches = 3000;
    // Fewer matches than topK: all of them, no padding.
    expect(hnsw.search(queries[0], 30, (id) => id === 'p3' || id === 'p4').map((h) => h.id).sort()).toEqual(['p3', 'p4']);
  });

  it('removed ids are never returned and re-adding replaces the vector', () => {
    const { hnsw: h } = build(300);
    const target = vectors[5];
    expect(h.search(target, 1)[0].id).toBe('p5');
    h.remove('p5');
    expect(h.has('p5')).toBe(false);
    expect(h.size).toBe(299);
    for (const q of [target, ...queries]) expect(h.search(q, 50).map((x) => x.id)).not.toContain('p5');
    expect(h.search(target, 50, () => true).map((x) => x.id)).not.toContain('p5');
    // Re-add p6 with p5's old vector: p6 is now the nearest to it.
    h.add('p6', target);
    expect(h.size).toBe(299);
    expect(h.search(target, 1)[0]).toMatchObject({ id: 'p6' });
    // Stored at half precision: the inner product with itself is 1 to about 1e-4.
    expect(h.search(target, 1)[0].score).toBeCloseTo(1, 3);
    // A removed id can come back.
    h.add('p5', vectors[5]);
    expect(h.has('p5')).toBe(true);
  });

  it('saves and loads (split, then put back together in memory): the same index, deletions kept, vectors hashed as written', async () => {
    const { hnsw: h } = build(500);
    h.remove('p10');
    const saved = h.save();
    expect(saved.labels[10]).toBeNull();
    // As an artifact travels: split into graph and vectors, put back together in the loaded index's memory.
    const { graph, vectors: halves } = splitGraphFile(saved.bytes, dim);
    const header = loadHeader(graph, dim);
    const { links, upper } = graphSections(graph, dim);
    const loading = HnswIndex.beginLoad(header, dim, h.params, Promise.resolve(saved.labels));
    await expect(loading.finish(upper)).rejects.toThrow(/level 0 incomplete: 0 of 500 vectors, no links written/);
    await Promise.all([loading.writeVectors(halves.subarray(200 * dim), 200), loading.writeLinks(links), loading.writeVectors(halves.subarray(0, 200 * dim), 0)]);
    expect(await loading.sha256OfVectors(0, 500)).toBe(createHash('sha256').update(halves).digest('hex'));
    const loaded = await loading.finish(upper);
    expect(Buffer.from(loaded.save().bytes).equals(Buffer.from(saved.bytes))).toBe(true); // the very same index
    expect(loaded.size).toBe(499);
    expect(loaded.has('p10')).toBe(false);
    for (const q of queries.slice(0, 10)) expect(loaded.search(q, 10)).toEqual(h.search(q, 10));
    expect(Array.from(loaded.vectorOf('p42')!)).toEqual(Array.from(roundToHalf(vectors[42])));
    // Still writable after a load.
    loaded.add('new', vectors[1999]);
    expect(loaded.search(vectors[1999], 1)[0].id).toBe('new');
  });

  it('rejects vectors of the wrong dimension', () => {
    expect(() => hnsw.add('x', new Float32Array(3))).toThrow(/dimensions/);
  });
});

describe('hnswlib-node as installed (patches/hnswlib-node+3.0.0.patch)', () => {
  it('takes Float32Array vectors, with the same results as plain arrays, and still checks their length', () => {
    const { HierarchicalNSW } = hnswlib;
    const rand = mulberry32(11);
    const graph = new HierarchicalNSW('ip', 32);
    graph.initIndex(200, 16, 64, 1);
    const asF32 = (v: Float32Array) => v as unknown as number[];
    for (let i = 0; i < 200; i++) {
      const v = randomUnitVector(32, rand);
      graph.addPoint(i % 2 ? asF32(v) : Array.from(v), i);
    }
    const q = randomUnitVector(32, rand);
    expect(graph.searchKnn(asF32(q), 10)).toEqual(graph.searchKnn(Array.from(q), 10));
    // A view into a larger buffer is read from its own offset.
    const shifted = new Float32Array(64);
    shifted.set(q, 32);
    expect(graph.searchKnn(asF32(shifted.subarray(32)), 10)).toEqual(graph.searchKnn(Array.from(q), 10));
    expect(() => graph.searchKnn(asF32(new Float32Array(3)), 1)).toThrow(/expected 32, but got 3/);
    expect(() => graph.searchKnn(new Float64Array(32) as unknown as number[], 1)).toThrow(/Array or a Float32Array/);
  });

  it('answers in typed arrays: distances as float32, labels as uint32, nearest first', () => {
    const { HierarchicalNSW } = hnswlib;
    const graph = new HierarchicalNSW('ip', 4);
    graph.initIndex(8);
    [[1, 0, 0, 0], [0.6, 0.8, 0, 0], [0, 0, 1, 0]].forEach((v, i) => graph.addPoint(v, i * 3));
    const r = graph.searchKnn([1, 0, 0, 0], 3);
    expect(r.neighbors).toBeInstanceOf(Uint32Array);
    expect(r.distances).toBeInstanceOf(Float32Array);
    expect(Array.from(r.neighbors)).toEqual([0, 3, 6]);
    expect(Array.from(r.distances)).toEqual([0, Math.fround(1 - Math.fround(0.6)), 1]); // 1 − inner product, in float32
  });

  it('scores given labels in one call (distances), NaN for a label it does not hold, and checks its arguments', () => {
    const { HierarchicalNSW } = hnswlib;
    const graph = new HierarchicalNSW('ip', 4);
    graph.initIndex(8);
    [[1, 0, 0, 0], [0.6, 0.8, 0, 0], [0, 0, 1, 0]].forEach((v, i) => graph.addPoint(v, i * 3));
    const d = graph.distances(Float32Array.of(0.6, 0.8, 0, 0), Uint32Array.of(6, 0, 5, 3));
    expect(d).toBeInstanceOf(Float32Array);
    expect(Array.from(d.subarray(0, 2))).toEqual([1, Math.fround(1 - Math.fround(0.6))]);
    expect(d[2]).toBeNaN();
    expect(d[3]).toBeCloseTo(0, 6);
    expect(() => graph.distances(Float32Array.of(1, 0, 0, 0), [0] as unknown as Uint32Array)).toThrow(/Uint32Array of labels/);
    expect(() => graph.distances(new Float32Array(3), Uint32Array.of(0))).toThrow(/expected 4, but got 3/);
  });

  it('keeps vectors at half precision in the ip-f16 space: rounded like roundToHalf, scored on the rounded query, half the file', () => {
    const { HierarchicalNSW } = hnswlib;
    const d = 37; // odd, so the 8- and 16-wide loops leave a tail
    const rand = mulberry32(13);
    const points = Array.from({ length: 100 }, () => randomUnitVector(d, rand));
    // Ties to even, subnormals and signed zero next to ordinary components.
    points[0].set([1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -24, 2 ** -26, 3 * 2 ** -25, -0, 6.1e-5, 0.333251953125]);
    const half = new HierarchicalNSW('ip-f16', d);
    const full = new HierarchicalNSW('ip', d);
    for (const g of [half, full]) {
      g.initIndex(100, 16, 64, 1);
      points.forEach((v, i) => g.addPoint(v as unknown as number[], i));
    }
    for (const i of [0, 1, 50]) expect(Array.from(half.getPoint(i))).toEqual(Array.from(roundToHalf(points[i])));
    const q = randomUnitVector(d, rand);
    const r = half.searchKnn(q as unknown as number[], 10);
    const hq = roundToHalf(q);
    r.neighbors.forEach((label, k) => {
      const hv = roundToHalf(points[label]);
      expect(r.distances[k]).toBeCloseTo(1 - hv.reduce((sum, x, j) => sum + x * hq[j], 0), 6);
    });
    expect(Array.from(r.neighbors)).toEqual(Array.from(full.searchKnn(q as unknown as number[], 10).neighbors));
    const dir = mkdtempSync(path.join(tmpdir(), 'hnsw-f16-'));
    half.writeIndexSync(path.join(dir, 'half.bin'));
    full.writeIndexSync(path.join(dir, 'full.bin'));
    const bytes = (f: string) => readFileSync(path.join(dir, f)).byteLength;
    expect(bytes('full.bin') - bytes('half.bin')).toBe(100 * d * 2);
    const loaded = new HierarchicalNSW('ip-f16', d);
    loaded.readIndexSync(path.join(dir, 'half.bin'));
    rmSync(dir, { recursive: true, force: true });
    expect(loaded.searchKnn(q as unknown as number[], 10)).toEqual(r);
    expect(Array.from(loaded.distances(q, Uint32Array.from(r.neighbors)))).toEqual(Array.from(r.distances));
  });

  it('loads from memory (beginLoad … endLoad): searches, changes and grows like a file load, and refuses parts that do not fit', async () => {
    const { HierarchicalNSW } = hnswlib;
    const rand = mulberry32(12);
    const points = Array.from({ length: 300 }, () => randomUnitVector(32, rand));
    const built = new HierarchicalNSW('ip', 32);
    built.initIndex(310, 16, 64, 1);
    points.forEach((v, i) => built.addPoint(v as unknown as number[], i));
    const dir = mkdtempSync(path.join(tmpdir(), 'hnsw-mem-'));
    built.writeIndexSync(path.join(dir, 'index.bin'));
    const file = readFileSync(path.join(dir, 'index.bin'));
    rmSync(dir, { recursive: true, force: true });
    // Level 0 as an artifact carries it: links and label per record, and the vectors apart.
    const per = Number(file.readBigUInt64LE(24)), linkBytes = 33 * 4, vectorBytes = 32 * 4, level0End = 96 + 300 * per;
    const records = Array.from({ length: 300 }, (_, i) => file.subarray(96 + i * per, 96 + (i + 1) * per));
    const links = Uint8Array.from(Buffer.concat(records.flatMap((r) => [r.subarray(0, linkBytes), r.subarray(linkBytes + vectorBytes)])));
    const vectors = new Uint16Array(Uint8Array.from(Buffer.concat(records.map((r) => r.subarray(linkBytes, linkBytes + vectorBytes)))).buffer);
    const half = (vectors.length / 300) * 150;
    const load = async (target: InstanceType<typeof HierarchicalNSW>, upper = file.subarray(level0End)) => {
      target.beginLoad(file.subarray(0, 96));
      await Promise.all([target.writeVectors(vectors.subarray(half), 150), target.writeLinks(links), target.writeVectors(vectors.subarray(0, half), 0)]);
      target.endLoad(upper);
    };
    const loaded = new HierarchicalNSW('ip', 32);
    await load(loaded);
    expect(() => loaded.writeVectors(vectors.subarray(0, 32), 0)).toThrow(/No load in progress/);
    expect(loaded.getMaxElements()).toBe(310);
    const q = points[7] as unknown as number[];
    expect(loaded.searchKnn(q, 10)).toEqual(built.searchKnn(q, 10));
    loaded.markDelete(7);
    expect(Array.from(loaded.searchKnn(q, 10).neighbors)).not.toContain(7);
    // Adds into the saved spare capacity, then past it (hnswlib moves level 0 into memory of its own).
    const more = Array.from({ length: 50 }, () => randomUnitVector(32, rand));
    more.slice(0, 10).forEach((v, i) => loaded.addPoint(v as unknown as number[], 300 + i));
    loaded.resizeIndex(400);
    more.slice(10).forEach((v, i) => loaded.addPoint(v as unknown as number[], 310 + i));
    for (const i of [0, 9, 20]) expect(loaded.searchKnn(more[i] as unknown as number[], 1).neighbors[0]).toBe(300 + i);
    expect(loaded.searchKnn(points[8] as unknown as number[], 1).neighbors[0]).toBe(8);
    expect(Array.from(loaded.getPoint(9))).toEqual(Array.from(points[9]));

    // Refused: a header of another dimension or too short, parts that do not fit, upper levels that do not add up
    // (the half-loaded index is dropped), an endLoad with no load begun, and one while level 0 is still being written.
    expect(() => new HierarchicalNSW('ip', 16).beginLoad(file.subarray(0, 96))).toThrow(/corrupted or unsupported/);
    expect(() => new HierarchicalNSW('ip', 32).beginLoad(file.subarray(0, 95))).toThrow(/corrupted or unsupported/);
    const refused = new HierarchicalNSW('ip', 32);
    refused.beginLoad(file.subarray(0, 96));
    expect(() => refused.writeVectors(vectors.subarray(0, 128), 299)).toThrow(/out of range/); // two vectors at the last record
    expect(() => refused.writeVectors(vectors.subarray(0, 63), 0)).toThrow(/out of range/);
    expect(() => refused.writeLinks(links.subarray(1))).toThrow(/Links of 300 records need/);
    expect(() => refused.hashVectors(290, 11)).toThrow(/out of range/);
    const writing = refused.writeLinks(links);
    expect(() => refused.endLoad(file.subarray(level0End))).toThrow(/still being written or hashed/);
    await writing;
    expect(() => refused.endLoad(file.subarray(level0End, file.byteLength - 4))).toThrow(/corrupted or unsupported/);
    expect(() => refused.searchKnn(q, 1)).toThrow();
    expect(() => refused.endLoad(file.subarray(level0End))).toThrow(/No load in progress/);

    // hashVectors: the SHA-256 of records' vectors as stored, in record order, on a worker thread.
    const hashed = new HierarchicalNSW('ip', 32);
    hashed.beginLoad(file.subarray(0, 96));
    await hashed.writeVectors(vectors, 0);
    expect(await hashed.hashVectors(10, 50)).toBe(createHash('sha256').update(new Uint8Array(vectors.buffer, 10 * vectorBytes, 50 * vectorBytes)).digest('hex'));
  });
});
