/**
 * ImageNet-label zero-shot baseline: what the pretrained MobileNetV2 knows without any training here.
 *  - image → the softmax over its 1000 ImageNet classes (computed from the cached pooled feature with the model's
 *    own classifier weights, dequantised — the same logits as the int8 graph up to rounding);
 *  - text → the ImageNet classes that share a word with it ("jeans" → "jean, blue jean, denim", "watches" →
 *    "digital watch"), plural -s/-es stripped, hyphens joined ("T-shirt" → "tshirt"). Colour, gender and filler
 *    words are ignored: ImageNet has no colour classes, and "black" would otherwise match "black swan".
 *    A text that matches no class gets a zero vector (its ranking is arbitrary: gallery order).
 */
import fs from 'node:fs';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { openSession } from '../../../layers/core/src/adapters/onnx/session.ts';
import { modelFile } from '../../../layers/core/src/model-files.ts';
import { featureRow } from '../../training/feature-cache.ts';
import type { EvalData, EvalSystem, ImageSet } from '../types.ts';
import { featureTables } from './feature-tables.ts';

const { onnx } = onnxProto;
const CLASSES = 1000;
const FEATURE = 1280;

function tensorValues(t: Onnx.ITensorProto): Float32Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const raw = t.rawData;
  if (!raw || raw.length === 0) {
    // Small tensors (scales, zero points) are stored in the typed fields rather than raw bytes.
    return Float32Array.from(t.dataType === FLOAT ? t.floatData ?? [] : t.int32Data ?? []);
  }
  const bytes = Uint8Array.from(raw); // copy: aligned for the Float32Array view
  if (t.dataType === FLOAT) return new Float32Array(bytes.buffer);
  const signed = t.dataType === onnx.TensorProto.DataType.INT8;
  return Float32Array.from(bytes, (b) => (signed ? (b << 24) >> 24 : b));
}

/** W [1280, 1000] and b [1000] dequantised from the int8 classifier (QLinearMatMul + QLinearAdd). */
export function imagenetClassifier(modelPath = modelFile('mobilenetv2-12-int8.onnx')): { weight: Float32Array; bias: Float32Array } {
  const g = onnx.ModelProto.decode(fs.readFileSync(modelPath)).graph!;
  const init = new Map((g.initializer ?? []).map((t) => [t.name!, t]));
  const get = (name: string) => {
    const t = init.get(name);
    if (!t) throw new Error(`mobilenet has no initializer ${name}`);
    return tensorValues(t);
  };
  const wq = get('classifier.1.weight_quantized');
  const ws = get('classifier.1.weight_scale');
  const wz = get('classifier.1.weight_zero_point');
  const weight = new Float32Array(FEATURE * CLASSES);
  for (let i = 0; i < FEATURE; i++) for (let j = 0; j < CLASSES; j++) weight[i * CLASSES + j] = (wq[i * CLASSES + j] - wz[j]) * ws[j];
  const bq = get('classifier.1.bias_quantized');
  const [bs] = get('classifier.1.bias_scale');
  const [bz] = get('classifier.1.bias_zero_point');
  const bias = Float32Array.from(bq, (v) => (v - bz) * bs);
  return { weight, bias };
}

/** A float ONNX head: feature [N,1280] → softmax(feature·W + b) [N,1000]. Run by onnxruntime (MLAS) for speed. */
function headModel(weight: Float32Array, bias: Float32Array): Uint8Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const info = (name: string, dims: Array<number | string>) => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'imagenet_head',
        input: [info('feature', ['n', FEATURE])],
        output: [info('probs', ['n', CLASSES])],
        initializer: [
          { name: 'W', dims: [FEATURE, CLASSES], dataType: FLOAT, rawData: new Uint8Array(weight.buffer) },
          { name: 'b', dims: [CLASSES], dataType: FLOAT, rawData: new Uint8Array(bias.buffer) },
        ],
        node: [
          { opType: 'MatMul', input: ['feature', 'W'], output: ['mm'] },
          { opType: 'Add', input: ['mm', 'b'], output: ['logits'] },
          { opType: 'Softmax', input: ['logits'], output: ['probs'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
        ],
      },
    }),
  ).finish();
}

const IGNORE = new Set(['and', 'with', 'for', 'the', 'of', 'in', 'on', 'men', 'women', 'boys', 'girls', 'boy', 'girl', 'unisex', 'kids', 'set', 'pack']);

export function words(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().replace(/-/g, '').split(/[^a-z]+/)) {
    if (raw.length < 2) continue;
    const w = /(ses|xes|ches|shes)$/.test(raw) ? raw.slice(0, -2) : raw.length > 3 && raw.endsWith('s') && !raw.endsWith('ss') ? raw.slice(0, -1) : raw;
    out.push(w);
  }
  return out;
}

export async function createImagenetZeroShotSystem(data: EvalData): Promise<EvalSystem> {
  const labels = JSON.parse(fs.readFileSync(modelFile('imagenet-labels.json'), 'utf8')) as string[];
  const colourWords = new Set(data.products.flatMap((p) => words(p.baseColour)));
  const classWords = labels.map((l) => new Set(words(l)));
  const { weight, bias } = imagenetClassifier();
  const session = await openSession(headModel(weight, bias));
  const table = featureTables();


  return {
    id: 'imagenet-zero-shot',
    label: 'ImageNet-label zero-shot',
    dim: CLASSES,
    note: 'MobileNetV2 ImageNet softmax for images; texts → ImageNet classes sharing a garment word (colour/gender words ignored).',
    async embedImages(set, ids, progress) {
      const { table: t, row } = await table(set);
      const out: Float32Array[] = [];
      const B = 512;
      for (let i = 0; i < ids.length; i += B) {
        const chunk = ids.slice(i, i + B);
        const feats = new Float32Array(chunk.length * FEATURE);
        chunk.forEach((id, k) => {
          const r = row.get(id);
          if (r !== undefined) feats.set(featureRow(t, r).mobilenet, k * FEATURE);
        });
        const probs = (await session.run({ feature: { data: feats, dims: [chunk.length, FEATURE] } }, ['probs'])).probs.data;
        chunk.forEach((id, k) => {
          const v = probs.slice(k * CLASSES, (k + 1) * CLASSES);
          if (!row.has(id)) return out.push(new Float32Array(CLASSES));
          let s = 0;
          for (let j = 0; j < CLASSES; j++) s += v[j] * v[j];
          const inv = 1 / Math.sqrt(s);
          for (let j = 0; j < CLASSES; j++) v[j] *= inv;
          out.push(v);
        });
        progress?.(Math.min(ids.length, i + B));
      }
      return out;
    },
    async embedTexts(texts) {
      return texts.map((text) => {
        const ws = words(text).filter((w) => !IGNORE.has(w) && !colourWords.has(w));
        const v = new Float32Array(CLASSES);
        let n = 0;
        classWords.forEach((cw, c) => {
          if (ws.some((w) => cw.has(w))) {
            v[c] = 1;
            n++;
          }
        });
        if (n) for (let c = 0; c < CLASSES; c++) v[c] /= Math.sqrt(n);
        return v;
      });
    },
    close: () => session.dispose(),
  };
}
