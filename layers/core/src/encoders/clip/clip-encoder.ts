/**
 * The CLIP encoder: any OpenAI-CLIP-compatible ONNX export (separate vision and text graphs) behind the
 * `Encoder` port. A pipeline of CLIP preprocessing / BPE tokenisation → session → L2 normalisation.
 *
 * Defaults match the HF/optimum export of CLIPVisionModelWithProjection / CLIPTextModelWithProjection:
 * vision `pixel_values` → `image_embeds`, text `input_ids` (+ `attention_mask` if the graph asks) → `text_embeds`.
 * Other exports (open_clip, Marqo) name their tensors differently: pass `inputNames` / `outputNames`.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Encoder } from '../../ports.ts';
import { openSession, type ModelSession } from '../../adapters/onnx/session.ts';
import { loadClipTokenizer, type ClipTokenizer } from './tokenizer.ts';
import { clipPixelBatch, type ClipPreprocessOptions } from './preprocess.ts';

export interface ClipEncoderOptions {
  /** Path to (or bytes of) the vision graph. */
  visionModel: string | Uint8Array;
  /** Path to (or bytes of) the text graph. */
  textModel: string | Uint8Array;
  /** BPE vocabulary file; default modelFile('clip-bpe-vocab-16e6.txt.gz'). */
  vocabPath?: string;
  inputNames?: { image?: string; text?: string; attentionMask?: string };
  outputNames?: { image?: string; text?: string };
  /** Model id and version recorded in index manifests; version defaults to a hash of the two graphs. */
  id?: string;
  version?: string;
  contextLength?: number;
  preprocess?: ClipPreprocessOptions;
  /** Images per session run in embedImages. */
  batchSize?: number;
}

export interface ClipEncoder extends Encoder {
  embedTexts(texts: readonly string[]): Promise<Float32Array[]>;
  embedImages(images: readonly Uint8Array[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** Scales each row to unit length (a zero row stays zero). */
export function l2NormaliseRows(data: Float32Array, rows: number, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const v = data.slice(r * dim, (r + 1) * dim);
    let s = 0;
    for (let i = 0; i < dim; i++) s += v[i] * v[i];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let i = 0; i < dim; i++) v[i] *= inv;
    out.push(v);
  }
  return out;
}

async function hashModels(models: Array<string | Uint8Array>): Promise<string> {
  const h = createHash('sha256');
  for (const m of models) {
    if (typeof m !== 'string') h.update(m);
    else for await (const chunk of createReadStream(m)) h.update(chunk as Buffer);
  }
  return h.digest('hex').slice(0, 12);
}

/** Picks the configured output, or the graph's only output when the default name is absent. */
function pickOutput(session: ModelSession, wanted: string | undefined, fallback: string, which: string): string {
  if (wanted) {
    if (!session.outputNames.includes(wanted)) throw new Error(`CLIP ${which} graph has no output "${wanted}" (has ${session.outputNames.join(', ')})`);
    return wanted;
  }
  if (session.outputNames.includes(fallback)) return fallback;
  if (session.outputNames.length === 1) return session.outputNames[0];
  throw new Error(`CLIP ${which} graph: set outputNames.${which} (outputs: ${session.outputNames.join(', ')})`);
}

function pickInput(session: ModelSession, wanted: string | undefined, fallback: string, which: string): string {
  const name = wanted ?? (session.inputNames.includes(fallback) ? fallback : session.inputNames.length === 1 ? session.inputNames[0] : fallback);
  if (!session.inputNames.includes(name)) throw new Error(`CLIP ${which} graph has no input "${name}" (has ${session.inputNames.join(', ')})`);
  return name;
}

export async function createClipEncoder(opts: ClipEncoderOptions): Promise<ClipEncoder> {
  const tokenizer: ClipTokenizer = loadClipTokenizer(opts.vocabPath);
  const [vision, text] = await Promise.all([openSession(opts.visionModel), openSession(opts.textModel)]);
  const imageIn = pickInput(vision, opts.inputNames?.image, 'pixel_values', 'image');
  const textIn = pickInput(text, opts.inputNames?.text, 'input_ids', 'text');
  const maskName = opts.inputNames?.attentionMask ?? 'attention_mask';
  const needsMask = text.inputNames.includes(maskName);
  const imageOut = pickOutput(vision, opts.outputNames?.image, 'image_embeds', 'image');
  const textOut = pickOutput(text, opts.outputNames?.text, 'text_embeds', 'text');
  const ctx = opts.contextLength ?? 77;
  const batchSize = opts.batchSize ?? 16;

  async function runText(texts: readonly string[]): Promise<{ data: Float32Array; dims: readonly number[] }> {
    const ids = tokenizer.tokenize(texts, { contextLength: ctx, truncate: true });
    const feeds: Parameters<ModelSession['run']>[0] = { [textIn]: { data: ids.data, dims: ids.dims } };
    if (needsMask) {
      const mask = new BigInt64Array(ids.data.length);
      ids.lengths.forEach((len, row) => mask.fill(1n, row * ctx, row * ctx + len));
      feeds[maskName] = { data: mask, dims: ids.dims };
    }
    return (await text.run(feeds, [textOut]))[textOut];
  }

  // Learn the dimension from the graph itself, and check that both towers agree.
  const probe = await runText(['']);
  if (probe.dims.length !== 2) throw new Error(`CLIP text output "${textOut}" has shape [${probe.dims.join(', ')}], expected [N, D]`);
  const dim = probe.dims[1];

  async function embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const out = await runText(texts);
    return l2NormaliseRows(out.data, texts.length, dim);
  }

  async function embedImages(images: readonly Uint8Array[]): Promise<Float32Array[]> {
    const result: Float32Array[] = [];
    for (let i = 0; i < images.length; i += batchSize) {
      const chunk = images.slice(i, i + batchSize);
      const pixels = await clipPixelBatch(chunk, opts.preprocess);
      const out = (await vision.run({ [imageIn]: pixels }, [imageOut]))[imageOut];
      if (out.dims.length !== 2 || out.dims[1] !== dim) {
        throw new Error(`CLIP image output "${imageOut}" has shape [${out.dims.join(', ')}], expected [N, ${dim}] like the text tower`);
      }
      result.push(...l2NormaliseRows(out.data, chunk.length, dim));
    }
    return result;
  }

  const version = opts.version ?? (await hashModels([opts.visionModel, opts.textModel]));
  const id = opts.id ?? (typeof opts.visionModel === 'string' ? `clip:${path.basename(path.dirname(path.resolve(opts.visionModel)))}` : 'clip');

  return {
    id,
    version,
    dim,
    embedTexts,
    embedImages,
    async embedText(t) {
      return (await embedTexts([t]))[0];
    },
    async embedImage(image) {
      return (await embedImages([image]))[0];
    },
    async dispose() {
      await Promise.all([vision.dispose(), text.dispose()]);
    },
  };
}

/**
 * The CLIP encoder from the environment: LOOKBOOK_CLIP_VISION and LOOKBOOK_CLIP_TEXT (paths to the two graphs),
 * optional LOOKBOOK_CLIP_ID, and LOOKBOOK_CLIP_NAMES = "pixel_values,input_ids,image_embeds,text_embeds" for
 * exports that name their tensors differently. Selected by LOOKBOOK_ENCODER=clip (encoders/registry.ts).
 */
export async function clipEncoderFromEnv(env: Record<string, string | undefined> = process.env): Promise<ClipEncoder> {
  const visionModel = env.LOOKBOOK_CLIP_VISION;
  const textModel = env.LOOKBOOK_CLIP_TEXT;
  if (!visionModel || !textModel) throw new Error('LOOKBOOK_ENCODER=clip needs LOOKBOOK_CLIP_VISION and LOOKBOOK_CLIP_TEXT (paths to the ONNX graphs)');
  const [imageIn, textIn, imageOut, textOut] = (env.LOOKBOOK_CLIP_NAMES ?? '').split(',').map((s) => s.trim() || undefined);
  return createClipEncoder({
    visionModel,
    textModel,
    id: env.LOOKBOOK_CLIP_ID,
    inputNames: { image: imageIn, text: textIn },
    outputNames: { image: imageOut, text: textOut },
  });
}
