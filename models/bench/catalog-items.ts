/** Real catalog metadata (titles, labels) for the bench's index, so BM25 and filters see realistic text. */
import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import type { IndexedItem } from '#core/index/artifact';
import { repoRoot } from '#core/model-files';

export function catalogFile(): string {
  const candidates = [
    process.env.LOOKBOOK_CATALOG_FILE,
    path.join(repoRoot, 'models/.cache/datasets/fashion-product-images/catalog.jsonl.gz'),
    path.join(repoRoot, '../shared/datasets/fashion-product-images/catalog.jsonl.gz'),
  ].filter((x): x is string => !!x);
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new Error(`catalog.jsonl.gz not found (tried ${candidates.join(', ')}); run npm run models:fetch`);
  return found;
}

const s = (v: unknown) => (typeof v === 'string' && v !== 'NA' ? v : '');

export function catalogItems(limit = Infinity): IndexedItem[] {
  const lines = gunzipSync(readFileSync(catalogFile())).toString('utf8').split('\n');
  const items: IndexedItem[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    if (items.length >= limit) break;
    const r = JSON.parse(line) as Record<string, unknown>;
    const id = String(r.id);
    items.push({
      id,
      title: s(r.title) || `Product ${id}`,
      brand: s(r.brand),
      gender: s(r.gender),
      masterCategory: s(r.masterCategory),
      subCategory: s(r.subCategory),
      articleType: s(r.articleType),
      baseColour: s(r.baseColour),
      colours: [s(r.colour1), s(r.colour2)].filter(Boolean),
      season: s(r.season),
      usage: s(r.usage),
      price: typeof r.price === 'number' ? r.price : 0,
      currency: 'INR',
      stock: 5,
      imageKey: `products/${id}.jpg`,
      keywords: Object.values((r.attributes as Record<string, unknown>) ?? {})
        .map(s)
        .filter(Boolean)
        .join(' '),
    });
  }
  return items;
}

/** Shopper-style text queries from the catalog's labels: "{gender} {colour} {type}" and shorter. */
export function textQueries(items: IndexedItem[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n && i < items.length; i += 97) {
    const it = items[i];
    out.push(out.length % 2 ? `${it.baseColour} ${it.articleType}`.toLowerCase() : `${it.gender} ${it.baseColour} ${it.articleType}`.toLowerCase());
  }
  return out;
}
