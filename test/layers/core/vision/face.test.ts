import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { checkImage } from '#core/vision/image-check';
import { CAVEAT, classifyFaceShape, measureFace } from '#core/vision/face-advice';
import { createHaarFaceAnalyser, haarDir } from '#core/vision/face';
import { garment, hasHires, MODEL_SHOT, readHires } from './images.ts';

describe('face shape rules', () => {
  it('maps measurements to shapes', () => {
    expect(classifyFaceShape({ lengthToWidth: 1.7, jawToCheek: 0.8, foreheadToCheek: 0.9 })).toBe('oblong');
    expect(classifyFaceShape({ lengthToWidth: 1.1, jawToCheek: 0.8, foreheadToCheek: 0.9 })).toBe('round');
    expect(classifyFaceShape({ lengthToWidth: 1.1, jawToCheek: 0.95, foreheadToCheek: 0.9 })).toBe('square');
    expect(classifyFaceShape({ lengthToWidth: 1.35, jawToCheek: 0.7, foreheadToCheek: 1 })).toBe('heart');
    expect(classifyFaceShape({ lengthToWidth: 1.35, jawToCheek: 0.75, foreheadToCheek: 0.75 })).toBe('diamond');
    expect(classifyFaceShape({ lengthToWidth: 1.35, jawToCheek: 0.85, foreheadToCheek: 0.9 })).toBe('oval');
  });

  it('measures an elliptical skin blob as longer than wide', () => {
    // An ellipse 60 wide, 90 tall centred at (50, 60); the "Haar box" covers its middle.
    const skin = (x: number, y: number) => ((x - 50) / 30) ** 2 + ((y - 60) / 45) ** 2 <= 1;
    const m = measureFace({ x: 20, y: 30, width: 60, height: 60 }, 100, 140, skin)!;
    // The true ratio is 1.5; the scan stops where the blob narrows (as a chin meets the neck), so it reads ~1.25.
    expect(m.lengthToWidth).toBeGreaterThan(1.15);
    expect(m.lengthToWidth).toBeLessThan(1.5);
    expect(m.jawToCheek).toBeLessThan(0.9);
  });
});

describe.skipIf(!fs.existsSync(path.join(haarDir(), 'haarcascade_frontalface_default.xml')))('Haar face analyser (opencv.js)', () => {
  it('finds no face on a garment and one on a model shot, with suggestions and the caveat', async () => {
    const analyser = await createHaarFaceAnalyser();
    const none = await analyser.analyse((await checkImage(await garment())).rgb);
    expect(none).toMatchObject({ detected: false, confidence: 'none', necklines: [] });
    if (!hasHires()) return;
    const img = await checkImage(readHires(MODEL_SHOT), { limits: { workingSide: 480 } });
    const advice = await analyser.analyse(img.rgb, img.width / img.rgb.width);
    expect(advice.detected).toBe(true);
    expect(advice.shape).toBeDefined();
    expect(advice.necklines.length).toBeGreaterThan(0);
    expect(advice.accessories.length).toBeGreaterThan(0);
    expect(advice.caveat).toBe(CAVEAT);
    // A box in original pixels, in the upper part of the photo; no pixels are returned.
    expect(advice.box!.y).toBeLessThan(img.height / 2);
    expect(JSON.stringify(advice)).not.toMatch(/data|base64/);
  });
});
