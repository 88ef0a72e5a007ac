/**
 * The one place that touches onnxruntime-node: create a session, run it, dispose it.
 * Every encoder, detector and head goes through here, so thread settings and tensor plumbing live in one file.
 */
import * as ort from 'onnxruntime-node';

export interface SessionOpts {
  /**
   * Threads inside one operator. Default 1: on a small shared CPU, two single-threaded processes beat one
   * two-threaded one (measured ~330 vs ~200 MobileNet images/s on 2 cores), and Lambda scales by instances.
   */
  intraOpThreads?: number;
}

export type FeedValue = { data: Float32Array | BigInt64Array | Int32Array; dims: readonly number[] };

export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Run with named float/int tensors; returns the requested (default: all) outputs as flat arrays with dims. */
  run(feeds: Record<string, FeedValue>, outputs?: readonly string[]): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>>;
  dispose(): Promise<void>;
}

function toTensor(v: FeedValue): ort.Tensor {
  if (v.data instanceof Float32Array) return new ort.Tensor('float32', v.data, v.dims);
  if (v.data instanceof BigInt64Array) return new ort.Tensor('int64', v.data, v.dims);
  return new ort.Tensor('int32', v.data, v.dims);
}

/** Opens an ONNX model from a file path or bytes. */
export async function openSession(model: string | Uint8Array, opts: SessionOpts = {}): Promise<ModelSession> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  };
  const session =
    typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, outputs) {
      const input: Record<string, ort.Tensor> = {};
      for (const [name, v] of Object.entries(feeds)) input[name] = toTensor(v);
      const result = outputs ? await session.run(input, outputs as string[]) : await session.run(input);
      const out: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
      for (const [name, t] of Object.entries(result)) {
        const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>, Number);
        out[name] = { data, dims: t.dims };
      }
      return out;
    },
    async dispose() {
      await session.release();
    },
  };
}
