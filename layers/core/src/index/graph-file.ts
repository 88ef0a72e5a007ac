/**
 * hnswlib's index file, split for storage into the graph (header, links, labels) and the vectors (binary16),
 * and written back, part by part, as the file hnswlib loads. Vectors are ~92% of the file at 422 dimensions, so
 * storing them at half precision nearly halves the artifact and the cold start's download; HnswIndex rounds
 * vectors to half precision when they are added, so a save → split → write → load round trip is exact.
 *
 * Layout (hnswalg.h saveIndex): a 96-byte header (u64 count @16, bytes per element @24, label offset @32,
 * vector offset @40, …); `count` level-0 records [links | vector: dim × f32 | label: u64]; the upper levels' links.
 * The split graph keeps the header as it was and drops the vector from each level-0 record.
 */
import { open } from 'node:fs/promises';
import { halfBits, halfToFloatBits } from './half.ts';

const HEADER = 96;

interface Layout {
  count: number;
  perElement: number;
  vectorOffset: number;
  labelOffset: number;
}

function layout(bytes: Uint8Array, dim: number): Layout {
  if (bytes.byteLength < HEADER) throw new Error(`hnswlib index too short (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER);
  const count = Number(view.getBigUint64(16, true));
  const perElement = Number(view.getBigUint64(24, true));
  const labelOffset = Number(view.getBigUint64(32, true));
  const vectorOffset = Number(view.getBigUint64(40, true));
  // Links and vectors are 4-byte words in every hnswlib build; openGraphFile relies on it for its word views.
  if (labelOffset - vectorOffset !== dim * 4 || perElement < labelOffset + 8 || vectorOffset % 4 || perElement % 4)
    throw new Error(`not an hnswlib index of ${dim}-d vectors (element ${perElement} bytes, vector at ${vectorOffset}, label at ${labelOffset})`);
  return { count, perElement, vectorOffset, labelOffset };
}

export function splitGraphFile(file: Uint8Array, dim: number): { graph: Uint8Array; vectors: Uint16Array } {
  const { count, perElement, vectorOffset, labelOffset } = layout(file, dim);
  const level0End = HEADER + count * perElement;
  if (file.byteLength < level0End) throw new Error(`hnswlib index truncated (${file.byteLength} bytes, level 0 needs ${level0End})`);
  const slim = perElement - dim * 4;
  const graph = new Uint8Array(file.byteLength - count * dim * 4);
  const vectors = new Uint16Array(count * dim);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  graph.set(file.subarray(0, HEADER));
  for (let i = 0; i < count; i++) {
    const src = HEADER + i * perElement;
    const dst = HEADER + i * slim;
    graph.set(file.subarray(src, src + vectorOffset), dst);
    graph.set(file.subarray(src + labelOffset, src + perElement), dst + vectorOffset);
    for (let d = 0; d < dim; d++) vectors[i * dim + d] = halfBits(view.getFloat32(src + vectorOffset + 4 * d, true));
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
  /** Decodes and writes the level-0 records `first …` whose vectors (binary16, dim per record) are given. */
  writeRecords(vectors: Uint16Array, first: number): Promise<void>;
  /** Closes the file; refuses (after closing) when some records were never written. */
  close(): Promise<void>;
}

/**
 * Starts the hnswlib file for `graph` at `file`: header and upper levels at once, level-0 records as their vectors
 * arrive (any order, possibly concurrently), so the ~80 MB file is never in memory whole. Every field is a whole
 * number of 4-byte words (checked by layout()), so records are assembled on word views: links and labels
 * copied, vectors decoded straight to float32 bit patterns into chunk buffers, one decoded while another is
 * written.
 */
export async function openGraphFile(file: string, graph: Uint8Array, dim: number): Promise<GraphFileWriter> {
  const { count, perElement, vectorOffset, labelOffset } = layout(graph, dim);
  const slim = perElement - dim * 4;
  const slimLevel0End = HEADER + count * slim;
  if (graph.byteLength < slimLevel0End) throw new Error(`graph truncated (${graph.byteLength} bytes, level 0 needs ${slimLevel0End})`);
  // A download may start at any byte offset: word views need level 0 aligned.
  const level0 = graph.byteOffset % 4 === 0 ? graph : graph.slice(0, slimLevel0End);
  const src = new Uint32Array(level0.buffer, level0.byteOffset + HEADER, (count * slim) / 4);
  const bits = halfToFloatBits();
  const linkWords = vectorOffset / 4, tailWords = (perElement - labelOffset) / 4, slimWords = slim / 4, perWords = perElement / 4;
  const perChunk = Math.max(1, Math.min(count, Math.floor(CHUNK_BYTES / perElement)));
  // Chunk buffers are shared by every call and reused once written: fresh memory costs a page fault per 4 KB
  // (microseconds each, far more on some VMs), and a new pair per call would touch as much as the file itself.
  const free: Uint32Array[] = [];
  const out = await open(file, 'w');
  let written = 0;
  try {
    await out.write(graph.subarray(0, HEADER), 0, HEADER, 0);
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
        const dst = free.pop() ?? new Uint32Array(perChunk * perWords);
        for (let i = 0, s = (first + done) * slimWords, d = 0, v = done * dim; i < n; i++, s += slimWords, d += perWords) {
          for (let w = 0; w < linkWords; w++) dst[d + w] = src[s + w];
          const at = d + linkWords;
          for (let k = 0; k < dim; k++) dst[at + k] = bits[vectors[v++]];
          for (let w = 0; w < tailWords; w++) dst[at + dim + w] = src[s + linkWords + w];
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
