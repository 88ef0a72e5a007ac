/**
 * The CLIP path: the CLIP ONNX encoder (layers/core/src/encoders/clip) over image bytes. With the generated tiny
 * CLIP-shaped model it shows that the harness runs the CLIP pipeline end to end (random weights, chance-level
 * numbers); with LOOKBOOK_CLIP_VISION / LOOKBOOK_CLIP_TEXT set it evaluates a real export (FashionCLIP, …).
 */
import os from 'node:os';
import path from 'node:path';
import { createClipEncoder, type ClipEncoder, type ClipEncoderOptions } from '../../../layers/core/src/encoders/clip/clip-encoder.ts';
import { writeTinyClipModels } from '../../../layers/core/src/encoders/clip/tiny-model.ts';
import { CLIP_PREPROCESS_VERSION } from '../../../layers/core/src/encoders/clip/preprocess.ts';
import type { EvalData, EvalSystem } from '../types.ts';

/** Images embedded concurrently: sharp decodes on its own thread pool, so both cores stay busy. */
const CONCURRENCY = 8;

export async function createClipSystem(
  data: EvalData,
  opts: { id: string; label: string; note: string; encoder: ClipEncoderOptions; maxGallery?: number },
): Promise<EvalSystem> {
  const enc: ClipEncoder = await createClipEncoder(opts.encoder);
  return {
    id: opts.id,
    label: opts.label,
    dim: enc.dim,
    note: opts.note,
    cacheKey: `${opts.id}-${enc.version}-${CLIP_PREPROCESS_VERSION}`,
    maxGallery: opts.maxGallery,
    async embedImages(set, ids, progress) {
      const out = new Array<Float32Array>(ids.length);
      let done = 0;
      let nextIndex = 0;
      const worker = async () => {
        while (nextIndex < ids.length) {
          const i = nextIndex++;
          try {
            out[i] = await enc.embedImage(await data.readImage(set, ids[i]));
          } catch {
            out[i] = new Float32Array(enc.dim); // undecodable image: a zero row never ranks above real matches
          }
          if (++done % 256 === 0) progress?.(done);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      progress?.(ids.length);
      return out;
    },
    embedTexts: (texts) => enc.embedTexts(texts),
    close: () => enc.dispose(),
  };
}

/** The generated tiny CLIP-shaped model (written to the OS temp dir). */
export function createTinyClipSystem(data: EvalData): Promise<EvalSystem> {
  const files = writeTinyClipModels(path.join(os.tmpdir(), 'lookbook-tiny-clip'), { dim: 32, seed: 7 });
  return createClipSystem(data, {
    id: 'clip-tiny',
    label: 'CLIP path (tiny test model)',
    note: 'the CLIP ONNX encoder (BPE tokenizer, CLIP preprocessing) on a generated random CLIP-shaped model: proves the pipeline, not quality.',
    encoder: { ...files, version: 'tiny-d32-s7' },
    maxGallery: 10_000,
  });
}

/** A real CLIP export from LOOKBOOK_CLIP_VISION / LOOKBOOK_CLIP_TEXT, when a deployment provides one. */
export function createEnvClipSystem(data: EvalData, env = process.env): Promise<EvalSystem> | undefined {
  if (!env.LOOKBOOK_CLIP_VISION || !env.LOOKBOOK_CLIP_TEXT) return undefined;
  return createClipSystem(data, {
    id: 'clip',
    label: env.LOOKBOOK_CLIP_ID ?? 'CLIP (env)',
    note: `CLIP export from ${env.LOOKBOOK_CLIP_VISION}.`,
    encoder: { visionModel: env.LOOKBOOK_CLIP_VISION, textModel: env.LOOKBOOK_CLIP_TEXT, id: env.LOOKBOOK_CLIP_ID },
  });
}
