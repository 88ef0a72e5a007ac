/**
 * Computes the image-feature cache for the catalog's images with 2 single-threaded worker processes
 * (faster than one two-threaded process on this CPU: ~330 small images/s were measured).
 *
 *   npx tsx models/training/extract-features.ts [small|hires|all] [--workers N] [--force]
 *
 * Also importable: `ensureFeatureCache(set)` computes the cache only when it is missing.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createImageFeaturizer, FEATURES_VERSION, COLOUR_DIM, MOBILENET_FEATURE_DIM } from '../../layers/core/src/encoders/image-features.ts';
import { datasetDir } from './data.ts';
import { featureCachePaths, hasFeatureCache, readFeatureCache, SET_FOLDERS, writeFeatureCache, type FeatureTable, type ImageSet } from './feature-cache.ts';

const self = fileURLToPath(import.meta.url);
const CHUNK = 128;

type Result = { id: string; mobilenet: Float32Array; colour: Float32Array } | { id: string; error: string };

/** Ids (sorted numerically) of the images in a set's folder. */
export function listImageIds(set: ImageSet, dir = datasetDir()): string[] {
  return fs
    .readdirSync(path.join(dir, SET_FOLDERS[set]))
    .filter((f) => f.endsWith('.jpg'))
    .map((f) => f.slice(0, -4))
    .sort((a, b) => Number(a) - Number(b));
}

export async function extractFeatures(set: ImageSet, opts: { workers?: number; log?: (s: string) => void } = {}): Promise<FeatureTable> {
  const ids = listImageIds(set);
  const workers = Math.max(1, Math.min(opts.workers ?? 2, os.availableParallelism()));
  const log = opts.log ?? ((s: string) => process.stderr.write(s));
  const results = new Map<string, Result>();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, () =>
      new Promise<void>((resolve, reject) => {
        // Same loader flags (tsx) as the parent; structured-clone IPC carries the Float32Arrays as they are.
        const child = fork(self, ['--worker', set], { execArgv: process.execArgv, serialization: 'advanced' });
        const feed = () => {
          if (next >= ids.length) return child.send({ done: true });
          child.send({ ids: ids.slice(next, next + CHUNK) });
          next += CHUNK;
        };
        child.on('message', (msg: { results: Result[] }) => {
          for (const r of msg.results) results.set(r.id, r);
          if (results.size % 2048 < CHUNK) {
            const s = (performance.now() - t0) / 1000;
            log(`\r${set}: ${results.size}/${ids.length} images, ${(results.size / s).toFixed(0)}/s   `);
          }
          feed();
        });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`feature worker exited with ${code}`))));
        feed();
      }),
    ),
  );
  const ok = ids.filter((id) => results.get(id) && !('error' in results.get(id)!));
  const failed = ids.filter((id) => !ok.includes(id));
  const mobilenet = new Float32Array(ok.length * MOBILENET_FEATURE_DIM);
  const colour = new Float32Array(ok.length * COLOUR_DIM);
  ok.forEach((id, i) => {
    const r = results.get(id) as { mobilenet: Float32Array; colour: Float32Array };
    mobilenet.set(r.mobilenet, i * MOBILENET_FEATURE_DIM);
    colour.set(r.colour, i * COLOUR_DIM);
  });
  const table: FeatureTable = { version: FEATURES_VERSION, set, ids: ok, mobilenetDim: MOBILENET_FEATURE_DIM, colourDim: COLOUR_DIM, mobilenet, colour, failed };
  writeFeatureCache(table);
  log(`\n${set}: ${ok.length} images (${failed.length} failed) in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${featureCachePaths(set).bin}\n`);
  return table;
}

/** The cached table, computing it first when missing. */
export async function ensureFeatureCache(set: ImageSet, opts: { workers?: number; log?: (s: string) => void } = {}): Promise<FeatureTable> {
  return hasFeatureCache(set) ? readFeatureCache(set) : extractFeatures(set, opts);
}

async function worker(set: ImageSet): Promise<void> {
  sharp.concurrency(1);
  const featurizer = await createImageFeaturizer({ intraOpThreads: 1 });
  const dir = path.join(datasetDir(), SET_FOLDERS[set]);
  process.on('message', async (msg: { ids?: string[]; done?: boolean }) => {
    if (msg.done) {
      await featurizer.close();
      process.disconnect();
      return;
    }
    const results: Result[] = [];
    for (const id of msg.ids ?? []) {
      try {
        const f = await featurizer.features(fs.readFileSync(path.join(dir, `${id}.jpg`)));
        results.push({ id, ...f });
      } catch (err) {
        results.push({ id, error: (err as Error).message });
      }
    }
    process.send!({ results });
  });
}

if (process.argv[1] === self) {
  const args = process.argv.slice(2);
  if (args[0] === '--worker') {
    await worker(args[1] as ImageSet);
  } else {
    const which = args.find((a) => !a.startsWith('--')) ?? 'all';
    const w = args.indexOf('--workers');
    const workers = w >= 0 ? Number(args[w + 1]) : 2;
    const sets: ImageSet[] = which === 'all' ? ['small', 'hires'] : [which as ImageSet];
    for (const set of sets) {
      if (!args.includes('--force') && hasFeatureCache(set)) console.log(`${set}: cached at ${featureCachePaths(set).bin}`);
      else await extractFeatures(set, { workers });
    }
  }
}
