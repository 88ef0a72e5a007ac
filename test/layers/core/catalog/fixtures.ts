/**
 * A tiny Kaggle-layout folder generated on the fly (never copied from ../shared): catalog.jsonl.gz with the
 * given lines and images-hires/<id>.jpg JPEGs drawn with sharp.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';

export function kaggleRow(id: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    title: `Brandy Men Blue Tshirts ${id}`,
    brand: 'Brandy',
    gender: 'Men',
    ageGroup: 'Adults-Men',
    masterCategory: 'Apparel',
    subCategory: 'Topwear',
    articleType: 'Tshirts',
    baseColour: 'Blue',
    colour1: 'NA',
    colour2: '',
    season: 'Summer',
    year: '2012',
    usage: 'Casual',
    price: 500 + (id % 10) * 100,
    discountedPrice: 400,
    currency: 'INR',
    attributes: { Pattern: 'Solid', Fabric: 'Cotton', 'Sleeve Length': 'Short Sleeves', Neck: 'Round Neck', Fit: 'Regular', 'Fabric 2': 'NA' },
    description: '<p>Blue t-shirt</p>',
    styleNote: '',
    materialsCare: 'NA',
    sizes: ['S', 'M', 'L'],
    imageUrl: 'http://example.invalid/x.jpg',
    ...over,
  };
}

export async function jpeg(seed: number, width = 12, height = 16): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: (seed * 37) % 256, g: (seed * 91) % 256, b: 200 } } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

export interface FixtureSpec {
  /** Lines of catalog.jsonl: objects are JSON-encoded, strings written as they are (bad JSON). */
  lines: Array<Record<string, unknown> | string>;
  /** ids that get an images-hires/<id>.jpg; a Buffer value is written as is (e.g. not a JPEG). */
  images: Array<number | [number, Buffer]>;
}

export async function writeKaggleFixture(spec: FixtureSpec, dir?: string): Promise<string> {
  const root = dir ?? (await mkdtemp(path.join(tmpdir(), 'lookbook-kaggle-')));
  await mkdir(path.join(root, 'images-hires'), { recursive: true });
  const text = spec.lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
  await writeFile(path.join(root, 'catalog.jsonl.gz'), gzipSync(text));
  for (const img of spec.images) {
    const [id, bytes] = Array.isArray(img) ? img : [img, await jpeg(img)];
    await writeFile(path.join(root, 'images-hires', `${id}.jpg`), bytes);
  }
  return root;
}
