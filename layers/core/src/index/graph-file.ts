/**
 * hnswlib's saved index, split for storage into the graph (header, links, labels) and the vectors (binary16);
 * a load puts them back together in the index's memory (HnswIndex.beginLoad) from the parts given here. HnswIndex
 * keeps its vectors at half precision (the patched "ip-f16" space), so the split and the load only move bytes, and
 * a save → split → load round trip gives the very same index.
 *
 * Layout (hnswalg.h saveIndex): a 96-byte header (u64 count @16, bytes per element @24, label offset @32,
 * vector offset @40, …); `count` level-0 records [links | vector | label: u64]; the upper levels' links.
 * The split graph drops the vector from each level-0 record and keeps a header in the float32 layout (vector:
 * dim × 4 bytes) that the artifact format has always recorded, so artifacts stay readable both ways across the
 * change to half-precision indexes; the assembled index has the binary16 layout (vector: dim × 2 bytes).
 */
/** hnswlib's header: what a load needs first. */
export const HEADER_BYTES = 96;
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
  if (bytes.byteLength < HEADER_BYTES) throw new Error(`hnswlib index too short (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
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
  const header = new Uint8Array(bytes.subarray(0, HEADER_BYTES)); // a copy (Buffer's slice would be a view)
  const view = new DataView(header.buffer);
  const grow = vectorBytes - (labelOffset - vectorOffset);
  view.setBigUint64(ELEMENT_BYTES_AT, BigInt(perElement + grow), true);
  view.setBigUint64(LABEL_OFFSET_AT, BigInt(labelOffset + grow), true);
  return header;
}

export function splitGraphFile(file: Uint8Array, dim: number): { graph: Uint8Array; vectors: Uint16Array } {
  const fileLayout = layout(file, dim, 2);
  const { count, perElement, vectorOffset, labelOffset } = fileLayout;
  const level0End = HEADER_BYTES + count * perElement;
  if (file.byteLength < level0End) throw new Error(`hnswlib index truncated (${file.byteLength} bytes, level 0 needs ${level0End})`);
  const slim = perElement - dim * 2;
  const graph = new Uint8Array(file.byteLength - count * dim * 2);
  const vectors = new Uint16Array(count * dim);
  const vectorBytes = new Uint8Array(vectors.buffer);
  graph.set(resizedHeader(file, fileLayout, dim * 4));
  for (let i = 0; i < count; i++) {
    const src = HEADER_BYTES + i * perElement;
    const dst = HEADER_BYTES + i * slim;
    graph.set(file.subarray(src, src + vectorOffset), dst);
    graph.set(file.subarray(src + labelOffset, src + perElement), dst + vectorOffset);
    vectorBytes.set(file.subarray(src + vectorOffset, src + labelOffset), i * dim * 2);
  }
  graph.set(file.subarray(level0End), HEADER_BYTES + count * slim);
  return { graph, vectors };
}

/**
 * What a load starts from: hnswlib's header in the binary16 layout, made from the graph's (which keeps the float32
 * layout). Only the graph's first HEADER_BYTES are needed, so a load can start as they arrive.
 */
export function loadHeader(graphHeader: Uint8Array, dim: number): Uint8Array {
  return resizedHeader(graphHeader, layout(graphHeader, dim, 4), dim * 2);
}

/** The graph's two sections: level 0 without its vectors (every record's links and label) and the upper levels' links. */
export function graphSections(graph: Uint8Array, dim: number): { links: Uint8Array; upper: Uint8Array } {
  const { count, perElement } = layout(graph, dim, 4);
  const level0End = HEADER_BYTES + count * (perElement - dim * 4);
  if (graph.byteLength < level0End) throw new Error(`graph truncated (${graph.byteLength} bytes, level 0 needs ${level0End})`);
  return { links: graph.subarray(HEADER_BYTES, level0End), upper: graph.subarray(level0End) };
}
