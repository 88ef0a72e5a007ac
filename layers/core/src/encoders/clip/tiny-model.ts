/**
 * A tiny, randomly initialised CLIP-shaped ONNX pair, generated in code with onnx-proto. It has the interface of
 * a real OpenAI-CLIP export — vision `pixel_values` [N,3,224,224] float → `image_embeds` [N,D]; text
 * `input_ids` [N,77] int64 → `text_embeds` [N,D] — so the CLIP encoder, its tests and the evaluation harness
 * run end to end without real weights. Its vectors carry no meaning: a baseline that shows the plumbing works.
 *
 *   vision: AveragePool 28×28 (→ 3×8×8) → Flatten (192) → MatMul → image_embeds
 *   text:   Gather(token embedding 49408×16) × (id ≠ 0 padding mask) → ReduceMean over tokens → MatMul → text_embeds
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { mulberry32 } from '../../random.ts';

const { onnx } = onnxProto;

export interface TinyClipOptions {
  /** Joint embedding dimension. */
  dim?: number;
  seed?: number;
  contextLength?: number;
  vocabSize?: number;
}


function randomTensor(name: string, dims: number[], next: () => number, scale: number): Onnx.ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = (next() * 2 - 1) * scale;
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(values.buffer) };
}

function valueInfo(name: string, elemType: number, dims: Array<number | string>): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function ints(name: string, values: number[]): Onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

function int(name: string, value: number): Onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

function model(graph: Onnx.IGraphProto): Uint8Array {
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'lookbook-tiny-clip',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return onnx.ModelProto.encode(proto).finish();
}

/** The two graphs as ONNX bytes. */
export function tinyClipModels(opts: TinyClipOptions = {}): { vision: Uint8Array; text: Uint8Array; dim: number } {
  const dim = opts.dim ?? 32;
  const ctx = opts.contextLength ?? 77;
  const vocab = opts.vocabSize ?? 49408;
  const next = mulberry32(opts.seed ?? 7);
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const INT64 = onnx.TensorProto.DataType.INT64;

  const vision = model({
    name: 'tiny_clip_vision',
    input: [valueInfo('pixel_values', FLOAT, ['batch', 3, 224, 224])],
    output: [valueInfo('image_embeds', FLOAT, ['batch', dim])],
    initializer: [randomTensor('visual_proj', [192, dim], next, 0.2)],
    node: [
      { opType: 'AveragePool', input: ['pixel_values'], output: ['pooled'], attribute: [ints('kernel_shape', [28, 28]), ints('strides', [28, 28])] },
      { opType: 'Flatten', input: ['pooled'], output: ['flat'], attribute: [int('axis', 1)] },
      { opType: 'MatMul', input: ['flat', 'visual_proj'], output: ['image_embeds'] },
    ],
  });

  const width = 16;
  const text = model({
    name: 'tiny_clip_text',
    input: [valueInfo('input_ids', INT64, ['batch', ctx])],
    output: [valueInfo('text_embeds', FLOAT, ['batch', dim])],
    initializer: [
      randomTensor('token_embedding', [vocab, width], next, 1),
      randomTensor('text_proj', [width, dim], next, 0.5),
      { name: 'pad_id', dims: [], dataType: INT64, int64Data: [0] },
      { name: 'last_axis', dims: [1], dataType: INT64, int64Data: [2] },
    ],
    node: [
      { opType: 'Gather', input: ['token_embedding', 'input_ids'], output: ['tokens'], attribute: [int('axis', 0)] },
      // Zero the padding positions so that the text, not the 0-padding, decides the vector.
      { opType: 'Equal', input: ['input_ids', 'pad_id'], output: ['is_pad'] },
      { opType: 'Not', input: ['is_pad'], output: ['keep'] },
      { opType: 'Cast', input: ['keep'], output: ['keep_f'], attribute: [int('to', FLOAT)] },
      { opType: 'Unsqueeze', input: ['keep_f', 'last_axis'], output: ['mask'] },
      { opType: 'Mul', input: ['tokens', 'mask'], output: ['masked'] },
      { opType: 'ReduceMean', input: ['masked'], output: ['mean'], attribute: [ints('axes', [1]), int('keepdims', 0)] },
      { opType: 'MatMul', input: ['mean', 'text_proj'], output: ['text_embeds'] },
    ],
  });
  return { vision, text, dim };
}

/** Writes vision.onnx and text.onnx into `dir`; returns their paths. */
export function writeTinyClipModels(dir: string, opts: TinyClipOptions = {}): { visionModel: string; textModel: string; dim: number } {
  mkdirSync(dir, { recursive: true });
  const { vision, text, dim } = tinyClipModels(opts);
  const visionModel = path.join(dir, 'vision.onnx');
  const textModel = path.join(dir, 'text.onnx');
  writeFileSync(visionModel, vision);
  writeFileSync(textModel, text);
  return { visionModel, textModel, dim };
}
