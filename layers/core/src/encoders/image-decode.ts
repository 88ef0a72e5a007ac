/**
 * Image decoding with sharp (the one image codec dependency of the encoders): one decode with shrink-on-load,
 * then two cheap resizes from the raw pixels — the model canvas and a small copy for the colour descriptor.
 */
import sharp from 'sharp';

export interface RgbImage {
  /** Interleaved RGB, 8 bits per channel, row-major. */
  data: Uint8Array;
  width: number;
  height: number;
}

export const MODEL_SIZE = 224;
/** Thumbnail box: the colour descriptor and the model input both start from a copy that fits in it (the catalog's small images are 60×80). */
export const COLOUR_BOX = 80;
const WHITE = { r: 255, g: 255, b: 255 };

/** Decodes (EXIF orientation applied, alpha flattened on white) to fit inside `box` px — JPEG shrink-on-load. */
export async function decodeRgb(bytes: Uint8Array, box = 2 * MODEL_SIZE): Promise<RgbImage> {
  const { data, info } = await sharp(bytes, { failOn: 'error', limitInputPixels: 40_000_000 })
    .rotate()
    .flatten({ background: WHITE })
    .resize({ width: box, height: box, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

async function resizeRaw(img: RgbImage, width: number, height: number, fit: 'contain' | 'inside', enlarge: boolean): Promise<RgbImage> {
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize({ width, height, fit, background: WHITE, withoutEnlargement: !enlarge })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** The model canvas: aspect kept, centred on white, 224×224 RGB. */
export function modelCanvas(img: RgbImage): Promise<RgbImage> {
  return resizeRaw(img, MODEL_SIZE, MODEL_SIZE, 'contain', true);
}

const THUMBNAIL_JPEG_QUALITY = 75;

/**
 * The thumbnail the model sees and the colour descriptor reads: fits in COLOUR_BOX, never enlarged (the catalog's
 * small images pass through unchanged). A larger image is brought to that size and saved as JPEG at quality 75
 * (4:2:0), as the catalog's thumbnails were, so that it looks like one: on 250 training-fold products, a
 * high-resolution photo's MobileNet feature came from cosine .930 to .982 of its thumbnail's, and the colour
 * descriptor's L1 distance from 2.25 to 0.66 (quality 50–90, 4:4:4, mozjpeg and other resize kernels: all further).
 */
export async function thumbnail(img: RgbImage): Promise<RgbImage> {
  if (img.width <= COLOUR_BOX && img.height <= COLOUR_BOX) return img;
  const jpeg = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize({ width: COLOUR_BOX, height: COLOUR_BOX, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: THUMBNAIL_JPEG_QUALITY })
    .toBuffer();
  return decodeRgb(jpeg, COLOUR_BOX);
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** RGB 224×224 → NCHW float with ImageNet mean/std, written into `out` at `offset` (batching). */
export function toImagenetTensor(img: RgbImage, out = new Float32Array(3 * img.width * img.height), offset = 0): Float32Array {
  const n = img.width * img.height;
  const d = img.data;
  for (let c = 0; c < 3; c++) {
    const m = MEAN[c] * 255;
    const s = 1 / (STD[c] * 255);
    const base = offset + c * n;
    for (let i = 0; i < n; i++) out[base + i] = (d[i * 3 + c] - m) * s;
  }
  return out;
}
