/**
 * The evaluation data: the KAGL catalog from the dataset mirror (the training code's reader, so folds and label
 * cleaning agree), plus small helpers every task shares.
 */
import fs from 'node:fs';
import path from 'node:path';
import { datasetDir, readCatalog } from '../training/data.ts';
import { SET_FOLDERS } from '../training/feature-cache.ts';
import { mulberry32 } from '#core/random';
import type { EvalData, ImageSet } from './types.ts';

export const isTest = (id: string) => id.endsWith('7');

function listIds(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jpg'))
    .map((f) => f.slice(0, -4))
    .sort((a, b) => Number(a) - Number(b));
}

export function loadKaglData(dir = datasetDir()): EvalData {
  if (!fs.existsSync(path.join(dir, 'catalog.jsonl.gz'))) {
    throw new Error(`no catalog at ${dir}: set LOOKBOOK_MIRROR to the folder that holds datasets/fashion-product-images`);
  }
  const products = readCatalog(dir);
  const imageIds = { small: listIds(path.join(dir, SET_FOLDERS.small)), hires: listIds(path.join(dir, SET_FOLDERS.hires)) };
  return {
    name: 'kagl',
    products,
    imageIds,
    cacheable: true,
    readImage: async (set: ImageSet, id: string) => fs.promises.readFile(path.join(dir, SET_FOLDERS[set], `${id}.jpg`)),
  };
}

/** A seeded Fisher–Yates sample of up to n items (order of the sample is random too). */
export function sample<T>(items: readonly T[], n: number, seed: number): T[] {
  const a = items.slice();
  const next = mulberry32(seed);
  const m = Math.min(n, a.length);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(next() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, m);
}

/** 32-bit FNV-1a of a string (seeds per-id randomness). */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Groups ids by a key; empty keys are dropped. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string, id: (t: T) => string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const it of items) {
    const k = key(it);
    if (!k) continue;
    let s = out.get(k);
    if (!s) out.set(k, (s = new Set()));
    s.add(id(it));
  }
  return out;
}
