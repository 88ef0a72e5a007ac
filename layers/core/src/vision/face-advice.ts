/**
 * Face-aware styling, the pure part: from a face box and a skin mask around it, a rough face-shape estimate and
 * neckline/accessory suggestions. The estimate is deliberately plain about its limits (CAVEAT): a Haar box is a
 * square window, so shape comes from where skin-coloured pixels run out around it — hair, beards, lighting,
 * head tilt and skin-coloured backgrounds all move the answer.
 */
import type { Box } from './image-check.ts';

export const FACE_SHAPES = ['oval', 'round', 'square', 'heart', 'oblong', 'diamond'] as const;
export type FaceShape = (typeof FACE_SHAPES)[number];

export interface FaceMeasurements {
  /** Face length (top of skin to chin) over the widest skin run at cheek level. */
  lengthToWidth: number;
  jawToCheek: number;
  foreheadToCheek: number;
}

export interface FaceAdvice {
  detected: boolean;
  faces: number;
  /** The face used, in pixels of the upright original (a box only: face pixels are never stored). */
  box?: Box;
  eyesFound?: number;
  shape?: FaceShape;
  measurements?: FaceMeasurements;
  confidence: 'none' | 'low' | 'medium';
  necklines: string[];
  accessories: string[];
  caveat: string;
}

export const CAVEAT =
  'A rough guess from one photo: the face box comes from a classic Haar cascade and the shape from where skin-coloured ' +
  'pixels end around it, so hair, beards, lighting, head tilt and the background can all change it. Treat the ' +
  'suggestions as ideas, not a verdict; nothing about your face is stored.';

const SUGGESTIONS: Record<FaceShape, { necklines: string[]; accessories: string[] }> = {
  oval: {
    necklines: ['V-neck', 'scoop neck', 'boat neck'],
    accessories: ['most frame shapes', 'statement earrings', 'pendant necklaces'],
  },
  round: {
    necklines: ['V-neck', 'deep scoop', 'open collar'],
    accessories: ['angular or rectangular frames', 'long pendants', 'drop earrings'],
  },
  square: {
    necklines: ['scoop neck', 'sweetheart', 'cowl neck'],
    accessories: ['round or oval frames', 'hoop earrings', 'layered necklaces'],
  },
  heart: {
    necklines: ['boat neck', 'square neck', 'off-shoulder'],
    accessories: ['chokers', 'teardrop earrings', 'frames wider at the bottom'],
  },
  oblong: {
    necklines: ['crew neck', 'boat neck', 'turtleneck'],
    accessories: ['wide or oversized frames', 'stud earrings', 'short necklaces'],
  },
  diamond: {
    necklines: ['sweetheart', 'scoop neck', 'V-neck'],
    accessories: ['oval or rimless frames', 'stud earrings', 'headbands'],
  },
};

/** Thresholds are rules of thumb from styling guides, not fitted to data (there is no labelled face set here). */
export function classifyFaceShape(m: FaceMeasurements): FaceShape {
  if (m.lengthToWidth >= 1.55) return 'oblong';
  if (m.lengthToWidth <= 1.2) return m.jawToCheek >= 0.9 ? 'square' : 'round';
  if (m.foreheadToCheek >= 0.95 && m.jawToCheek <= 0.75) return 'heart';
  if (m.foreheadToCheek <= 0.8 && m.jawToCheek <= 0.8) return 'diamond';
  if (m.jawToCheek >= 0.92) return 'square';
  return 'oval';
}

export function adviceFor(shape: FaceShape | undefined, base: Omit<FaceAdvice, 'necklines' | 'accessories' | 'caveat'>): FaceAdvice {
  const s = shape ? SUGGESTIONS[shape] : { necklines: [], accessories: [] };
  return { ...base, shape, necklines: s.necklines, accessories: s.accessories, caveat: CAVEAT };
}

export const noFace = (reason = 'no face found'): FaceAdvice => ({
  detected: false,
  faces: 0,
  confidence: 'none',
  necklines: [],
  accessories: [],
  caveat: `${reason}; ${CAVEAT}`,
});

/** Chai & Ngan's YCbCr skin rule. */
export function isSkinPixel(r: number, g: number, b: number): boolean {
  const cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
  const cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  return cr >= 133 && cr <= 173 && cb >= 77 && cb <= 127;
}

/**
 * Measures the face from skin runs around the box centre column. `skin(x, y)` answers for image pixels.
 * Returns undefined when the skin mask does not support a measurement (e.g. no skin at the box centre).
 */
export function measureFace(box: Box, width: number, height: number, skin: (x: number, y: number) => boolean): FaceMeasurements | undefined {
  const cx = Math.round(box.x + box.width / 2);
  const run = (y: number) => {
    if (y < 0 || y >= height) return 0;
    // Longest skin run through (a few pixels around) the centre column, tolerating small gaps (eyes, shadows).
    let left = cx;
    let right = cx;
    let gap = 0;
    // Bridges eyes, nostrils and lips (not skin-coloured) on the row through the centre column.
    const maxGap = Math.max(3, Math.round(box.width * 0.22));
    for (let x = cx; x >= 0 && x > box.x - box.width * 0.4; x--) {
      if (skin(x, y)) {
        left = x;
        gap = 0;
      } else if (++gap > maxGap) break;
    }
    gap = 0;
    for (let x = cx; x < width && x < box.x + box.width * 1.4; x++) {
      if (skin(x, y)) {
        right = x;
        gap = 0;
      } else if (++gap > maxGap) break;
    }
    return right > left ? right - left + 1 : 0;
  };
  const rowAt = (f: number) => Math.round(box.y + box.height * f);
  let cheek = 0;
  for (let f = 0.4; f <= 0.65; f += 0.05) cheek = Math.max(cheek, run(rowAt(f)));
  if (cheek < box.width * 0.4) return undefined;
  // Top: go up from the eyes while rows are still mostly skin (hair ends it; a few thin rows such as eyebrows are skipped).
  const wide = (y: number, f: number) => [0, 1, 2, 3].some((d) => run(y + d * Math.sign(f)) >= Math.abs(f) * cheek);
  let top = rowAt(0.3);
  while (top > 0 && top > box.y - box.height * 0.5 && wide(top - 1, -0.5)) top--;
  // Chin: go down while the face is wide; the neck is a narrower run, so stop where width falls below 55% of the cheeks.
  let chin = rowAt(0.65);
  while (chin < height - 1 && chin < box.y + box.height * 1.5 && wide(chin + 1, 0.55)) chin++;
  const length = chin - top + 1;
  const jaw = run(Math.round(top + length * 0.82));
  const forehead = run(Math.round(top + length * 0.18));
  const r2 = (v: number) => Math.round(v * 100) / 100;
  return { lengthToWidth: r2(length / cheek), jawToCheek: r2(jaw / cheek), foreheadToCheek: r2(forehead / cheek) };
}
