/**
 * Training data: the raw catalog rows of the dataset mirror and the folds.
 * test = ids ending in 7 (never read for training or tuning), validation = ids ending in 3, train = the rest.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { datasetDir as fetchedDatasetDir, defaultMirror, DATASET } from '../artifacts.ts';

/**
 * The dataset folder: the copy `npm run models:fetch` installed (models/.cache) when it holds the catalog and
 * the small images, else the mirror itself (env LOOKBOOK_MIRROR, default ../shared next to the repo).
 */
export function datasetDir(env: Record<string, string | undefined> = process.env): string {
  const fetched = fetchedDatasetDir(env);
  if (fs.existsSync(path.join(fetched, 'catalog.jsonl.gz')) && fs.existsSync(path.join(fetched, 'images-60x80'))) return fetched;
  return path.join(defaultMirror(env), DATASET);
}

export type Fold = 'train' | 'val' | 'test';
export const foldOf = (id: string): Fold => (id.endsWith('7') ? 'test' : id.endsWith('3') ? 'val' : 'train');

/** The fields the encoder learns from; "NA"/blank → ''. */
export interface CatalogRow {
  id: string;
  title: string;
  gender: string;
  masterCategory: string;
  subCategory: string;
  articleType: string;
  baseColour: string;
  season: string;
  usage: string;
  attributes: Record<string, string>;
}

const clean = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v).trim();
  return /^(na|n\/a|null|none|undefined)$/i.test(s) ? '' : s;
};

/** Attribute display names → the keys the text views and heads use. */
const ATTRS: Record<string, string> = {
  pattern: 'pattern', 'print or pattern type': 'pattern', fabric: 'fabric', fit: 'fit',
  'sleeve length': 'sleeve', neck: 'neck', 'neck type': 'neck', 'sleeve styling': 'sleeveStyle', 'shoe width': '',
};

export function readCatalog(dir = datasetDir()): CatalogRow[] {
  const text = zlib.gunzipSync(fs.readFileSync(path.join(dir, 'catalog.jsonl.gz'))).toString('utf8');
  const rows: CatalogRow[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries((r.attributes ?? {}) as Record<string, unknown>)) {
      const key = ATTRS[k.trim().toLowerCase()];
      const val = clean(v);
      if (key && val && !attributes[key]) attributes[key] = val;
    }
    rows.push({
      id: String(r.id), title: clean(r.title), gender: clean(r.gender), masterCategory: clean(r.masterCategory),
      subCategory: clean(r.subCategory), articleType: clean(r.articleType), baseColour: clean(r.baseColour),
      season: clean(r.season), usage: clean(r.usage), attributes,
    });
  }
  return rows;
}
