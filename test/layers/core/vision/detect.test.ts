import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { modelFile } from '#core/model-files';
import { openSession } from '#core/adapters/onnx/session';
import { checkImage } from '#core/vision/image-check';
import { chooseCrop, createYoloxDetector, decodeYolox, letterbox, nms, type Detection } from '#core/vision/detect';
import { garment, hasHires, MODEL_SHOT, PRODUCT_SHOT, readHires } from './images.ts';

const ROWS = 52 * 52 + 26 * 26 + 13 * 13; // 3549

describe('YOLOX decoding', () => {
  it('decodes a grid cell: centre (x + gx)·stride, size exp(w)·stride, score objectness × class', () => {
    const out = new Float32Array(ROWS * 85);
    // Stride-16 grid starts after the 52×52 stride-8 rows; cell (gx 5, gy 3).
    const row = 52 * 52 + 3 * 26 + 5;
    const o = row * 85;
    out.set([0.5, 0.25, Math.log(4), Math.log(8), 0.9], o);
    out[o + 5 + 0] = 0.8; // person
    const [d] = decodeYolox(out, 80);
    expect(d.label).toBe('person');
    expect(d.score).toBeCloseTo(0.72, 5);
    expect(d.box.width).toBeCloseTo(64, 4);
    expect(d.box.height).toBeCloseTo(128, 4);
    expect(d.box.x + d.box.width / 2).toBeCloseTo((5 + 0.5) * 16, 4);
    expect(d.box.y + d.box.height / 2).toBeCloseTo((3 + 0.25) * 16, 4);
    expect(() => decodeYolox(new Float32Array(100 * 85), 80)).toThrow(/expected 3549/);
  });

  it('letterboxes at the top-left with 114 padding, BGR order', () => {
    const img = { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 0, 0, 255]) }; // red, blue
    const { tensor, ratio } = letterbox(img);
    expect(ratio).toBe(208);
    const plane = 416 * 416;
    expect([tensor[0], tensor[plane], tensor[2 * plane]]).toEqual([0, 0, 255]); // red pixel as B,G,R
    expect(tensor[415]).toBe(255); // blue pixel's B at the right edge
    expect(tensor[416 * 300]).toBe(114); // padding below the image
  });

  it('suppresses overlapping boxes of one class only', () => {
    const d = (classId: number, score: number, x: number): Detection => ({ label: String(classId), classId, score, box: { x, y: 0, width: 100, height: 100 } });
    const kept = nms([d(0, 0.9, 0), d(0, 0.8, 5), d(1, 0.7, 5), d(0, 0.6, 300)]);
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.7, 0.6]);
  });

  it('crops the largest confident person with margin, else keeps the whole image', () => {
    const person = (score: number, w: number, h: number): Detection => ({ label: 'person', classId: 0, score, box: { x: 100, y: 50, width: w, height: h } });
    const crop = chooseCrop([person(0.9, 100, 200), person(0.8, 200, 300), person(0.2, 400, 400)], 600, 800);
    expect(crop.kind).toBe('person');
    expect(crop.detection?.box.width).toBe(200);
    expect(crop.box.x).toBeCloseTo(100 - 200 * 0.08);
    expect(chooseCrop([person(0.9, 20, 20)], 600, 800).kind).toBe('whole'); // too small to be the subject
    expect(chooseCrop([], 600, 800)).toEqual({ kind: 'whole', box: { x: 0, y: 0, width: 600, height: 800 } });
  });
});

describe.skipIf(!fs.existsSync(modelFile('yolox_nano.onnx')))('YOLOX-nano on images', () => {
  it('finds the person in a model shot and nobody in a generated product shot', async () => {
    const detector = createYoloxDetector(await openSession(modelFile('yolox_nano.onnx')));
    const product = await checkImage(await garment('#2050c0'));
    expect((await detector.detect(product.rgb)).filter((d) => d.label === 'person' && d.score > 0.45)).toHaveLength(0);
    if (!hasHires()) return;
    const shot = await checkImage(readHires(MODEL_SHOT));
    const people = (await detector.detect(shot.rgb)).filter((d) => d.label === 'person');
    expect(people[0]?.score).toBeGreaterThan(0.5);
    expect(chooseCrop(people, shot.rgb.width, shot.rgb.height).kind).toBe('person');
    const flat = await checkImage(readHires(PRODUCT_SHOT));
    expect(chooseCrop(await detector.detect(flat.rgb), flat.rgb.width, flat.rgb.height).kind).toBe('whole');
  });
});
