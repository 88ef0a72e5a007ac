/**
 * Stage 3b: dominant colours of the garment. Steps: shrink to ≤ 80 px (colour needs no detail), remove the
 * background by growing a region from the border through pixels close to the border's median colour, drop skin
 * and the head band on person crops, then k-means (k-means++ seeding, fixed seed) in CIE Lab, where Euclidean
 * distance roughly follows perceived difference. Each cluster is named with the catalog vocabulary
 * (colour-names.ts) and same-named clusters merge; shares are fractions of garment pixels.
 */
import type { RgbImage } from './image-check.ts';
import { type Lab, nameColour, rgbToLab, toHex } from './colour-names.ts';
import { mulberry32 } from '../random.ts';

export interface NamedColour {
  name: string;
  /** Fraction of garment pixels, 0–1. */
  share: number;
  hex: string;
  lab: Lab;
}

export interface ColourResult {
  colours: NamedColour[];
  /** The largest colour, or "Multi" when no colour dominates. */
  dominant: string;
  /** Fraction of the analysed region kept as garment (background and skin removed). */
  foregroundShare: number;
}

export interface ColourOptions {
  k?: number;
  box?: number;
  /** Person crops: skip skin-toned pixels and the head band. */
  person?: boolean;
  seed?: number;
  /** Background fill: max ΔE from the border colour, and max ΔE between neighbouring pixels. */
  tolerance?: number;
  step?: number;
}

/** Box-average downsample so that the longer side is at most `box`. */
export function shrink(img: RgbImage, box: number): RgbImage {
  const scale = Math.max(img.width, img.height) / box;
  if (scale <= 1) return img;
  const width = Math.max(1, Math.round(img.width / scale));
  const height = Math.max(1, Math.round(img.height / scale));
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const y0 = Math.floor((y * img.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * img.height) / height));
    for (let x = 0; x < width; x++) {
      const x0 = Math.floor((x * img.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * img.width) / width));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = y0; yy < y1; yy++)
        for (let xx = x0; xx < x1; xx++) {
          const s = (yy * img.width + xx) * 3;
          r += img.data[s];
          g += img.data[s + 1];
          b += img.data[s + 2];
        }
      const n = (y1 - y0) * (x1 - x0);
      const d = (y * width + x) * 3;
      out[d] = r / n;
      out[d + 1] = g / n;
      out[d + 2] = b / n;
    }
  }
  return { data: out, width, height };
}

const dist = (a: Lab, b: Lab) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Background = pixels connected to the border whose colour is within `tol` ΔE of the border's median colour. */
export function backgroundMask(labs: Lab[], width: number, height: number, tol = 14, step = 3): Uint8Array {
  const border: number[] = [];
  for (let x = 0; x < width; x++) border.push(x, (height - 1) * width + x);
  for (let y = 1; y < height - 1; y++) border.push(y * width, y * width + width - 1);
  const med = (c: 0 | 1 | 2) => {
    const v = border.map((i) => labs[i][c]).sort((a, b) => a - b);
    return v[v.length >> 1];
  };
  const seed: Lab = [med(0), med(1), med(2)];
  const bg = new Uint8Array(width * height);
  const stack = border.filter((i) => dist(labs[i], seed) < tol);
  for (const i of stack) bg[i] = 1;
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % width;
    const y = (i - x) / width;
    for (const j of [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, y > 0 ? i - width : -1, y < height - 1 ? i + width : -1]) {
      // Grow only through smooth steps: a white shirt on a white ground still has an outline the fill must not cross.
      if (j >= 0 && !bg[j] && dist(labs[j], seed) < tol && dist(labs[j], labs[i]) < step) {
        bg[j] = 1;
        stack.push(j);
      }
    }
  }
  return bg;
}

/** A common YCbCr skin rule (Chai & Ngan): rough, and it also catches peach/skin-coloured fabric, hence person crops only. */
function isSkin(r: number, g: number, b: number): boolean {
  const cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
  const cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b;
  return cr >= 135 && cr <= 172 && cb >= 80 && cb <= 125 && r > g;
}


/** k-means with k-means++ seeding; returns centres and the count of points in each. */
export function kmeans(points: Lab[], k: number, seed = 7, iterations = 12): { centres: Lab[]; counts: number[] } {
  const rand = mulberry32(seed);
  const n = points.length;
  k = Math.min(k, n);
  const centres: Lab[] = [points[Math.floor(rand() * n)]];
  const d2 = new Float64Array(n).fill(Infinity);
  while (centres.length < k) {
    const last = centres[centres.length - 1];
    let sum = 0;
    for (let i = 0; i < n; i++) {
      d2[i] = Math.min(d2[i], dist(points[i], last) ** 2);
      sum += d2[i];
    }
    if (sum === 0) break;
    let r = rand() * sum;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= d2[i];
      if (r <= 0) {
        pick = i;
        break;
      }
    }
    centres.push(points[pick]);
  }
  const assign = new Int32Array(n);
  let counts = new Array(centres.length).fill(0);
  for (let it = 0; it < iterations; it++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bd = Infinity;
      for (let c = 0; c < centres.length; c++) {
        const d = dist(points[i], centres[c]);
        if (d < bd) {
          bd = d;
          best = c;
        }
      }
      if (assign[i] !== best || it === 0) changed = true;
      assign[i] = best;
    }
    const sums = centres.map(() => [0, 0, 0]);
    counts = new Array(centres.length).fill(0);
    for (let i = 0; i < n; i++) {
      const s = sums[assign[i]];
      s[0] += points[i][0];
      s[1] += points[i][1];
      s[2] += points[i][2];
      counts[assign[i]]++;
    }
    for (let c = 0; c < centres.length; c++) if (counts[c] > 0) centres[c] = [sums[c][0] / counts[c], sums[c][1] / counts[c], sums[c][2] / counts[c]];
    if (!changed) break;
  }
  return { centres, counts };
}

const labToApproxRgb = (lab: Lab, rgbs: Array<[number, number, number]>, labs: Lab[]): [number, number, number] => {
  // Hex of the member pixel nearest the centre: avoids a Lab→sRGB inverse for a display value.
  let best = 0;
  let bd = Infinity;
  for (let i = 0; i < labs.length; i++) {
    const d = dist(labs[i], lab);
    if (d < bd) {
      bd = d;
      best = i;
    }
  }
  return rgbs[best];
};

export function dominantColours(img: RgbImage, opts: ColourOptions = {}): ColourResult {
  const small = shrink(img, opts.box ?? 80);
  const { width, height, data } = small;
  const labs: Lab[] = new Array(width * height);
  for (let i = 0; i < width * height; i++) labs[i] = rgbToLab(data[i * 3], data[i * 3 + 1], data[i * 3 + 2]);
  const bg = backgroundMask(labs, width, height, opts.tolerance ?? 14, opts.step ?? 3);
  const headBand = opts.person ? Math.floor(height * 0.15) : 0;
  const pts: Lab[] = [];
  const rgbs: Array<[number, number, number]> = [];
  for (let i = 0; i < width * height; i++) {
    if (bg[i] || Math.floor(i / width) < headBand) continue;
    const r = data[i * 3];
    const g = data[i * 3 + 1];
    const b = data[i * 3 + 2];
    if (opts.person && isSkin(r, g, b)) continue;
    pts.push(labs[i]);
    rgbs.push([r, g, b]);
  }
  let foregroundShare = pts.length / (width * height);
  // A failed mask (the garment fills the frame, or matches the border colour): fall back to the central 60%.
  if (pts.length < width * height * 0.03) {
    pts.length = 0;
    rgbs.length = 0;
    for (let y = Math.floor(height * 0.2); y < Math.ceil(height * 0.8); y++)
      for (let x = Math.floor(width * 0.2); x < Math.ceil(width * 0.8); x++) {
        const i = y * width + x;
        pts.push(labs[i]);
        rgbs.push([data[i * 3], data[i * 3 + 1], data[i * 3 + 2]]);
      }
    foregroundShare = 0;
  }
  const { centres, counts } = kmeans(pts, opts.k ?? 4, opts.seed ?? 7);
  const total = counts.reduce((a, b) => a + b, 0) || 1;
  // Same-named clusters merge; the merged colour keeps the Lab centre of its largest member.
  const byName = new Map<string, { share: number; lab: Lab; largest: number }>();
  centres.forEach((c, i) => {
    if (!counts[i]) return;
    const { name } = nameColour(c);
    const share = counts[i] / total;
    const prev = byName.get(name);
    if (!prev) byName.set(name, { share, lab: c, largest: share });
    else {
      prev.share += share;
      if (share > prev.largest) Object.assign(prev, { lab: c, largest: share });
    }
  });
  const colours = [...byName.entries()]
    .map(([name, v]) => {
      const [r, g, b] = labToApproxRgb(v.lab, rgbs, pts);
      return { name, share: round(v.share), hex: toHex(r, g, b), lab: v.lab.map((x) => round(x, 1)) as Lab };
    })
    .filter((c) => c.share >= 0.04)
    .sort((a, b) => b.share - a.share);
  const significant = colours.filter((c) => c.share >= 0.18);
  const dominant = colours.length && colours[0].share < 0.45 && significant.length >= 3 ? 'Multi' : (colours[0]?.name ?? 'Multi');
  return { colours, dominant, foregroundShare: round(foregroundShare) };
}

const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
