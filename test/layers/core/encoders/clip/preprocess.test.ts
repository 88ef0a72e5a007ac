import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CLIP_MEAN, CLIP_STD, clipPixelBatch, clipPixels, resizeDims } from '#core/encoders/clip/preprocess';

const plane = 224 * 224;
const norm = (v: number, c: number) => (v / 255 - CLIP_MEAN[c]) / CLIP_STD[c];

describe('CLIP preprocessing', () => {
  it('resizes the shortest side to 224 and truncates the long side like torchvision', () => {
    expect(resizeDims(60, 80, 224)).toEqual({ width: 224, height: 298 }); // 224*80/60 = 298.67
    expect(resizeDims(1200, 900, 224)).toEqual({ width: 298, height: 224 });
    expect(resizeDims(100, 100, 224)).toEqual({ width: 224, height: 224 });
  });

  it('normalises a flat colour with the CLIP mean and std, NCHW', async () => {
    const img = await sharp({ create: { width: 60, height: 80, channels: 3, background: { r: 255, g: 128, b: 0 } } }).png().toBuffer();
    const px = await clipPixels(img);
    expect(px).toHaveLength(3 * plane);
    for (const i of [0, 1000, plane - 1]) {
      expect(px[i]).toBeCloseTo(norm(255, 0), 4);
      expect(px[plane + i]).toBeCloseTo(norm(128, 1), 4);
      expect(px[2 * plane + i]).toBeCloseTo(norm(0, 2), 4);
    }
  });

  it('centre-crops the long side: top and bottom bands of a tall image are cut off', async () => {
    // 100×200: black top quarter, white middle, black bottom quarter. Resized to 224×448, the centre 224 rows are
    // exactly the white middle half.
    const w = 100, h = 200;
    const raw = Buffer.alloc(w * h * 3, 0);
    for (let y = 50; y < 150; y++) raw.fill(255, y * w * 3, (y + 1) * w * 3);
    const img = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
    const px = await clipPixels(img);
    const red = (x: number, y: number) => px[y * 224 + x];
    expect(red(112, 5)).toBeCloseTo(norm(255, 0), 1);
    expect(red(112, 112)).toBeCloseTo(norm(255, 0), 4);
    expect(red(112, 218)).toBeCloseTo(norm(255, 0), 1);
  });

  it('turns greyscale and RGBA into three channels', async () => {
    const grey = await sharp({ create: { width: 50, height: 50, channels: 3, background: { r: 90, g: 90, b: 90 } } }).greyscale().png().toBuffer();
    const rgba = await sharp({ create: { width: 50, height: 50, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
    const g = await clipPixels(grey);
    expect(g[0]).toBeCloseTo(norm(90, 0), 4);
    expect(g[2 * plane]).toBeCloseTo(norm(90, 2), 4);
    const a = await clipPixels(rgba);
    expect(a[2 * plane + 7]).toBeCloseTo(norm(30, 2), 1); // alpha is dropped; premultiplied resize may move it one level
  });

  it('stacks a batch as [N, 3, 224, 224]', async () => {
    const one = await sharp({ create: { width: 30, height: 40, channels: 3, background: '#102030' } }).jpeg().toBuffer();
    const batch = await clipPixelBatch([one, one]);
    expect(batch.dims).toEqual([2, 3, 224, 224]);
    expect(batch.data.slice(0, 3 * plane)).toEqual(batch.data.slice(3 * plane));
  });

  it('rejects bytes that are not an image', async () => {
    await expect(clipPixels(new TextEncoder().encode('not an image'))).rejects.toThrow();
  });
});
