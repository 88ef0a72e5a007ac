/**
 * CLIP image preprocessing, as the reference `clip._transform` does it: Resize(224, bicubic) on the shortest
 * side, CenterCrop(224), RGB, ToTensor ([0,1]), Normalize(CLIP mean/std), laid out NCHW float32.
 *
 * sharp's 'cubic' kernel is Catmull-Rom (a = −0.5), the same cubic as PIL's BICUBIC; both antialias when
 * shrinking, but libvips and PIL round differently, so values agree to about 1/255, not bit for bit.
 * Like the reference, EXIF orientation is not applied here: the vision pipeline normalises uploads first.
 */
import sharp from 'sharp';

/** Bump when the pixels change (keys cached embeddings). */
export const CLIP_PREPROCESS_VERSION = 'p1';

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

export interface ClipPreprocessOptions {
  size?: number;
  mean?: readonly number[];
  std?: readonly number[];
}

/** Python's round(): halves go to the even neighbour (torchvision's centre-crop offset uses it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The resized size torchvision's Resize(size) picks: the short side becomes `size`, the long side is truncated. */
export function resizeDims(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.floor((size * height) / width) };
  return { width: Math.floor((size * width) / height), height: size };
}

/** One image's pixels as a [3, size, size] float32 CHW array. */
export async function clipPixels(image: Uint8Array, opts: ClipPreprocessOptions = {}): Promise<Float32Array> {
  const size = opts.size ?? 224;
  const mean = opts.mean ?? CLIP_MEAN;
  const std = opts.std ?? CLIP_STD;
  const meta = await sharp(image).metadata();
  if (!meta.width || !meta.height) throw new Error('image has no dimensions');
  const r = resizeDims(meta.width, meta.height, size);
  const left = roundHalfEven((r.width - size) / 2);
  const top = roundHalfEven((r.height - size) / 2);
  const { data, info } = await sharp(image)
    .resize(r.width, r.height, { kernel: 'cubic', fit: 'fill' })
    .extract({ left, top, width: size, height: size })
    .toColourspace('srgb')
    .removeAlpha() // PIL convert('RGB') drops alpha without compositing
    .raw()
    .toBuffer({ resolveWithObject: true });
  const ch = info.channels;
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = data[i * ch + (ch >= 3 ? c : 0)] / 255;
      out[c * plane + i] = (v - mean[c]) / std[c];
    }
  }
  return out;
}

/** A batch as `pixel_values` [N, 3, size, size]. */
export async function clipPixelBatch(images: readonly Uint8Array[], opts: ClipPreprocessOptions = {}): Promise<{ data: Float32Array; dims: [number, number, number, number] }> {
  const size = opts.size ?? 224;
  const per = 3 * size * size;
  const data = new Float32Array(images.length * per);
  for (let i = 0; i < images.length; i++) data.set(await clipPixels(images[i], opts), i * per);
  return { data, dims: [images.length, 3, size, size] };
}
