import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import onnxProto from 'onnx-proto';
import { modelFile } from '#core/model-files';
import { addFeatureOutput, MOBILENET_FEATURE_DIM, MOBILENET_SOURCE, mobilenetFeatureModel } from '#core/encoders/mobilenet-graph';
import { createImageFeaturizer, COLOUR_DIM, type ImageFeaturizer } from '#core/encoders/image-features';
import { decodeRgb, modelCanvas, thumbnail } from '#core/encoders/image-decode';
import { fetchArtifacts } from '../../../../models/artifacts.ts';

let featurizer: ImageFeaturizer;

beforeAll(async () => {
  if (!fs.existsSync(modelFile(MOBILENET_SOURCE))) await fetchArtifacts({ only: ['mobilenetv2-12-int8'] });
  featurizer = await createImageFeaturizer();
});
afterAll(() => featurizer?.close());

const png = (w: number, h: number, rgb: [number, number, number]) =>
  sharp({ create: { width: w, height: h, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .extend({ top: 20, bottom: 20, left: 20, right: 20, background: '#ffffff' })
    .png()
    .toBuffer();

describe('MobileNetV2 feature graph', () => {
  it('adds a dequantised 1280-d `feature` output to the upstream graph', () => {
    const model = onnxProto.onnx.ModelProto.decode(fs.readFileSync(mobilenetFeatureModel()));
    const out = model.graph!.output!.map((o) => o.name);
    expect(out).toContain('feature');
    expect(model.graph!.node!.some((n) => n.opType === 'DequantizeLinear' && n.input![0] === '464_quantized')).toBe(true);
    // Idempotent: adding twice changes nothing.
    const once = fs.readFileSync(mobilenetFeatureModel());
    expect(Buffer.from(addFeatureOutput(once)).equals(once)).toBe(true);
  });

  it('gives 1280 + colour features for an encoded image, deterministically', async () => {
    const img = await png(40, 60, [180, 30, 40]);
    const a = await featurizer.features(img);
    const b = await featurizer.features(img);
    expect(a.mobilenet).toHaveLength(MOBILENET_FEATURE_DIM);
    expect(a.colour).toHaveLength(COLOUR_DIM);
    expect(Array.from(a.mobilenet).every(Number.isFinite)).toBe(true);
    expect(Math.max(...a.mobilenet)).toBeGreaterThan(0);
    expect(Array.from(a.mobilenet)).toEqual(Array.from(b.mobilenet));
    const blue = await featurizer.features(await png(40, 60, [30, 40, 180]));
    expect(Array.from(blue.colour)).not.toEqual(Array.from(a.colour));
  });

  it('keeps the aspect on a white 224×224 canvas and refuses non-images', async () => {
    const rgb = await decodeRgb(await png(40, 160, [0, 0, 0]));
    const canvas = await modelCanvas(rgb);
    expect([canvas.width, canvas.height]).toEqual([224, 224]);
    expect(Array.from(canvas.data.subarray(0, 3))).toEqual([255, 255, 255]); // left edge is padding
    const mid = (112 * 224 + 112) * 3;
    expect(canvas.data[mid]).toBeLessThan(30); // the black garment stays in the middle
    await expect(featurizer.features(new TextEncoder().encode('not an image'))).rejects.toThrow();
  });

  it('sees a photo as the catalog would list it: a 60×80 JPEG (quality 75) thumbnail; thumbnails pass through', async () => {
    // A striped, two-colour "garment" on white, 600×800.
    const stripes = Buffer.alloc(400 * 600 * 3);
    for (let y = 0; y < 600; y++) for (let x = 0; x < 400; x++) stripes.set(Math.floor(y / 40) % 2 ? [200, 40, 60] : [30, 60, 150], (y * 400 + x) * 3);
    const photo = await sharp(stripes, { raw: { width: 400, height: 600, channels: 3 } }).extend({ top: 100, bottom: 100, left: 100, right: 100, background: '#ffffff' }).jpeg({ quality: 95 }).toBuffer();
    const small = await thumbnail(await decodeRgb(photo, 160));
    expect([small.width, small.height]).toEqual([60, 80]);
    expect(await thumbnail(small)).toBe(small);
    // Its catalog listing, made the way the catalog's thumbnails were.
    const listed = await sharp(photo).resize({ width: 80, height: 80, fit: 'inside' }).jpeg({ quality: 75 }).toBuffer();
    const [a, b] = [await featurizer.features(photo), await featurizer.features(listed)];
    const cos = (u: Float32Array, v: Float32Array) => u.reduce((s, x, i) => s + x * v[i], 0) / Math.hypot(...u) / Math.hypot(...v);
    // .978 / .981 here; without the JPEG step (quality 100) .958 / .966.
    expect(cos(a.mobilenet, b.mobilenet)).toBeGreaterThan(0.97);
    expect(cos(a.colour, b.colour)).toBeGreaterThan(0.975);
  });
});
