/**
 * Stage 1 of the pipeline: read and check an uploaded image before any model sees it.
 * Order matters: cheap byte checks first (size, magic bytes, declared type), then the header (dimensions, so a
 * decompression bomb is refused before a single pixel is decoded), then a full strict decode. The output is a
 * clean working copy: EXIF orientation applied, alpha flattened, every metadata block (EXIF/GPS, ICC, XMP) dropped.
 */
import sharp from 'sharp';
import { ImageRejectedError } from './errors.ts';

export type ImageFormat = 'jpeg' | 'png' | 'webp';

export const IMAGE_MIME: Record<ImageFormat, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };
export const ACCEPTED_MIME = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type AcceptedMime = (typeof ACCEPTED_MIME)[number];

export interface ImageLimits {
  maxBytes: number;
  /** Width × height as declared by the header; 40 MP covers every phone camera, a 30000² bomb is 900 MP. */
  maxPixels: number;
  maxSide: number;
  minSide: number;
  /** The working copy fits in this box: detection runs at 416, the encoders at 224, colours at 80. */
  workingSide: number;
}

export const IMAGE_LIMITS: ImageLimits = {
  maxBytes: 5 * 1024 * 1024,
  maxPixels: 40_000_000,
  maxSide: 12_000,
  minSide: 16,
  workingSide: 1024,
};

/** Magic bytes: JPEG FF D8 FF; PNG 89 50 4E 47 0D 0A 1A 0A; WebP "RIFF" .... "WEBP". */
export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a)
    return 'png';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

export interface RgbImage {
  /** Interleaved RGB, 8 bits per channel, row-major. */
  data: Uint8Array;
  width: number;
  height: number;
}

export interface CheckedImage {
  format: ImageFormat;
  /** Upright dimensions of the original (after EXIF orientation). */
  width: number;
  height: number;
  bytes: number;
  /** Upright, metadata-free RGB copy that fits in limits.workingSide (never enlarged). */
  rgb: RgbImage;
}

export interface CheckOptions {
  /** The Content-Type the uploader declared (and signed); must agree with the magic bytes. */
  declaredType?: string;
  limits?: Partial<ImageLimits>;
}

export async function checkImage(bytes: Uint8Array, opts: CheckOptions = {}): Promise<CheckedImage> {
  const limits = { ...IMAGE_LIMITS, ...opts.limits };
  if (bytes.length === 0) throw new ImageRejectedError('EMPTY', 'The file is empty (0 bytes)');
  if (bytes.length > limits.maxBytes)
    throw new ImageRejectedError('TOO_LARGE', `The file is ${bytes.length} bytes; the limit is ${limits.maxBytes}`);
  const format = sniffFormat(bytes);
  if (!format) throw new ImageRejectedError('NOT_AN_IMAGE', 'The file is not a JPEG, PNG or WebP image (unknown magic bytes)');
  if (opts.declaredType && opts.declaredType.split(';')[0].trim().toLowerCase() !== IMAGE_MIME[format])
    throw new ImageRejectedError('TYPE_MISMATCH', `Declared ${opts.declaredType} but the bytes are ${IMAGE_MIME[format]}`);

  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    // Header only: no pixels are decoded, so a bomb costs nothing here.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw decodeFailure(format, 'header cannot be read', e);
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w * h > limits.maxPixels || w > limits.maxSide || h > limits.maxSide)
    throw new ImageRejectedError('TOO_MANY_PIXELS', `The image declares ${w}×${h} pixels; the limit is ${limits.maxPixels} pixels and ${limits.maxSide} px a side`);
  if (w < limits.minSide || h < limits.minSide)
    throw new ImageRejectedError('TOO_SMALL', `The image is ${w}×${h}; at least ${limits.minSide} px a side is needed`);

  try {
    // failOn 'truncated': a cut-off JPEG/PNG fails instead of decoding grey; limitInputPixels is the second fence.
    const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: limits.maxPixels })
      .rotate()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .resize({ width: limits.workingSide, height: limits.workingSide, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const swap = (meta.orientation ?? 1) >= 5;
    return {
      format,
      width: swap ? h : w,
      height: swap ? w : h,
      bytes: bytes.length,
      rgb: { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height },
    };
  } catch (e) {
    throw decodeFailure(format, 'data cannot be decoded', e);
  }
}

function decodeFailure(format: ImageFormat, what: string, e: unknown): ImageRejectedError {
  const msg = ((e as Error).message ?? String(e)).split('\n')[0];
  const truncated = /truncat|premature|end of (file|stream)|unexpected end|not enough data/i.test(msg);
  return new ImageRejectedError(truncated ? 'TRUNCATED' : 'UNDECODABLE', `The ${format} ${what}${truncated ? ' (the file is truncated)' : ''}: ${msg}`);
}

/** Re-encodes raw RGB (e.g. a crop) as a clean JPEG: the encoders take encoded bytes; no metadata is written. */
export async function encodeJpeg(img: RgbImage, quality = 92): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Copies a rectangle out of raw RGB (clamped to the image). */
export function cropRgb(img: RgbImage, box: Box): RgbImage {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(img.width, Math.ceil(box.x + box.width));
  const y1 = Math.min(img.height, Math.ceil(box.y + box.height));
  const width = Math.max(1, x1 - x0);
  const height = Math.max(1, y1 - y0);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const src = ((y0 + y) * img.width + x0) * 3;
    out.set(img.data.subarray(src, src + width * 3), y * width * 3);
  }
  return { data: out, width, height };
}
