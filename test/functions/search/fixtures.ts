/**
 * Shared set-up for the search API tests: the tiny generated CLIP-shaped ONNX pair as the encoder (real
 * onnxruntime inference, meaningless vectors: BM25 and exact-image matches carry the assertions), and a small
 * catalog of generated images seeded into the local DynamoDB and S3.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Product } from '#core';
import { writeTinyClipModels } from '#core/encoders/clip/tiny-model';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';

/** Point the encoder registry at the tiny CLIP pair (before the search function first loads). */
export function useTinyClipEncoder(): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'tiny-clip-'));
  const { visionModel, textModel } = writeTinyClipModels(dir, { dim: 32, seed: 3 });
  process.env.LOOKBOOK_ENCODER = 'clip';
  process.env.LOOKBOOK_CLIP_VISION = visionModel;
  process.env.LOOKBOOK_CLIP_TEXT = textModel;
  process.env.LOOKBOOK_CLIP_ID = 'tiny-clip-test';
  process.env.INDEX_REFRESH_SECONDS = '0';
}

const COLOURS: Record<string, [number, number, number]> = {
  Red: [200, 30, 40],
  'Navy Blue': [20, 30, 90],
  White: [245, 245, 245],
  Black: [15, 15, 15],
  Green: [30, 150, 60],
  Yellow: [240, 210, 40],
};
const TYPES: [string, string, string][] = [
  ['Shirts', 'Topwear', 'Apparel'],
  ['Tshirts', 'Topwear', 'Apparel'],
  ['Jeans', 'Bottomwear', 'Apparel'],
  ['Watches', 'Watches', 'Accessories'],
];

/** A JPEG: a coloured block on white, with a per-product stripe so images differ. */
export async function productImage(rgb: [number, number, number], variant: number): Promise<Buffer> {
  const stripe = Buffer.from(`<svg width="60" height="80"><rect x="0" y="${(variant * 7) % 70}" width="60" height="8" fill="rgb(${(variant * 37) % 255},${(variant * 91) % 255},${(variant * 53) % 255})"/></svg>`);
  return sharp({ create: { width: 60, height: 80, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite([
      { input: await sharp({ create: { width: 40, height: 60, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer(), left: 10, top: 10 },
      { input: stripe, left: 0, top: 0 },
    ])
    .jpeg()
    .toBuffer();
}

export interface SeededCatalog {
  products: Product[];
  images: Map<string, Buffer>;
}

export async function seedCatalog(): Promise<SeededCatalog> {
  const now = new Date().toISOString();
  const products: Product[] = [];
  const images = new Map<string, Buffer>();
  let n = 0;
  for (const [colour, rgb] of Object.entries(COLOURS)) {
    for (const [articleType, subCategory, masterCategory] of TYPES) {
      for (const gender of ['Men', 'Women']) {
        const id = String(20000 + n);
        const key = `products/${id}.jpg`;
        images.set(id, await productImage(rgb, n));
        products.push({
          id,
          sku: `SKU-${id}`,
          title: `${gender === 'Men' ? 'Roadster' : 'Vero Moda'} ${gender} ${colour} ${articleType.replace(/s$/, '')}`,
          brand: gender === 'Men' ? 'Roadster' : 'Vero Moda',
          gender,
          ageGroup: 'Adults',
          masterCategory,
          subCategory,
          articleType,
          baseColour: colour,
          colours: [colour],
          season: n % 2 ? 'Summer' : 'Winter',
          usage: 'Casual',
          price: 500 + n * 10,
          currency: 'INR',
          attributes: {},
          description: '',
          sizes: [],
          stock: n % 5 === 0 ? 0 : 3,
          imageKeys: [key],
          createdAt: now,
          updatedAt: now,
        });
        n++;
      }
    }
  }
  // An exact duplicate of the first product (same image, same title and colour): similar-items must skip it.
  const dup = { ...products[0], id: '29999', sku: 'SKU-29999', imageKeys: ['products/29999.jpg'] };
  products.push(dup);
  images.set(dup.id, images.get(products[0].id)!);

  await new DynamoCatalogRepo().putMany(products);
  const blobs = new S3BlobStore({ bucket: 'catalog' });
  await Promise.all(products.map((p) => blobs.put(p.imageKeys[0], images.get(p.id)!, 'image/jpeg')));
  return { products, images };
}

export const post = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
