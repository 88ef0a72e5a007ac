import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { colourDescriptor, COLOUR_DIM, garmentMask, rgbToLab } from '#core/encoders/colour';
import { thumbnail, decodeRgb, type RgbImage } from '#core/encoders/image-decode';

/** A w×h white canvas with a filled rectangle of `rgb` in the middle (a product shot in miniature). */
function square(rgb: [number, number, number], w = 60, h = 80, margin = 15): RgbImage {
  const data = new Uint8Array(w * h * 3).fill(255);
  for (let y = margin; y < h - margin; y++)
    for (let x = margin; x < w - margin; x++) data.set(rgb, (y * w + x) * 3);
  return { data, width: w, height: h };
}

const dist = (a: Float32Array, b: Float32Array) => Math.hypot(...Array.from(a, (v, i) => v - b[i]));

describe('garment colour descriptor', () => {
  it('masks the white border and keeps the garment', () => {
    const img = square([200, 20, 30]);
    const { mask, share, failed } = garmentMask(img);
    expect(failed).toBe(false);
    expect(share).toBeCloseTo((30 * 50) / (60 * 80), 2);
    expect(mask[0]).toBe(0); // corner: background
    expect(mask[40 * 60 + 30]).toBe(1); // centre: garment
  });

  it('puts a red and a blue garment in different bins, and ignores the background', () => {
    const red = colourDescriptor(square([200, 20, 30]));
    const blue = colourDescriptor(square([20, 40, 190]));
    const redSmallerOnMoreWhite = colourDescriptor(square([200, 20, 30], 60, 80, 25));
    expect(red).toHaveLength(COLOUR_DIM);
    const active = (d: Float32Array) => new Set(Array.from(d.subarray(0, 314).keys()).filter((i) => d[i] > 0.05));
    const shared = [...active(red)].filter((i) => active(blue).has(i));
    expect(shared).toEqual([]);
    // Same garment colour, more background: the histograms stay (almost) the same; only the share moves.
    expect(dist(red.subarray(0, 320), redSmallerOnMoreWhite.subarray(0, 320))).toBeLessThan(0.05);
    expect(dist(red, blue)).toBeGreaterThan(1);
    // Lab mean of the red garment is red (a* strongly positive), not washed out by the white border.
    const labRed = rgbToLab(200, 20, 30);
    expect(red[314 + 1] * 100).toBeCloseTo(labRed[1], 0);
  });

  it('reads a JPEG through sharp the same way (decode → colour copy)', async () => {
    const raw = square([20, 40, 190], 120, 160, 30);
    const jpeg = await sharp(raw.data, { raw: { width: 120, height: 160, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    const rgb = await thumbnail(await decodeRgb(jpeg));
    expect(rgb.width).toBe(60);
    expect(rgb.height).toBe(80);
    const d = colourDescriptor(rgb);
    // JPEG blurs the edges a little: still far nearer the blue garment than the red one.
    const toBlue = dist(d, colourDescriptor(square([20, 40, 190])));
    expect(toBlue).toBeLessThan(dist(d, colourDescriptor(square([200, 20, 30]))) / 3);
  });
});
