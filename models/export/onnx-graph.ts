/**
 * A small ONNX graph builder over onnx-proto: enough for the trained towers (Gather, Mul, ReduceSum, Gemm,
 * Relu, Softmax, LpNormalization …) and for the training kernels (a lone Gemm). Opset 13.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export const OPSET = 13;
type Attr = number | number[] | string;

export class GraphBuilder {
  readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  readonly inits: InstanceType<typeof onnx.TensorProto>[] = [];
  readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private n = 0;

  constructor(readonly name: string) {}

  /** A graph input or output; dims are numbers or symbolic names. */
  static valueInfo(name: string, elemType: number, dims: (number | string)[]) {
    return onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
    });
  }

  input(name: string, dims: (number | string)[], elemType: number = onnx.TensorProto.DataType.FLOAT): string {
    this.inputs.push(GraphBuilder.valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, dims: (number | string)[], elemType: number = onnx.TensorProto.DataType.FLOAT): string {
    this.outputs.push(GraphBuilder.valueInfo(name, elemType, dims));
    return name;
  }

  /** A float32 constant (weights). */
  init(name: string, data: Float32Array | number[], dims: number[]): string {
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    if (arr.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`initializer ${name}: ${arr.length} values for dims ${dims}`);
    this.inits.push(
      onnx.TensorProto.create({ name, dataType: onnx.TensorProto.DataType.FLOAT, dims, rawData: new Uint8Array(arr.buffer.slice(arr.byteOffset, arr.byteOffset + arr.byteLength)) }),
    );
    return name;
  }

  /** An int64 constant (shapes, axes). */
  initInt64(name: string, data: number[], dims: number[] = [data.length]): string {
    const buf = new BigInt64Array(data.map((d) => BigInt(d)));
    this.inits.push(onnx.TensorProto.create({ name, dataType: onnx.TensorProto.DataType.INT64, dims, rawData: new Uint8Array(buf.buffer) }));
    return name;
  }

  /** Adds a node; returns its (first) output name. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, output?: string): string {
    const out = output ?? `${opType.toLowerCase()}_${this.n++}`;
    const attribute = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) });
      if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
      if (Number.isInteger(v)) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: v });
      return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v });
    });
    this.nodes.push(onnx.NodeProto.create({ name: out, opType, input: inputs, output: [out], attribute }));
    return out;
  }

  /** x / max(‖x‖₂, eps) along the last axis (eps keeps an all-zero row finite). */
  l2normalize(x: string, output?: string): string {
    const norm = this.op('ReduceL2', [x], { axes: [-1], keepdims: 1 });
    const eps = this.init(`eps_${this.n++}`, [1e-12], []);
    return this.op('Div', [x, this.op('Max', [norm, eps])], {}, output);
  }

  toBytes(meta: Record<string, string> = {}): Uint8Array {
    const graph = onnx.GraphProto.create({ name: this.name, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs });
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: 'lookbook',
      opsetImport: [{ domain: '', version: OPSET }],
      graph,
      metadataProps: Object.entries(meta).map(([key, value]) => onnx.StringStringEntryProto.create({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

export const DataType = onnx.TensorProto.DataType;
