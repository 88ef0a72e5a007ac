import { describe, expect, it } from 'vitest';
import { graphSections, HEADER_BYTES, loadHeader, splitGraphFile } from '#core/index/graph-file';
import { HnswIndex } from '#core/index/hnsw';
import { randomUnitVector } from '#core/index/vectors';
import { mulberry32 } from '#core/random';

describe('hnswlib index split into graph + binary16 vectors', () => {
  const dim = 24;
  const rand = mulberry32(11);
  const index = HnswIndex.create(dim, { m: 8, efConstruction: 40, efSearch: 20 }, 64);
  for (let i = 0; i < 200; i++) index.add(`p${i}`, randomUnitVector(dim, rand));
  index.remove('p7');
  const saved = index.save();
  const file = saved.bytes;

  it('loads back as the very same index, from its header, vectors in any order and a graph at any byte offset, with the vectors at half the bytes', async () => {
    const { graph, vectors } = splitGraphFile(file, dim);
    expect(vectors.length).toBe(200 * dim);
    expect(graph.byteLength + vectors.byteLength).toBe(file.byteLength); // the index holds binary16 already
    // The graph's header records the float32 layout artifacts have always had (readable by earlier builds); the
    // header a load starts from has the binary16 one.
    const header = new DataView(graph.buffer, graph.byteOffset, 96);
    expect(Number(header.getBigUint64(32, true) - header.getBigUint64(40, true))).toBe(dim * 4);
    expect(Buffer.from(loadHeader(graph.subarray(0, HEADER_BYTES), dim)).equals(Buffer.from(file.subarray(0, HEADER_BYTES)))).toBe(true);
    const unaligned = Buffer.alloc(graph.byteLength + 1).subarray(1); // a Buffer, whose slice() is a view
    unaligned.set(graph);
    for (const g of [graph, unaligned]) {
      const start = loadHeader(g.subarray(0, HEADER_BYTES), dim);
      const { links, upper } = graphSections(g, dim);
      const loading = HnswIndex.beginLoad(start, dim, index.params, Promise.resolve(saved.labels));
      await loading.writeVectors(vectors.subarray(120 * dim), 120);
      await loading.writeLinks(links);
      await loading.writeVectors(vectors.subarray(0, 120 * dim), 0);
      const loaded = await loading.finish(upper);
      expect(Buffer.from(loaded.save().bytes).equals(Buffer.from(file))).toBe(true);
    }
  });

  it('refuses a file of another dimension, a short header, a truncated graph and an incomplete level 0', async () => {
    const { graph, vectors } = splitGraphFile(file, dim);
    expect(() => splitGraphFile(file, dim + 1)).toThrow(/not an hnswlib index of 25-d/);
    expect(() => splitGraphFile(new Uint8Array(10), dim)).toThrow(/too short/);
    expect(() => loadHeader(graph.subarray(0, 95), dim)).toThrow(/too short/);
    expect(() => graphSections(graph.subarray(0, 500), dim)).toThrow(/truncated/);
    const loading = HnswIndex.beginLoad(loadHeader(graph, dim), dim, index.params, Promise.resolve(saved.labels));
    await loading.writeLinks(graphSections(graph, dim).links);
    await loading.writeVectors(vectors.subarray(0, 150 * dim), 0);
    await expect(loading.finish(graphSections(graph, dim).upper)).rejects.toThrow(/level 0 incomplete: 150 of 200 vectors written/);
  });
});
