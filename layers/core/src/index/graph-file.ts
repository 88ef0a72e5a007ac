/**
 * hnswlib's index file, split for storage into the graph (header, links, labels) and the vectors (binary16),
 * and written back, part by part, as the file hnswlib loads. HnswIndex keeps its vectors at half precision
 * (the patched "ip-f16" space), so the split and the write-back only move bytes, and a save → split → write →
 * load round trip gives the very same file.
 *
 * Layout (hnswalg.h saveIndex): a 96-byte header (u64 count @16, bytes per element @24, label offset @32,
 * vector offset @40, …); `count` level-0 records [links | vector | label: u64]; the upper levels' links.
 * The split graph drops the vector from each level-0 record and keeps a header in the float32 layout (vector:
 * dim × 4 bytes) that the artifact format has always recorded, so artifacts stay readable both ways across the
 * change to half-precision files; the file written back has the binary16 layout (vector: dim × 2 bytes).
 */
import { open } from 'node:fs/promises';

const HEADER = 96;
const ELEMENT_BYTES_AT = 24;
const LABEL_OFFSET_AT = 32;

interface Layout {
  count: number;
  perElement: number;
  vectorOffset: number;
  labelOffset: number;
}

/** The header's layout, checked to hold `dim` vectors of `valueBytes` each; fields are whole 2-byte words. */
function layout(bytes: Uint8Array, dim: number, valueBytes: 2 | 4): Layout {
  if (bytes.byteLength < HEADER) throw new Error(`hnswlib index too short (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER);
  const count = Number(view.getBigUint64(16, true));
  const perElement = Number(view.getBigUint64(ELEMENT_BYTES_AT, true));
  const labelOffset = Number(view.getBigUint64(LABEL_OFFSET_AT, true));
  const vectorOffset = Number(view.getBigUint64(40, true));
  if (labelOffset - vectorOffset !== dim * valueBytes || perElement < labelOffset + 8 || vectorOffset % 2 || perElement % 2)
    throw new Error(`not an hnswlib index of ${dim}-d vectors (element ${perElement} bytes, vector at ${vectorOffset}, label at ${labelOffset})`);
  return { count, perElement, vectorOffset, labelOffset };
}

/** A copy of the header with the vector field resized to `vectorBytes`. */
function resizedHeader(bytes: Uint8Array, { perElement, vectorOffset, labelOffset }: Layout, vectorBytes: number): Uint8Array {
  const header = new Uint8Array(bytes.subarray(0, HEADER)); // a copy (Buffer's slice would be a view)
  const view = new DataView(header.buffer);
  const grow = vectorBytes - (labelOffset - vectorOffset);
  view.setBigUint64(ELEMENT_BYTES_AT, BigInt(perElement + grow), true);
  view.setBigUint64(LABEL_OFFSET_AT, BigInt(labelOffset + grow), true);
  return header;
}

export function splitGraphFile(file: Uint8Array, dim: number): { graph: Uint8Array; vectors: Uint16Array } {
  const fileLayout = layout(file, dim, 2);
  const { count, perElement, vectorOffset, labelOffset } = fileLayout;
  const level0End = HEADER + count * perElement;
  if (file.byteLength < level0End) throw new Error(`hnswlib index truncated (${file.byteLength} bytes, level 0 needs ${level0End})`);
  const slim = perElement - dim * 2;
  const graph = new Uint8Array(file.byteLength - count * dim * 2);
  const vectors = new Uint16Array(count * dim);
  const vectorBytes = new Uint8Array(vectors.buffer);
  graph.set(resizedHeader(file, fileLayout, dim * 4));
  for (let i = 0; i < count; i++) {
    const src = HEADER + i * perElement;
    const dst = HEADER + i * slim;
    graph.set(file.subarray(src, src + vectorOffset), dst);
    graph.set(file.subarray(src + labelOffset, src + perElement), dst + vectorOffset);
    vectorBytes.set(file.subarray(src + vectorOffset, src + labelOffset), i * dim * 2);
  }
  graph.set(file.subarray(level0End), HEADER + count * slim);
  return { graph, vectors };
}

/**
 * Bytes per write: small enough to stay in cache (and, with up to two buffers per concurrent part, to keep the
 * fresh memory a load touches small: 4 MB chunks grew the pool to ~40 MB), big enough to keep syscalls few.
 */
const CHUNK_BYTES = 1 << 20;

export interface GraphFileWriter {
  /** Writes the level-0 records `first …` whose vectors (binary16, dim per record) are given. */
  writeRecords(vectors: Uint16Array, first: number): Promise<void>;
  /** Closes the file; refuses (after closing) when some records were never written. */
  close(): Promise<void>;
}

/**
 * Starts the hnswlib file for `graph` at `file`: header and upper levels at once, level-0 records as their vectors
 * arrive (any order, possibly concurrently), so the file is never in memory whole. Every field is a whole number
 * of 2-byte words (checked by layout()), so records are assembled on 16-bit views: links, vector and label copied
 * into chunk buffers, one filled while another is written.
 */
export async function openGraphFile(file: string, graph: Uint8Array, dim: number): Promise<GraphFileWriter> {
  const graphLayout = layout(graph, dim, 4);
  const { count, perElement: graphPerElement, vectorOffset } = graphLayout;
  const slim = graphPerElement - dim * 4;
  const perElement = slim + dim * 2;
  const slimLevel0End = HEADER + count * slim;
  if (graph.byteLength < slimLevel0End) throw new Error(`graph truncated (${graph.byteLength} bytes, level 0 needs ${slimLevel0End})`);
  // A download may start at any byte offset: 16-bit views need level 0 aligned.
  const level0 = graph.byteOffset % 2 === 0 ? graph : new Uint8Array(graph.subarray(0, slimLevel0End)); // a copy, even of a Buffer
  const src = new Uint16Array(level0.buffer, level0.byteOffset + HEADER, (count * slim) / 2);
  const linkWords = vectorOffset / 2, tailWords = (slim - vectorOffset) / 2, slimWords = slim / 2, perWords = perElement / 2;
  const perChunk = Math.max(1, Math.min(count, Math.floor(CHUNK_BYTES / perElement)));
  // Chunk buffers are shared by every call and reused once written: fresh memory costs a page fault per 4 KB
  // (microseconds each, far more on some VMs), and a new pair per call would touch as much as the file itself.
  const free: Uint16Array[] = [];
  const out = await open(file, 'w');
  let written = 0;
  try {
    await out.write(resizedHeader(graph, graphLayout, dim * 2), 0, HEADER, 0);
    const upper = graph.subarray(slimLevel0End);
    await out.write(upper, 0, upper.byteLength, HEADER + count * perElement);
  } catch (err) {
    await out.close();
    throw err;
  }
  return {
    async writeRecords(vectors, first) {
      const records = vectors.length / dim;
      if (!Number.isInteger(records) || first < 0 || first + records > count)
        throw new Error(`${vectors.length} vector values at record ${first} do not fit ${count} records of ${dim}`);
      let pending: Promise<unknown> = Promise.resolve();
      for (let done = 0; done < records; done += perChunk) {
        const n = Math.min(perChunk, records - done);
        const dst = free.pop() ?? new Uint16Array(perChunk * perWords);
        for (let i = 0, s = (first + done) * slimWords, d = 0, v = done * dim; i < n; i++, s += slimWords, d += perWords, v += dim) {
          for (let w = 0; w < linkWords; w++) dst[d + w] = src[s + w];
          dst.set(vectors.subarray(v, v + dim), d + linkWords);
          for (let w = 0; w < tailWords; w++) dst[d + linkWords + dim + w] = src[s + linkWords + w];
        }
        // One write in flight per call: this chunk's write starts once the previous one is done (and its buffer free).
        await pending;
        pending = out.write(new Uint8Array(dst.buffer, 0, n * perElement), 0, n * perElement, HEADER + (first + done) * perElement).finally(() => free.push(dst));
      }
      await pending;
      written += records;
    },
    async close() {
      await out.close();
      if (written !== count) throw new Error(`${written} of ${count} level-0 records written`);
    },
  };
}
