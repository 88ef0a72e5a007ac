/** Encoder timings: text encode, and image encode = decode + resize + model, on the demo's high-resolution images. */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Encoder } from '#core';
import { repoRoot } from '#core/model-files';
import { timeEach, type Timing } from './synthetic.ts';

export function hiresImages(n: number): Buffer[] {
  const dirs = [
    path.join(repoRoot, 'models/.cache/datasets/fashion-product-images/images-hires'),
    path.join(repoRoot, '../shared/datasets/fashion-product-images/images-hires'),
  ];
  const dir = dirs.find((d) => existsSync(d));
  if (!dir) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort();
  const step = Math.max(1, Math.floor(files.length / n));
  return files
    .filter((_, i) => i % step === 0)
    .slice(0, n)
    .map((f) => readFileSync(path.join(dir, f)));
}

/** The deployment's encoder (registry), or a labelled stand-in when the registry is not there. */
export async function benchEncoder(): Promise<{ encoder: Encoder; label: string }> {
  try {
    const { createEncoder } = await import('#core/encoders/registry');
    const encoder = await createEncoder();
    return { encoder, label: `${encoder.id} ${encoder.version}` };
  } catch (err) {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { writeTinyClipModels } = await import('#core/encoders/clip/tiny-model');
    const { createClipEncoder } = await import('#core/encoders/clip/clip-encoder');
    const m = writeTinyClipModels(mkdtempSync(path.join(tmpdir(), 'bench-clip-')), { dim: 256 });
    const encoder = await createClipEncoder({ visionModel: m.visionModel, textModel: m.textModel, id: 'tiny-clip-standin' });
    // The search function in the e2e run picks the same stand-in up from the environment.
    Object.assign(process.env, { LOOKBOOK_ENCODER: 'clip', LOOKBOOK_CLIP_VISION: m.visionModel, LOOKBOOK_CLIP_TEXT: m.textModel, LOOKBOOK_CLIP_ID: 'tiny-clip-standin' });
    return { encoder, label: `tiny CLIP stand-in (registry unavailable: ${(err as Error).message.split('\n')[0].slice(0, 80)})` };
  }
}

export async function benchEncode(encoder: Encoder, texts: string[], images: Buffer[]): Promise<{ text: Timing; image: Timing }> {
  const text = await timeEach(texts, (t) => encoder.embedText(t));
  const image = await timeEach(images, (b) => encoder.embedImage(b), 3);
  return { text, image };
}
