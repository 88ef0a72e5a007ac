/**
 * Test images made with sharp (nothing copied from ../shared): a "garment" on a white ground, every bad file
 * class the pipeline must refuse, and a few real catalog photos read from ../shared at test time.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { repoRoot } from '#core/model-files';

export const HIRES_DIR = path.resolve(repoRoot, '../shared/datasets/fashion-product-images/images-hires');
/** A model shot (a person, face visible) and a product shot (no person) from the demo set. */
export const MODEL_SHOT = '10062.jpg';
export const PRODUCT_SHOT = '10054.jpg';
export const hasHires = () => fs.existsSync(path.join(HIRES_DIR, MODEL_SHOT));
export const readHires = (file: string) => fs.readFileSync(path.join(HIRES_DIR, file));

/** A coloured T-shirt-ish shape on white: body rectangle plus sleeves. */
export async function garment(colour = '#c0202a', opts: { width?: number; height?: number; format?: 'jpeg' | 'png' | 'webp' } = {}): Promise<Buffer> {
  const w = opts.width ?? 300;
  const h = opts.height ?? 400;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <rect width="100%" height="100%" fill="#ffffff"/>
    <rect x="${w * 0.25}" y="${h * 0.2}" width="${w * 0.5}" height="${h * 0.65}" fill="${colour}"/>
    <rect x="${w * 0.1}" y="${h * 0.2}" width="${w * 0.16}" height="${h * 0.22}" fill="${colour}"/>
    <rect x="${w * 0.74}" y="${h * 0.2}" width="${w * 0.16}" height="${h * 0.22}" fill="${colour}"/>
  </svg>`;
  const img = sharp(Buffer.from(svg));
  const format = opts.format ?? 'jpeg';
  return format === 'png' ? img.png().toBuffer() : format === 'webp' ? img.webp().toBuffer() : img.jpeg({ quality: 92 }).toBuffer();
}

/** Two colour halves: left `a`, right `b` (shares ≈ 50/50 once the white border is gone). */
export async function twoTone(a: string, b: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">
    <rect width="100%" height="100%" fill="#ffffff"/>
    <rect x="20" y="20" width="80" height="160" fill="${a}"/><rect x="100" y="20" width="80" height="160" fill="${b}"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** A tiny valid PNG whose header claims 30000×30000 (900 MP): a decompression bomb. */
export async function pngBomb(side = 30000): Promise<Buffer> {
  const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#ffffff' } }).png().toBuffer();
  const bomb = Buffer.from(png);
  bomb.writeUInt32BE(side, 16);
  bomb.writeUInt32BE(side, 20);
  bomb.writeUInt32BE(zlib.crc32(bomb.subarray(12, 29)) >>> 0, 29); // IHDR CRC, so only the size is a lie
  return bomb;
}

export async function truncatedJpeg(): Promise<Buffer> {
  const noisy = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
  return noisy.subarray(0, Math.floor(noisy.length * 0.6));
}

/** A real JPEG followed by padding to just over 5 MB (decoders ignore bytes after the end marker). */
export async function oversizedJpeg(limit = 5 * 1024 * 1024): Promise<Buffer> {
  const jpeg = await garment();
  return Buffer.concat([jpeg, Buffer.alloc(limit + 1 - jpeg.length)]);
}

export const notAnImage = () => Buffer.from('%PDF-1.4 this is a document, not a photo\n'.repeat(20));
