/**
 * Stage 2: find people with YOLOX-nano (COCO). COCO has no garment classes, so the detector's job is to decide
 * between "a person wearing it" (crop the largest person, with margin) and "a product shot" (use the whole image).
 * Pre/post-processing follows Megvii's reference demo: letterbox to 416 at the top-left, pad 114, BGR 0–255,
 * no normalisation; the raw [1, 3549, 85] grid is decoded with strides 8/16/32 and per-class NMS.
 */
import type { Box, RgbImage } from './image-check.ts';
import { COCO_LABELS } from './coco-labels.ts';

export interface Detection {
  label: string;
  classId: number;
  /** objectness × class probability */
  score: number;
  /** In pixels of the image passed to detect(). */
  box: Box;
}

export interface Detector {
  readonly id: string;
  readonly version: string;
  detect(img: RgbImage): Promise<Detection[]>;
}

/** The minimal session surface the detector needs (the shared ONNX adapter's ModelSession satisfies it). */
export interface DetectorSession {
  readonly inputNames: readonly string[];
  run(
    feeds: Record<string, { data: Float32Array; dims: readonly number[] }>,
  ): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>>;
}

export const YOLOX_SIZE = 416;
const STRIDES = [8, 16, 32];
const PAD = 114;

export interface Letterbox {
  tensor: Float32Array;
  /** model px = image px × ratio */
  ratio: number;
}

/** Nearest-neighbour letterbox straight into the CHW BGR tensor (one pass, no intermediate image). */
export function letterbox(img: RgbImage, size = YOLOX_SIZE): Letterbox {
  const ratio = Math.min(size / img.width, size / img.height);
  const w = Math.round(img.width * ratio);
  const h = Math.round(img.height * ratio);
  const plane = size * size;
  const tensor = new Float32Array(3 * plane).fill(PAD);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(img.height - 1, Math.floor((y + 0.5) / ratio));
    for (let x = 0; x < w; x++) {
      const sx = Math.min(img.width - 1, Math.floor((x + 0.5) / ratio));
      const s = (sy * img.width + sx) * 3;
      const d = y * size + x;
      tensor[d] = img.data[s + 2]; // B
      tensor[plane + d] = img.data[s + 1]; // G
      tensor[2 * plane + d] = img.data[s]; // R
    }
  }
  return { tensor, ratio };
}

/** Decodes the raw grid: centre (x + gx)·s, size exp(w)·s; score = objectness × best class probability. */
export function decodeYolox(out: Float32Array, numClasses: number, size = YOLOX_SIZE, minScore = 0.25): Detection[] {
  const stride = 5 + numClasses;
  const dets: Detection[] = [];
  let row = 0;
  for (const s of STRIDES) {
    const g = Math.floor(size / s);
    for (let gy = 0; gy < g; gy++) {
      for (let gx = 0; gx < g; gx++, row++) {
        const o = row * stride;
        const obj = out[o + 4];
        if (obj < minScore) continue;
        let best = 0;
        let cls = 0;
        for (let c = 0; c < numClasses; c++) {
          const p = out[o + 5 + c];
          if (p > best) {
            best = p;
            cls = c;
          }
        }
        const score = obj * best;
        if (score < minScore) continue;
        const cx = (out[o] + gx) * s;
        const cy = (out[o + 1] + gy) * s;
        const w = Math.exp(out[o + 2]) * s;
        const h = Math.exp(out[o + 3]) * s;
        dets.push({ label: COCO_LABELS[cls] ?? `class-${cls}`, classId: cls, score, box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h } });
      }
    }
  }
  if (row * stride !== out.length) throw new Error(`YOLOX output has ${out.length / stride} rows; expected ${row} for ${size}px`);
  return dets;
}

export function iou(a: Box, b: Box): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy per-class non-maximum suppression. */
export function nms(dets: Detection[], iouThreshold = 0.45): Detection[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.every((k) => k.classId !== d.classId || iou(k.box, d.box) < iouThreshold)) kept.push(d);
  }
  return kept;
}

export interface YoloxOptions {
  minScore?: number;
  iouThreshold?: number;
  version?: string;
}

export function createYoloxDetector(session: DetectorSession, opts: YoloxOptions = {}): Detector {
  const input = session.inputNames[0] ?? 'images';
  return {
    id: 'yolox-nano',
    version: opts.version ?? 'megvii-0.1.1rc0',
    async detect(img) {
      const { tensor, ratio } = letterbox(img);
      const out = await session.run({ [input]: { data: tensor, dims: [1, 3, YOLOX_SIZE, YOLOX_SIZE] } });
      const first = Object.values(out)[0];
      const numClasses = (first.dims[2] ?? 85) - 5;
      const dets = nms(decodeYolox(first.data, numClasses, YOLOX_SIZE, opts.minScore ?? 0.3), opts.iouThreshold ?? 0.45);
      // Back to image pixels, clamped to the frame.
      return dets.map((d) => {
        const x = Math.max(0, d.box.x / ratio);
        const y = Math.max(0, d.box.y / ratio);
        const x1 = Math.min(img.width, (d.box.x + d.box.width) / ratio);
        const y1 = Math.min(img.height, (d.box.y + d.box.height) / ratio);
        return { ...d, score: round(d.score, 4), box: { x: round(x, 1), y: round(y, 1), width: round(x1 - x, 1), height: round(y1 - y, 1) } };
      });
    },
  };
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export interface CropChoice {
  kind: 'person' | 'whole';
  box: Box;
  /** The person detection the crop came from. */
  detection?: Detection;
}

/**
 * The garment region: the largest confident person, grown by `margin` on each side, if it covers enough of the
 * frame to be the subject; otherwise the whole image (product shots, flat lays, accessories).
 */
export function chooseCrop(dets: Detection[], width: number, height: number, opts: { minScore?: number; minArea?: number; margin?: number } = {}): CropChoice {
  const minScore = opts.minScore ?? 0.45;
  const minArea = opts.minArea ?? 0.06;
  const margin = opts.margin ?? 0.08;
  const people = dets.filter((d) => d.label === 'person' && d.score >= minScore && (d.box.width * d.box.height) / (width * height) >= minArea);
  if (people.length === 0) return { kind: 'whole', box: { x: 0, y: 0, width, height } };
  const person = people.reduce((a, b) => (b.box.width * b.box.height > a.box.width * a.box.height ? b : a));
  const mx = person.box.width * margin;
  const my = person.box.height * margin;
  const x = Math.max(0, person.box.x - mx);
  const y = Math.max(0, person.box.y - my);
  const box = { x, y, width: Math.min(width, person.box.x + person.box.width + mx) - x, height: Math.min(height, person.box.y + person.box.height + my) - y };
  return { kind: 'person', box, detection: person };
}
