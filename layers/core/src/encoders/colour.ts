/**
 * The colour descriptor, computed on the garment rather than the background. ImageNet features are weak on
 * colour and colour is what shoppers type first, so the image tower gets it explicitly.
 *
 * Mask: flood-fill from the border through pixels close (in Lab) to the background colour — white for studio
 * shots, else the median border colour — and call the rest garment. Pixels are weighted towards the centre
 * (the garment, not the shoes or the hair at the edges). On the garment: a soft HSV histogram (hue interpolated
 * between neighbouring bins), a soft Lab histogram (trilinear), Lab mean/std and the foreground share.
 * Histograms are square-rooted (Hellinger) so Euclidean distances behave.
 */
import type { RgbImage } from './image-decode.ts';

export const COLOUR_VERSION = 'c2';
const HUE_BINS = 18;
const SAT_BINS = 3;
const VAL_BINS = 3;
const GREY_BINS = 8;
const HSV_DIM = HUE_BINS * SAT_BINS * VAL_BINS + GREY_BINS; // 170
const LAB_L = 4;
const LAB_AB = 6;
const LAB_DIM = LAB_L * LAB_AB * LAB_AB; // 144
export const COLOUR_DIM = HSV_DIM + LAB_DIM + 6 + 2; // 322

const SRGB_TO_LINEAR = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  SRGB_TO_LINEAR[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}
const labF = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);

/** sRGB 0–255 → CIE Lab (D65), written into `out`. */
export function rgbToLab(r: number, g: number, b: number, out: number[] | Float32Array = [0, 0, 0]): number[] | Float32Array {
  const R = SRGB_TO_LINEAR[r], G = SRGB_TO_LINEAR[g], B = SRGB_TO_LINEAR[b];
  const x = labF((0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047);
  const y = labF(0.2126 * R + 0.7152 * G + 0.0722 * B);
  const z = labF((0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883);
  out[0] = 116 * y - 16;
  out[1] = 500 * (x - y);
  out[2] = 200 * (y - z);
  return out;
}

/** Lab of every pixel, planar-interleaved [L,a,b,L,a,b,…]. */
export function labPixels(img: RgbImage): Float32Array {
  const n = img.width * img.height;
  const lab = new Float32Array(n * 3);
  const tmp = new Float32Array(3);
  for (let i = 0; i < n; i++) {
    rgbToLab(img.data[i * 3], img.data[i * 3 + 1], img.data[i * 3 + 2], tmp);
    lab[i * 3] = tmp[0];
    lab[i * 3 + 1] = tmp[1];
    lab[i * 3 + 2] = tmp[2];
  }
  return lab;
}

const BG_DELTA_E = 12;

/**
 * Garment mask: 1 = garment, 0 = background reached from the border. `failed` when the fill took (almost)
 * everything or nothing useful — then every pixel counts as garment.
 */
export function garmentMask(img: RgbImage, lab = labPixels(img)): { mask: Uint8Array; share: number; failed: boolean } {
  const { width: w, height: h } = img;
  const n = w * h;
  // Background reference: white if most border pixels are near white, else the per-channel median border colour.
  const border: number[] = [];
  for (let x = 0; x < w; x++) border.push(x, (h - 1) * w + x);
  for (let y = 1; y < h - 1; y++) border.push(y * w, y * w + w - 1);
  let nearWhite = 0;
  for (const i of border) if (lab[i * 3] > 92 && Math.abs(lab[i * 3 + 1]) < 6 && Math.abs(lab[i * 3 + 2]) < 6) nearWhite++;
  const ref = [100, 0, 0];
  if (nearWhite < border.length * 0.5) {
    for (let c = 0; c < 3; c++) {
      const v = border.map((i) => lab[i * 3 + c]).sort((a, b) => a - b);
      ref[c] = v[v.length >> 1];
    }
  }
  const isBg = (i: number) => {
    const dl = lab[i * 3] - ref[0], da = lab[i * 3 + 1] - ref[1], db = lab[i * 3 + 2] - ref[2];
    return dl * dl + da * da + db * db < BG_DELTA_E * BG_DELTA_E;
  };
  const mask = new Uint8Array(n).fill(1);
  const stack: number[] = [];
  for (const i of border) if (mask[i] && isBg(i)) { mask[i] = 0; stack.push(i); }
  while (stack.length) {
    const i = stack.pop()!;
    const x = i % w, y = (i - x) / w;
    if (x > 0 && mask[i - 1] && isBg(i - 1)) { mask[i - 1] = 0; stack.push(i - 1); }
    if (x < w - 1 && mask[i + 1] && isBg(i + 1)) { mask[i + 1] = 0; stack.push(i + 1); }
    if (y > 0 && mask[i - w] && isBg(i - w)) { mask[i - w] = 0; stack.push(i - w); }
    if (y < h - 1 && mask[i + w] && isBg(i + w)) { mask[i + w] = 0; stack.push(i + w); }
  }
  let fg = 0;
  for (let i = 0; i < n; i++) fg += mask[i];
  const share = fg / n;
  const failed = fg < n * 0.02;
  if (failed) mask.fill(1);
  return { mask, share, failed };
}

function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min;
  let hue = 0;
  if (d > 0) {
    if (max === r) hue = ((g - b) / d + 6) % 6;
    else if (max === g) hue = (b - r) / d + 2;
    else hue = (r - g) / d + 4;
  }
  return [hue / 6, max === 0 ? 0 : d / max, max / 255];
}

/** Linear soft assignment of v∈[lo,hi] onto `bins` bin centres: [index0, weight0, index1, weight1]. */
function soft(v: number, lo: number, hi: number, bins: number): [number, number, number, number] {
  const t = Math.min(Math.max(((v - lo) / (hi - lo)) * bins - 0.5, 0), bins - 1);
  const i0 = Math.floor(t), f = t - i0;
  return [i0, 1 - f, Math.min(i0 + 1, bins - 1), f];
}

/** The descriptor of an RGB image (use thumbnail: ≤ 80 px box). Length COLOUR_DIM. */
export function colourDescriptor(img: RgbImage): Float32Array {
  const { width: w, height: h } = img;
  const lab = labPixels(img);
  const { mask, share, failed } = garmentMask(img, lab);
  const out = new Float32Array(COLOUR_DIM);
  const hsv = out.subarray(0, HSV_DIM);
  const labHist = out.subarray(HSV_DIM, HSV_DIM + LAB_DIM);
  let wsum = 0, mL = 0, mA = 0, mB = 0, sL = 0, sA = 0, sB = 0;
  const sigma2 = 2 * 0.35 * 0.35;
  for (let y = 0; y < h; y++) {
    const dy = (y + 0.5) / h - 0.5;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!mask[i]) continue;
      const dx = (x + 0.5) / w - 0.5;
      const wt = Math.exp(-(dx * dx + dy * dy) / sigma2);
      const [hu, s, v] = rgbToHsv(img.data[i * 3], img.data[i * 3 + 1], img.data[i * 3 + 2]);
      if (s < 0.15 || v < 0.15) {
        const [g0, gw0, g1, gw1] = soft(v, 0, 1, GREY_BINS);
        hsv[HUE_BINS * SAT_BINS * VAL_BINS + g0] += wt * gw0;
        hsv[HUE_BINS * SAT_BINS * VAL_BINS + g1] += wt * gw1;
      } else {
        // Hue is circular: interpolate between the two nearest bin centres, wrapping around.
        const t = hu * HUE_BINS - 0.5;
        const h0 = (Math.floor(t) + HUE_BINS) % HUE_BINS, f = t - Math.floor(t), h1 = (h0 + 1) % HUE_BINS;
        const sb = Math.min(SAT_BINS - 1, Math.floor(((s - 0.15) / 0.85) * SAT_BINS));
        const vb = Math.min(VAL_BINS - 1, Math.floor(((v - 0.15) / 0.85) * VAL_BINS));
        hsv[(h0 * SAT_BINS + sb) * VAL_BINS + vb] += wt * (1 - f);
        hsv[(h1 * SAT_BINS + sb) * VAL_BINS + vb] += wt * f;
      }
      const L = lab[i * 3], A = lab[i * 3 + 1], B = lab[i * 3 + 2];
      const [l0, lw0, l1, lw1] = soft(L, 0, 100, LAB_L);
      const [a0, aw0, a1, aw1] = soft(A, -60, 60, LAB_AB);
      const [b0, bw0, b1, bw1] = soft(B, -60, 60, LAB_AB);
      for (const [li, lw] of [[l0, lw0], [l1, lw1]])
        for (const [ai, aw] of [[a0, aw0], [a1, aw1]])
          for (const [bi, bw] of [[b0, bw0], [b1, bw1]]) labHist[(li * LAB_AB + ai) * LAB_AB + bi] += wt * lw * aw * bw;
      wsum += wt;
      mL += wt * L; mA += wt * A; mB += wt * B;
      sL += wt * L * L; sA += wt * A * A; sB += wt * B * B;
    }
  }
  if (wsum > 0) {
    for (let i = 0; i < HSV_DIM + LAB_DIM; i++) out[i] = Math.sqrt(out[i] / wsum);
    mL /= wsum; mA /= wsum; mB /= wsum;
    const sd = (s2: number, m: number) => Math.sqrt(Math.max(0, s2 / wsum - m * m));
    const o = HSV_DIM + LAB_DIM;
    out[o] = mL / 100; out[o + 1] = mA / 100; out[o + 2] = mB / 100;
    out[o + 3] = sd(sL, mL) / 100; out[o + 4] = sd(sA, mA) / 100; out[o + 5] = sd(sB, mB) / 100;
  }
  out[COLOUR_DIM - 2] = share;
  out[COLOUR_DIM - 1] = failed ? 1 : 0;
  return out;
}
