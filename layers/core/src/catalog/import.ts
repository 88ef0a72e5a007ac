/**
 * Catalog import from the Kaggle Fashion Product Images layout:
 *   <source>/catalog.jsonl.gz   one record a line (catalog.jsonl also accepted)
 *   <source>/images-hires/<id>.jpg, <source>/images-60x80/<id>.jpg
 *
 * Streams the catalog, maps and validates each line (kaggle.ts), uploads the chosen image to the catalog
 * bucket as products/<id>.jpg and writes products in batches. Bad rows are collected with their line number
 * and reason; the import carries on.
 *
 * Idempotent: an image already in the bucket with the same size is not uploaded again; a product whose stored
 * version equals the new one (timestamps aside) is not rewritten. A rewrite keeps the stored createdAt and any
 * `vision` attributes the vision pipeline added.
 *
 * Missing images: with onlyWithImages (the default for `hires`, where the demo catalog is exactly the 3,000
 * products that have a high-resolution image) such products are skipped; otherwise they are imported without
 * imageKeys and listed in `missingImages` as a warning — a product without a picture is still a product.
 */
import { createReadStream, existsSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { BlobStore, CatalogRepo } from '../ports.ts';
import { imageKeyFor, mapKaggleRecord } from './kaggle.ts';
import type { Product } from './product.ts';

export type ImageSet = 'hires' | 'small';
export const IMAGE_FOLDERS: Record<ImageSet, string> = { hires: 'images-hires', small: 'images-60x80' };

export interface ImportProgress {
  lines: number;
  imported: number;
  unchanged: number;
  skipped: number;
  rejected: number;
  imagesUploaded: number;
}

export interface ImportOptions {
  /** Folder in the Kaggle layout. */
  source: string;
  images: ImageSet;
  /** Stop after this many products were taken for writing (valid rows that pass the image filter). */
  limit?: number;
  /** Skip products without an image in the chosen folder. Default: true for hires, false for small. */
  onlyWithImages?: boolean;
  repo: CatalogRepo;
  blobs: BlobStore;
  onProgress?: (p: ImportProgress) => void;
  /** Products per write batch (a BatchGet to compare + BatchWrites of 25). */
  batchSize?: number;
  /** Parallel image uploads. */
  concurrency?: number;
  /** Clock for timestamps (tests). */
  now?: () => Date;
}

export interface RejectedRow {
  line: number;
  id?: string;
  reason: string;
}

export interface ImportReport {
  source: string;
  images: ImageSet;
  /** Products written (new or changed). */
  imported: number;
  /** Valid products already stored identically: not rewritten. */
  unchanged: number;
  /** Valid rows left out because they have no image while onlyWithImages. */
  skipped: number;
  rejected: RejectedRow[];
  /** Products imported with a problem (e.g. an image file that is not a JPEG). */
  warnings: RejectedRow[];
  /** True when --limit stopped the import before the end of the catalog. */
  limitReached: boolean;
  /** Imported without an image (warning, not an error). */
  missingImages: string[];
  imagesUploaded: number;
  imagesAlreadyPresent: number;
  lines: number;
  durationMs: number;
}

const JPEG_MAGIC = [0xff, 0xd8, 0xff];

export class ImportSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportSourceError';
  }
}

export function catalogFile(source: string): string {
  for (const name of ['catalog.jsonl.gz', 'catalog.jsonl']) {
    const f = path.join(source, name);
    if (existsSync(f)) return f;
  }
  throw new ImportSourceError(`no catalog.jsonl.gz (or catalog.jsonl) in ${source}`);
}

async function* readLines(file: string): AsyncGenerator<string> {
  const raw = createReadStream(file);
  const stream = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (e) => stream.destroy(e));
  try {
    yield* createInterface({ input: stream, crlfDelay: Infinity });
  } finally {
    // Leaving early (--limit) must not leave the file open.
    stream.destroy();
    raw.destroy();
  }
}

/** Runs fn over items with at most `n` in flight. */
async function mapLimit<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

async function isJpeg(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(3);
    const { bytesRead } = await fh.read(buf, 0, 3, 0);
    return bytesRead === 3 && JPEG_MAGIC.every((b, i) => buf[i] === b);
  } finally {
    await fh.close();
  }
}

/** Stable JSON (sorted keys) of the fields that matter for "has this product changed?". */
function fingerprint(p: Product): string {
  const { createdAt: _c, updatedAt: _u, vision: _v, ...rest } = p;
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sort(x)])) : v;
  return JSON.stringify(sort(rest));
}

export async function importCatalog(opts: ImportOptions): Promise<ImportReport> {
  const started = Date.now();
  const file = catalogFile(opts.source);
  const imageDir = path.join(opts.source, IMAGE_FOLDERS[opts.images]);
  const onlyWithImages = opts.onlyWithImages ?? opts.images === 'hires';
  const batchSize = opts.batchSize ?? 100;
  const concurrency = opts.concurrency ?? 8;
  const now = opts.now ?? (() => new Date());

  // One directory listing instead of 44k stat calls; a missing folder means "no images" (reported per product).
  const available = new Set<string>();
  if (existsSync(imageDir)) {
    for (const name of await readdir(imageDir)) if (name.endsWith('.jpg')) available.add(name.slice(0, -4));
  } else if (onlyWithImages) {
    throw new ImportSourceError(`image folder ${imageDir} does not exist (needed for --images ${opts.images})`);
  }

  const report: ImportReport = {
    source: opts.source,
    images: opts.images,
    imported: 0,
    unchanged: 0,
    skipped: 0,
    rejected: [],
    warnings: [],
    limitReached: false,
    missingImages: [],
    imagesUploaded: 0,
    imagesAlreadyPresent: 0,
    lines: 0,
    durationMs: 0,
  };
  const progress = () =>
    opts.onProgress?.({ lines: report.lines, imported: report.imported, unchanged: report.unchanged, skipped: report.skipped, rejected: report.rejected.length, imagesUploaded: report.imagesUploaded });

  const seen = new Map<string, number>();
  let batch: Array<{ product: Product; line: number; hasImage: boolean }> = [];
  let considered = 0;

  /** Uploads the product's image unless the same bytes are already there; false = no usable image. */
  const uploadImage = async (id: string, line: number): Promise<boolean> => {
    const local = path.join(imageDir, `${id}.jpg`);
    const key = imageKeyFor(id);
    const { size } = await stat(local);
    if (size === 0 || !(await isJpeg(local))) {
      report.warnings.push({ line, id, reason: `image ${path.basename(local)} is not a JPEG: product imported without image` });
      return false;
    }
    const existing = await opts.blobs.head(key);
    if (existing?.size === size) {
      report.imagesAlreadyPresent++;
      return true;
    }
    await opts.blobs.put(key, await readFile(local), 'image/jpeg', { source: opts.images });
    report.imagesUploaded++;
    return true;
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    // Images first: a product is only written pointing at an image that is in the bucket.
    const imageOk = await mapLimit(current, concurrency, (b) => (b.hasImage ? uploadImage(b.product.id, b.line) : Promise.resolve(false)));
    const stored = new Map((await opts.repo.getMany(current.map((b) => b.product.id))).map((p) => [p.id, p]));
    const toWrite: Product[] = [];
    current.forEach((b, i) => {
      const p: Product = { ...b.product, imageKeys: imageOk[i] ? b.product.imageKeys : [] };
      if (!imageOk[i]) report.missingImages.push(p.id);
      const old = stored.get(p.id);
      if (old && fingerprint(old) === fingerprint(p)) {
        report.unchanged++;
        return;
      }
      toWrite.push(old ? { ...p, createdAt: old.createdAt, ...(old.vision ? { vision: old.vision } : {}) } : p);
    });
    if (toWrite.length) report.imported += (await opts.repo.putMany(toWrite)).written;
    progress();
  };

  for await (const text of readLines(file)) {
    const line = ++report.lines;
    if (text.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      report.rejected.push({ line, reason: 'not valid JSON' });
      continue;
    }
    // Rows that will be skipped anyway are not worth mapping (41k of 44k lines for the hires demo set).
    const rawId = raw && typeof raw === 'object' ? (raw as { id?: unknown }).id : undefined;
    if (onlyWithImages && (typeof rawId === 'number' || typeof rawId === 'string') && /^\d+$/.test(String(rawId).trim()) && !available.has(String(rawId).trim())) {
      report.skipped++;
      continue;
    }
    const r = mapKaggleRecord(raw, { now: now().toISOString() });
    if (!r.ok) {
      report.rejected.push({ line, id: r.id, reason: r.reason });
      continue;
    }
    const id = r.product.id;
    const first = seen.get(id);
    if (first !== undefined) {
      report.rejected.push({ line, id, reason: `duplicate id (first seen on line ${first})` });
      continue;
    }
    seen.set(id, line);
    const hasImage = available.has(id);
    if (!hasImage && onlyWithImages) {
      report.skipped++;
      continue;
    }
    batch.push({ product: r.product, line, hasImage });
    if (batch.length >= batchSize) await flush();
    if (opts.limit !== undefined && ++considered >= opts.limit) {
      report.limitReached = true;
      break;
    }
  }
  await flush();
  report.durationMs = Date.now() - started;
  progress();
  return report;
}
