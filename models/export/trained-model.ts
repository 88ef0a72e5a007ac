/**
 * Exports the trained towers to ONNX (operators onnxruntime-node runs on any CPU):
 *   text.onnx   ids [n] int64, weights [n,1] float → embedding [1, dim] (unit)
 *               Gather → Mul → ReduceSum → Add → L2-normalise
 *   image.onnx  mobilenet [N,1280], colour [N,C] → embedding [N, dim] (unit) and one softmax output per
 *               attribute head ([N, K], label order in the card)
 *               Concat → (x−μ)·(1/σ) → Clip ±8 → Gemm → Relu → Gemm → L2-normalise; heads: Gemm → Slice → Softmax
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

export function exportTextTower(w: TextTowerWeights, meta: Record<string, string> = {}): Uint8Array {
  const g = new GraphBuilder('lookbook_text_tower');
  g.input('ids', ['n'], DataType.INT64);
  g.input('weights', ['n', 1]);
  const E = g.init('E', w.E, [w.vocab, w.dim]);
  const rows = g.op('Gather', [E, 'ids'], { axis: 0 });
  const weighted = g.op('Mul', [rows, 'weights']);
  const sum = g.op('ReduceSum', [weighted, g.initInt64('axes0', [0])], { keepdims: 1 });
  const r = g.op('Add', [sum, g.init('bt', w.bt, [w.dim])]);
  g.l2normalize(r, 'embedding');
  g.output('embedding', [1, w.dim]);
  return g.toBytes(meta);
}

export function exportImageTower(w: ImageTowerWeights, meta: Record<string, string> = {}): Uint8Array {
  const g = new GraphBuilder('lookbook_image_tower');
  const inDim = w.mobilenetDim + w.colourDim;
  g.input('mobilenet', ['N', w.mobilenetDim]);
  g.input('colour', ['N', w.colourDim]);
  const x0 = g.op('Concat', ['mobilenet', 'colour'], { axis: 1 });
  const x1 = g.op('Mul', [g.op('Sub', [x0, g.init('mean', w.mean, [inDim])]), g.init('invStd', w.invStd, [inDim])]);
  const x = g.op('Clip', [x1, g.init('clipMin', [-CLIP_RANGE], []), g.init('clipMax', [CLIP_RANGE], [])]);
  const h = g.op('Relu', [g.op('Gemm', [x, g.init('W1', w.W1, [inDim, w.hidden]), g.init('b1', w.b1, [w.hidden])])]);
  const r = g.op('Gemm', [h, g.init('W2', w.W2, [w.hidden, w.dim]), g.init('b2', w.b2, [w.dim])]);
  g.l2normalize(r, 'embedding');
  g.output('embedding', ['N', w.dim]);
  const A = w.ba.length;
  const logits = g.op('Gemm', [h, g.init('Wa', w.Wa, [w.hidden, A]), g.init('ba', w.ba, [A])]);
  const axes = g.initInt64('axes1', [1]);
  for (const head of w.heads) {
    const K = head.labels.length;
    const seg = g.op('Slice', [logits, g.initInt64(`${head.name}_start`, [head.offset]), g.initInt64(`${head.name}_end`, [head.offset + K]), axes]);
    g.op('Softmax', [seg], { axis: 1 }, head.name);
    g.output(head.name, ['N', K]);
  }
  return g.toBytes(meta);
}
