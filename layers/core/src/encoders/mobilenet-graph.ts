/**
 * The MobileNetV2 feature graph: the upstream int8 classifier with its pooled 1280-d feature exposed as an
 * extra output. The pooled tensor `464_quantized` is int8; a DequantizeLinear over it (with its scale and
 * zero point) and a Flatten give `feature` [batch, 1280] float. Written once to models/.cache (git-ignored)
 * and reused, so a fresh clone needs no manual step beyond `npm run models:fetch`.
 */
import fs from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import { modelFile } from '../model-files.ts';

const { onnx } = onnxProto;

export const MOBILENET_SOURCE = 'mobilenetv2-12-int8.onnx';
export const MOBILENET_FEATURE_FILE = 'mobilenetv2-12-int8-feature.onnx';
export const MOBILENET_FEATURE_OUTPUT = 'feature';
export const MOBILENET_FEATURE_DIM = 1280;

/** Adds the dequantised, flattened pooled feature as graph output `feature`; returns the new model bytes. */
export function addFeatureOutput(modelBytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(modelBytes);
  const graph = model.graph;
  if (!graph?.node || !graph.output) throw new Error('mobilenet model has no graph');
  if (graph.output.some((o) => o.name === MOBILENET_FEATURE_OUTPUT)) return modelBytes;
  if (!graph.node.some((n) => n.output?.includes('464_quantized'))) throw new Error('mobilenet graph has no 464_quantized tensor');
  graph.node.push(
    onnx.NodeProto.create({
      name: 'feature_dequantize',
      opType: 'DequantizeLinear',
      input: ['464_quantized', '464_scale', '464_zero_point'],
      output: ['feature_4d'],
    }),
    onnx.NodeProto.create({
      name: 'feature_flatten',
      opType: 'Flatten',
      input: ['feature_4d'],
      output: [MOBILENET_FEATURE_OUTPUT],
      attribute: [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 })],
    }),
  );
  graph.output.push(
    onnx.ValueInfoProto.create({
      name: MOBILENET_FEATURE_OUTPUT,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: [{ dimParam: 'batch_size' }, { dimValue: MOBILENET_FEATURE_DIM }] },
        },
      },
    }),
  );
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Path of the feature graph, building it from the upstream file on first use (atomic rename, so concurrent
 * workers never read a half-written file).
 */
export function mobilenetFeatureModel(env: Record<string, string | undefined> = process.env): string {
  const out = path.join(featureCacheDir(env), MOBILENET_FEATURE_FILE);
  if (fs.existsSync(out)) return out;
  const src = modelFile(MOBILENET_SOURCE, env);
  if (!fs.existsSync(src)) throw new Error(`missing ${src}: run \`npm run models:fetch\` first`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, addFeatureOutput(fs.readFileSync(src)));
  fs.renameSync(tmp, out);
  return out;
}

/** Derived graphs sit beside the upstream ones when that folder is writable, else in the OS temp dir (Lambda). */
function featureCacheDir(env: Record<string, string | undefined>): string {
  const dir = path.dirname(modelFile(MOBILENET_SOURCE, env));
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    return dir;
  } catch {
    return path.join(env.TMPDIR ?? '/tmp', 'lookbook-models');
  }
}
