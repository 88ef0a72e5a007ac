import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openGraphFile, splitGraphFile } from '#core/index/graph-file';
import { HnswIndex } from '#core/index/hnsw';
import { randomUnitVector } from '#core/index/vectors';
import { mulberry32 } from '#core/random';

describe('hnswlib file split into graph + binary16 vectors', () => {
  const dim = 24;
  const rand = mulberry32(11);
  const index = HnswIndex.create(dim, { m: 8, efConstruction: 40, efSearch: 20 }, 64);
  for (let i = 0; i < 200; i++) index.add(`p${i}`, randomUnitVector(dim, rand));
  index.remove('p7');
  const file = index.save().bytes;
  const dir = mkdtempSync(path.join(tmpdir(), 'graph-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes back the very same file from parts in any order, from a graph at any byte offset, with the vectors at half the bytes', async () => {
    const { graph, vectors } = splitGraphFile(file, dim);
    expect(vectors.length).toBe(200 * dim);
    expect(graph.byteLength + vectors.byteLength).toBe(file.byteLength); // the index holds binary16 already
    // The graph's header records the float32 layout artifacts have always had (readable by earlier builds).
    const header = new DataView(graph.buffer, graph.byteOffset, 96);
    expect(Number(header.getBigUint64(32, true) - header.getBigUint64(40, true))).toBe(dim * 4);
    expect(Number(new DataView(file.buffer, file.byteOffset, 96).getBigUint64(32, true) - header.getBigUint64(40, true))).toBe(dim * 2);
    const unaligned = Buffer.alloc(graph.byteLength + 1).subarray(1); // a Buffer, whose slice() is a view
    unaligned.set(graph);
    const out = path.join(dir, 'index.bin');
    for (const g of [graph, unaligned]) {
      const writer = await openGraphFile(out, g, dim);
      await Promise.all([writer.writeRecords(vectors.subarray(120 * dim), 120), writer.writeRecords(vectors.subarray(0, 120 * dim), 0)]);
      await writer.close();
      expect(readFileSync(out).equals(Buffer.from(file))).toBe(true);
    }
  });

  it('refuses a file of another dimension, a truncated graph and a short vector array', async () => {
    const { graph, vectors } = splitGraphFile(file, dim);
    const out = path.join(dir, 'refused.bin');
    expect(() => splitGraphFile(file, dim + 1)).toThrow(/not an hnswlib index of 25-d/);
    expect(() => splitGraphFile(new Uint8Array(10), dim)).toThrow(/too short/);
    await expect(openGraphFile(out, graph.subarray(0, 500), dim)).rejects.toThrow(/truncated/);
    const writer = await openGraphFile(out, graph, dim);
    await expect(writer.writeRecords(vectors.subarray(1), 0)).rejects.toThrow(/do not fit/);
    await expect(writer.writeRecords(vectors.subarray(0, dim * 2), 199)).rejects.toThrow(/do not fit/);
    await writer.writeRecords(vectors.subarray(0, dim * 150), 0);
    await expect(writer.close()).rejects.toThrow(/150 of 200 level-0 records/);
  });
});
