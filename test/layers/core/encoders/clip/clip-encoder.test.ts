import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipEncoderFromEnv, createClipEncoder, type ClipEncoder } from '#core/encoders/clip/clip-encoder';
import { tinyClipModels, writeTinyClipModels } from '#core/encoders/clip/tiny-model';
import { createEncoder } from '#core/encoders/registry';
import { ensureClipVocab } from './vocab.ts';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);
const solid = (r: number, g: number, b: number) =>
  sharp({ create: { width: 60, height: 80, channels: 3, background: { r, g, b } } }).jpeg().toBuffer();

describe('CLIP encoder on a generated CLIP-shaped ONNX pair', () => {
  let dir: string;
  let enc: ClipEncoder;
  beforeAll(async () => {
    await ensureClipVocab();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tiny-clip-'));
    const files = writeTinyClipModels(dir, { dim: 32 });
    enc = await createClipEncoder(files);
  });
  afterAll(async () => {
    await enc?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('learns the dimension from the graph and reports an id and a content version', () => {
    expect(enc.dim).toBe(32);
    expect(enc.id).toMatch(/^clip:/);
    expect(enc.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('returns unit vectors of the model dimension for text and images', async () => {
    const t = await enc.embedText('navy blue slim fit shirt');
    const i = await enc.embedImage(await solid(200, 30, 30));
    expect(t).toHaveLength(32);
    expect(i).toHaveLength(32);
    expect(dot(t, t)).toBeCloseTo(1, 5);
    expect(dot(i, i)).toBeCloseTo(1, 5);
  });

  it('is deterministic and batch-invariant', async () => {
    const img = await solid(20, 120, 200);
    const [a] = await enc.embedImages([img]);
    const [, b] = await enc.embedImages([await solid(1, 2, 3), img]);
    for (let k = 0; k < 32; k++) expect(b[k]).toBeCloseTo(a[k], 5);
    const [x, y] = await enc.embedTexts(['red dress', 'red dress']);
    expect(Array.from(x)).toEqual(Array.from(y));
    expect(Array.from(await enc.embedText('red dress'))).toEqual(Array.from(x));
  });

  it('gives different inputs different vectors', async () => {
    const [red, blue] = await enc.embedImages([await solid(220, 20, 20), await solid(20, 20, 220)]);
    expect(dot(red, blue)).toBeLessThan(0.99);
    const [a, b] = await enc.embedTexts(['red dress', 'black leather boots']);
    expect(dot(a, b)).toBeLessThan(0.99);
  });

  it('loads from bytes as well as paths, with configurable names checked against the graph', async () => {
    const { vision, text } = tinyClipModels({ dim: 8, seed: 3 });
    const small = await createClipEncoder({
      visionModel: vision,
      textModel: text,
      inputNames: { image: 'pixel_values', text: 'input_ids' },
      outputNames: { image: 'image_embeds', text: 'text_embeds' },
      version: 'v-test',
    });
    expect(small.dim).toBe(8);
    expect(small.version).toBe('v-test');
    await small.dispose();
    await expect(createClipEncoder({ visionModel: vision, textModel: text, outputNames: { text: 'pooler_output' } })).rejects.toThrow(
      /no output "pooler_output"/,
    );
  });

  it('is configured from the environment and explains what is missing', async () => {
    await expect(clipEncoderFromEnv({})).rejects.toThrow(/LOOKBOOK_CLIP_VISION/);
    const fromEnv = await clipEncoderFromEnv({
      LOOKBOOK_CLIP_VISION: path.join(dir, 'vision.onnx'),
      LOOKBOOK_CLIP_TEXT: path.join(dir, 'text.onnx'),
      LOOKBOOK_CLIP_ID: 'tiny-clip',
    });
    expect(fromEnv.id).toBe('tiny-clip');
    expect(Array.from(await fromEnv.embedText('red dress'))).toEqual(Array.from(await enc.embedText('red dress')));
    await fromEnv.dispose();
  });

  it('is what the encoder registry returns for LOOKBOOK_ENCODER=clip', async () => {
    const env = { LOOKBOOK_ENCODER: 'clip', LOOKBOOK_CLIP_VISION: path.join(dir, 'vision.onnx'), LOOKBOOK_CLIP_TEXT: path.join(dir, 'text.onnx') };
    const viaRegistry = (await createEncoder({ env })) as ClipEncoder;
    expect(viaRegistry.dim).toBe(32);
    expect(Array.from(await viaRegistry.embedText('red dress'))).toEqual(Array.from(await enc.embedText('red dress')));
    await viaRegistry.dispose();
  });

  it('rejects an image it cannot decode', async () => {
    await expect(enc.embedImage(new Uint8Array([1, 2, 3]))).rejects.toThrow();
  });
});
