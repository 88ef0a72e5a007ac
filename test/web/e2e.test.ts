/**
 * End-to-end smoke test of the web app: the local API server (API Gateway adapter over the real handlers, with
 * dynalite and s3rver behind it) serves web/dist on its own origin; Debian's Chromium, driven by playwright-core,
 * browses the seeded catalog, opens a product page, sees the API's own message for an unknown product, and
 * (with the model files present) searches by words, then by words + photo with the α slider.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import type { Product } from '#core';
import { modelFile, trainedFile } from '#core/model-files';
import { useLocalCloud } from '../support/local-cloud.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'web/dist');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Newest modification time under a folder (to rebuild web/dist when the sources are newer). */
function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

async function ensureBuilt() {
  const index = path.join(dist, 'index.html');
  const sources = Math.max(newest(path.join(root, 'web/src')), fs.statSync(path.join(root, 'web/index.html')).mtimeMs);
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'web/vite.config.ts'), logLevel: 'warn' });
}

const now = new Date().toISOString();
const product = (p: Partial<Product> & Pick<Product, 'id' | 'title' | 'articleType' | 'baseColour' | 'price'>): Product => ({
  sku: `MYN-${p.id}`,
  brand: '',
  gender: 'Men',
  ageGroup: 'Adults-Men',
  masterCategory: 'Apparel',
  subCategory: 'Topwear',
  colours: [p.baseColour],
  season: 'Fall',
  usage: 'Casual',
  currency: 'INR',
  attributes: {},
  description: '',
  sizes: [],
  stock: 10,
  imageKeys: [`products/${p.id}.jpg`],
  createdAt: now,
  updatedAt: now,
  ...p,
});

const SEED: Array<{ p: Product; rgb: [number, number, number] }> = [
  {
    p: product({ id: '15970', title: 'Turtle Check Men Navy Blue Shirt', brand: 'Turtle', articleType: 'Shirts', baseColour: 'Navy Blue', price: 1195, attributes: { fit: 'Slim Fit', pattern: 'Checked', fabric: 'Cotton' }, sizes: ['S', 'M', 'L', 'XL'], description: 'A navy checked shirt in soft cotton.' }),
    rgb: [31, 42, 77],
  },
  {
    p: product({ id: '39386', title: 'Peter England Men Party Blue Jeans', brand: 'Peter England', subCategory: 'Bottomwear', articleType: 'Jeans', baseColour: 'Blue', price: 1499, discountedPrice: 1049 }),
    rgb: [47, 111, 208],
  },
  {
    p: product({ id: '59263', title: 'Titan Women Silver Watch', brand: 'Titan', gender: 'Women', masterCategory: 'Accessories', subCategory: 'Watches', articleType: 'Watches', baseColour: 'Silver', price: 6500 }),
    rgb: [192, 192, 192],
  },
];

// Search needs the trained encoder (models/trained) and MobileNet (models/.cache, `npm run models:fetch`); the
// vision pipeline also YOLOX. Without them those legs are reported as skipped, not passed.
const modelsPresent = fs.existsSync(trainedFile('card.json')) && fs.existsSync(modelFile('mobilenetv2-12-int8.onnx'));
const visionModelsPresent = modelsPresent && fs.existsSync(modelFile('yolox_nano.onnx'));

const local = useLocalCloud();
let browser: Browser;

beforeAll(async () => {
  await ensureBuilt();
  const blobs = new S3BlobStore({ bucket: 'catalog' });
  for (const { p, rgb } of SEED) {
    const jpeg = await sharp({ create: { width: 240, height: 320, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).jpeg().toBuffer();
    await blobs.put(p.imageKeys[0]!, jpeg, 'image/jpeg');
  }
  await new DynamoCatalogRepo().putMany(SEED.map((s) => s.p));
  if (modelsPresent) {
    // Build the search index over the seeded products (inline: three products take a second or two).
    const rebuild = await local.api('/v1/admin/index/rebuild?wait=true', { method: 'POST', headers: { authorization: `Bearer ${local.token({ groups: ['admin'] })}` } });
    if (rebuild.status !== 200) throw new Error(`index rebuild failed: ${rebuild.status} ${await rebuild.text()}`);
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
});

describe('web app on the local API origin', () => {
  it('browse lists the seeded products with prices and loadable images, and a card opens the product page', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    try {
      await page.goto(`${local.cloud.urls.api}/browse`);
      const cards = page.getByTestId('product-card');
      await cards.first().waitFor({ timeout: 15_000 });
      expect(await cards.count()).toBe(SEED.length);
      const text = await page.locator('main').innerText();
      for (const { p } of SEED) expect(text).toContain(p.title);
      expect(text).toContain('₹1,049'); // discounted price, Indian grouping
      expect(text).toContain('₹6,500');

      // The presigned image URLs load in the browser.
      const img = page.locator('img[alt="Titan Women Silver Watch"]');
      await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), { timeout: 10_000 }).toBe(240);

      // Filters go to the listing route: only the women's watch is left.
      await page.getByLabel('Gender').selectOption('Women');
      await expect.poll(() => cards.count(), { timeout: 10_000 }).toBe(1);
      expect(page.url()).toContain('gender=Women');

      await cards.first().click();
      await page.waitForURL(/\/p\/59263$/);
      await expect.poll(() => page.getByTestId('product-title').textContent(), { timeout: 10_000 }).toBe('Titan Women Silver Watch');
      expect(await page.locator('main').innerText()).toContain('Watches');
      if (modelsPresent) {
        // Similar items: the other products, never the product itself.
        const similar = page.getByRole('list', { name: 'Similar items' }).getByTestId('product-card');
        await expect.poll(() => similar.count(), { timeout: 15_000 }).toBe(SEED.length - 1);
        expect(await page.getByRole('list', { name: 'Similar items' }).innerText()).not.toContain('Titan Women Silver Watch');
      }
      if (process.env.LOOKBOOK_SCREENSHOTS) await page.screenshot({ path: path.join(process.env.LOOKBOOK_SCREENSHOTS, 'e2e-product.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('a deep link to an unknown product shows the API error message, not a blank page', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${local.cloud.urls.api}/p/999999`);
      const alert = page.getByRole('alert').first();
      await alert.waitFor({ timeout: 15_000 });
      expect(await alert.innerText()).toContain('No product with id 999999');
    } finally {
      await page.close();
    }
  });

  it.skipIf(!modelsPresent)('search: words give text results, a dropped photo makes it hybrid, and the α slider drives alphaUsed', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(`${local.cloud.urls.api}/`);
      await page.getByLabel("Describe what you're looking for").fill('navy checked shirt');
      await page.keyboard.press('Enter');
      const meta = page.getByTestId('search-meta');
      await expect.poll(() => meta.textContent(), { timeout: 20_000 }).toMatch(/results? for “navy checked shirt”/);
      expect(await meta.textContent()).toContain('text');
      expect(await page.getByTestId('product-card').first().innerText()).toContain('Turtle Check Men Navy Blue Shirt');
      expect(page.url()).toContain('q=navy+checked+shirt');
      expect(await page.getByTestId('search-intent').innerText()).toBe('understood: Navy Blue · Shirts');

      // A small photo goes inline (imageBase64); choosing it re-runs the search as hybrid.
      const photo = await sharp({ create: { width: 240, height: 320, channels: 3, background: { r: 31, g: 42, b: 77 } } }).jpeg().toBuffer();
      await page.locator('input[type=file]').setInputFiles({ name: 'navy.jpg', mimeType: 'image/jpeg', buffer: photo });
      await expect.poll(() => meta.textContent(), { timeout: 20_000 }).toContain('hybrid');
      expect(await meta.textContent()).toContain('α 0.50');
      await page.getByLabel('Balance between your words and your photo').fill('0.8');
      await expect.poll(() => meta.textContent(), { timeout: 20_000 }).toContain('α 0.80');
      if (process.env.LOOKBOOK_SCREENSHOTS) await page.screenshot({ path: path.join(process.env.LOOKBOOK_SCREENSHOTS, 'e2e-search.png') });
    } finally {
      await page.close();
    }
  });

  it.skipIf(!visionModelsPresent)('wardrobe: a photo goes up through the presigned PUT, is analysed, lands in the wardrobe and opens its analysis', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    try {
      await page.goto(`${local.cloud.urls.api}/wardrobe`);
      await page.getByText('Your wardrobe is empty').waitFor({ timeout: 15_000 });
      const optIn = page.getByLabel('Face-aware styling (optional)');
      expect(await optIn.isChecked()).toBe(false); // off unless the shopper ticks it
      expect(await page.locator('main').innerText()).toContain('never stored');

      // A "product shot": a navy garment on a white background, large enough to take the presigned-upload path.
      const garment = await sharp({ create: { width: 360, height: 480, channels: 3, background: { r: 31, g: 42, b: 77 } } }).png().toBuffer();
      const photo = await sharp({ create: { width: 600, height: 800, channels: 3, background: '#ffffff' } })
        .composite([{ input: garment, left: 120, top: 160 }])
        .jpeg({ quality: 95 })
        .toBuffer();
      await page.locator('input[type=file]').setInputFiles({ name: 'my-shirt.jpg', mimeType: 'image/jpeg', buffer: photo });
      await page.getByRole('button', { name: 'Add to wardrobe' }).click();

      const item = page.getByRole('list', { name: 'Wardrobe items' }).getByRole('link').first();
      await item.waitFor({ timeout: 90_000 }); // seconds when idle; generous for a loaded 2-core CI box
      await item.click();
      await page.waitForURL(/\/uploads\/[0-9a-f-]{36}$/);
      await page.getByTestId('analysis').waitFor({ timeout: 15_000 });
      const text = await page.locator('main').innerText();
      // (section titles are upper-cased by CSS, hence /i)
      expect(text).toMatch(/attributes/i);
      expect(text).toMatch(/dominant colours\s+navy blue/i); // the garment's colour, not the white background
      expect(text).toMatch(/saved to your wardrobe/);
      if (process.env.LOOKBOOK_SCREENSHOTS) await page.screenshot({ path: path.join(process.env.LOOKBOOK_SCREENSHOTS, 'e2e-upload.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);
});
