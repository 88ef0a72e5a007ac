/**
 * Exports the trained towers to ONNX (operators onnxruntime-node runs on any CPU):
 *   text.onnx   ids [n] int64, weights [n,1] float → embedding [1, dim] (unit)
 *               Gather → Mul → ReduceSum → Add → L2-normalise
 *   image.onnx  mobilenet [N,1280], colour [N,C] → embedding [N, dim] (unit) and one softmax output per
 *               attribute head ([N, K], label order in the card)
 *               Concat → (x−μ)·(1/σ) → Clip ±8 → Gemm → Relu → Gemm → L2-normalise; heads: Gemm → Slice → Softmax
 * With label blocks (models/training/hybrid.ts) both embeddings become normalise([base·u, wₕ·√pₕ …]): images use
 * their head probabilities, texts the query-label heads' probabilities without the "not named" class.
 */
import { GraphBuilder, DataType } from './onnx-graph.ts';

export interface TextTowerWeights {
  vocab: number;
  dim: number;
  E: Float32Array; // vocab × dim
  bt: Float32Array;
}

export interface ImageTowerWeights {
  mobilenetDim: number;
  colourDim: number;
  hidden: number;
  dim: number;
  mean: Float32Array;
  invStd: Float32Array;
  W1: Float32Array; b1: Float32Array;
  W2: Float32Array; b2: Float32Array;
  Wa: Float32Array; ba: Float32Array;
  heads: { name: string; labels: string[]; offset: number }[];
}

export const CLIP_RANGE = 8;

export interface LabelBlocks {
  base: number;
  /** In order; each names an image head (same label list as the text head). */
  heads: { name: string; weight: number }[];
}

export interface TextQueryHeads {
  Wq: Float32Array; // dim × Q
  bq: Float32Array; // Q
  /** Segment of each head in the Q logits: labels.length + 1 ("not named" last). */
  heads: { name: string; offset: number; labels: string[] }[];
}

/** normalise(concat(base·u, wₕ·blockₕ …)) as the output `embedding`. */
function concatBlocks(g: GraphBuilder, u: string, blocks: { name: string; weight: number; tensor: string }[], base: number): string {
  const parts = [g.op('Mul', [u, g.init(`w_base`, [base], [])])];
  for (const b of blocks) parts.push(g.op('Mul', [b.tensor, g.init(`w_${b.name}`, [b.weight], [])]));
  return g.l2normalize(g.op('Concat', parts, { axis: 1 }), 'embedding');
}

export function exportTextTower(w: TextTowerWeights, meta: Record<string, string> = {}, blocks?: LabelBlocks, query?: TextQueryHeads): Uint8Array {
  const g = new GraphBuilder('lookbook_text_tower');
  g.input('ids', ['n'], DataType.INT64);
  g.input('weights', ['n', 1]);
  const E = g.init('E', w.E, [w.vocab, w.dim]);
  const rows = g.op('Gather', [E, 'ids'], { axis: 0 });
  const weighted = g.op('Mul', [rows, 'weights']);
  const sum = g.op('ReduceSum', [weighted, g.initInt64('axes0', [0])], { keepdims: 1 });
  const r = g.op('Add', [sum, g.init('bt', w.bt, [w.dim])]);
  if (!blocks || !query) {
    g.l2normalize(r, 'embedding');
    g.output('embedding', [1, w.dim]);
    return g.toBytes(meta);
  }
  const u = g.l2normalize(r);
  const Q = query.bq.length;
  const logits = g.op('Gemm', [u, g.init('Wq', query.Wq, [w.dim, Q]), g.init('bq', query.bq, [Q])]);
  const axes = g.initInt64('axes1', [1]);
  const parts = blocks.heads.map((b) => {
    const h = query.heads.find((x) => x.name === b.name);
    if (!h) throw new Error(`no text head ${b.name}`);
    const K = h.labels.length;
    const seg = g.op('Slice', [logits, g.initInt64(`${b.name}_q0`, [h.offset]), g.initInt64(`${b.name}_q1`, [h.offset + K + 1]), axes]);
    const named = g.op('Slice', [g.op('Softmax', [seg], { axis: 1 }), g.initInt64(`${b.name}_n0`, [0]), g.initInt64(`${b.name}_n1`, [K]), axes]);
    return { name: b.name, weight: b.weight, tensor: g.op('Sqrt', [named]) };
  });
  concatBlocks(g, u, parts, blocks.base);
  g.output('embedding', [1, w.dim + blocks.heads.reduce((a, b) => a + query.heads.find((x) => x.name === b.name)!.labels.length, 0)]);
  return g.toBytes(meta);
}

export function exportImageTower(w: ImageTowerWeights, meta: Record<string, string> = {}, blocks?: LabelBlocks): Uint8Array {
  const g = new GraphBuilder('lookbook_image_tower');
  const inDim = w.mobilenetDim + w.colourDim;
  g.input('mobilenet', ['N', w.mobilenetDim]);
  g.input('colour', ['N', w.colourDim]);
  const x0 = g.op('Concat', ['mobilenet', 'colour'], { axis: 1 });
  const x1 = g.op('Mul', [g.op('Sub', [x0, g.init('mean', w.mean, [inDim])]), g.init('invStd', w.invStd, [inDim])]);
  const x = g.op('Clip', [x1, g.init('clipMin', [-CLIP_RANGE], []), g.init('clipMax', [CLIP_RANGE], [])]);
  const h = g.op('Relu', [g.op('Gemm', [x, g.init('W1', w.W1, [inDim, w.hidden]), g.init('b1', w.b1, [w.hidden])])]);
  const r = g.op('Gemm', [h, g.init('W2', w.W2, [w.hidden, w.dim]), g.init('b2', w.b2, [w.dim])]);
  const u = blocks ? g.l2normalize(r) : g.l2normalize(r, 'embedding');
  const A = w.ba.length;
  const logits = g.op('Gemm', [h, g.init('Wa', w.Wa, [w.hidden, A]), g.init('ba', w.ba, [A])]);
  const axes = g.initInt64('axes1', [1]);
  for (const head of w.heads) {
    const K = head.labels.length;
    const seg = g.op('Slice', [logits, g.initInt64(`${head.name}_start`, [head.offset]), g.initInt64(`${head.name}_end`, [head.offset + K]), axes]);
    g.op('Softmax', [seg], { axis: 1 }, head.name);
    g.output(head.name, ['N', K]);
  }
  if (blocks) {
    const parts = blocks.heads.map((b) => ({ name: b.name, weight: b.weight, tensor: g.op('Sqrt', [b.name]) }));
    concatBlocks(g, u, parts, blocks.base);
  }
  const extra = blocks ? blocks.heads.reduce((a, b) => a + w.heads.find((x) => x.name === b.name)!.labels.length, 0) : 0;
  g.outputs.unshift(GraphBuilder.valueInfo('embedding', DataType.FLOAT, ['N', w.dim + extra]));
  return g.toBytes(meta);
}
