/**
 * Runs evaluation tasks over systems: builds the shared context (folds, memoised embeddings, exact-search
 * galleries), runs every task for every system and collects one report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { modelFile } from '../../layers/core/src/model-files.ts';
import { hash32, isTest } from './data.ts';
import { Gallery } from './search.ts';
import type { EvalContext, EvalData, EvalProduct, EvalSystem, EvalTask, ImageSet, MetricSpec, TaskResult } from './types.ts';

export interface EvalOptions {
  tasks: EvalTask[];
  systems: EvalSystem[];
  limit?: number;
  seed?: number;
  log?: (message: string) => void;
  /** Where systems with a cacheKey keep image embeddings (default models/.cache/eval). */
  cacheDir?: string;
  /** Ignore systems' maxGallery. */
  allGalleries?: boolean;
}

/** Thrown by ctx.gallery when a system declines a gallery this large; the task is reported as skipped. */
export class GallerySkipped extends Error {}

export interface TaskReport {
  id: string;
  title: string;
  kind: 'system' | 'once';
  describe: string;
  metrics: MetricSpec[];
  /** By system id ('*' for tasks of kind 'once'). */
  results: Record<string, TaskResult | { error: string }>;
  seconds: number;
}

export interface EvalReport {
  data: string;
  startedAt: string;
  seconds: number;
  limit?: number;
  seed: number;
  systems: Array<{ id: string; label: string; dim: number; note?: string }>;
  tasks: TaskReport[];
}

function embeddingCache(dir: string, key: string, set: ImageSet) {
  const base = path.join(dir, `${key.replace(/[^\w.-]+/g, '_')}-${set}`);
  return {
    read(): Map<string, Float32Array> | undefined {
      if (!fs.existsSync(`${base}.json`) || !fs.existsSync(`${base}.bin`)) return undefined;
      const meta = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')) as { ids: string[]; dim: number };
      const buf = fs.readFileSync(`${base}.bin`);
      const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      return new Map(meta.ids.map((id, i) => [id, all.subarray(i * meta.dim, (i + 1) * meta.dim)]));
    },
    write(rows: Map<string, Float32Array>, dim: number): void {
      fs.mkdirSync(dir, { recursive: true });
      const ids = [...rows.keys()];
      const all = new Float32Array(ids.length * dim);
      ids.forEach((id, i) => all.set(rows.get(id)!, i * dim));
      fs.writeFileSync(`${base}.bin.tmp`, new Uint8Array(all.buffer));
      fs.renameSync(`${base}.bin.tmp`, `${base}.bin`);
      fs.writeFileSync(`${base}.json`, JSON.stringify({ ids, dim }));
    },
  };
}

export function createContext(data: EvalData, opts: Omit<EvalOptions, 'tasks' | 'systems'> = {}): EvalContext {
  const log = opts.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const cacheDir = opts.cacheDir ?? path.join(path.dirname(modelFile('x')), 'eval');
  const byId = new Map<string, EvalProduct>(data.products.map((p) => [p.id, p]));
  const rows = new Map<string, Map<string, Float32Array>>(); // system|set → id → row
  const galleries = new Map<string, Gallery>();
  const textMemo = new Map<string, Map<string, Float32Array>>();

  async function ensureRows(system: EvalSystem, set: ImageSet, ids: readonly string[]): Promise<Map<string, Float32Array>> {
    const key = `${system.id}|${set}`;
    let memo = rows.get(key);
    const disk = data.cacheable && system.cacheKey ? embeddingCache(cacheDir, system.cacheKey, set) : undefined;
    if (!memo) {
      memo = disk?.read() ?? new Map();
      rows.set(key, memo);
    }
    const missing = ids.filter((id) => !memo!.has(id));
    if (missing.length > 0) {
      const t0 = performance.now();
      let last = 0;
      const vecs = await system.embedImages(set, missing, (done) => {
        const now = performance.now();
        if (missing.length > 200 && (now - last > 2000 || done === missing.length)) {
          last = now;
          const rate = done / ((now - t0) / 1000);
          process.stderr.write(`\r  ${system.id}: embedding ${set} images ${done}/${missing.length} (${rate.toFixed(0)}/s)   `);
        }
      });
      if (missing.length > 200) process.stderr.write('\n');
      missing.forEach((id, i) => memo!.set(id, vecs[i]));
      disk?.write(memo, system.dim);
    }
    return memo;
  }

  return {
    data,
    byId,
    testSmallIds: data.imageIds.small.filter(isTest),
    testHiresIds: data.imageIds.hires.filter(isTest),
    limit: opts.limit,
    seed: opts.seed ?? 7,
    log,
    async gallery(system, set, ids) {
      if (system.maxGallery !== undefined && ids.length > system.maxGallery && !opts.allGalleries) {
        throw new GallerySkipped(`${system.id}: skipped the ${ids.length}-image gallery (> ${system.maxGallery}; --all-galleries runs it)`);
      }
      const gkey = `${system.id}|${set}|${ids.length}|${hash32(ids.join(','))}`;
      const hit = galleries.get(gkey);
      if (hit) return hit;
      const memo = await ensureRows(system, set, ids);
      const g = Gallery.fromRows(ids, ids.map((id) => memo.get(id)!), system.dim);
      galleries.set(gkey, g);
      return g;
    },
    async texts(system, texts) {
      let memo = textMemo.get(system.id);
      if (!memo) textMemo.set(system.id, (memo = new Map()));
      const missing = [...new Set(texts.filter((t) => !memo!.has(t)))];
      for (let i = 0; i < missing.length; i += 256) {
        const chunk = missing.slice(i, i + 256);
        const vecs = await system.embedTexts(chunk);
        chunk.forEach((t, j) => memo!.set(t, vecs[j]));
      }
      return texts.map((t) => memo!.get(t)!);
    },
  };
}

export async function runEval(data: EvalData, opts: EvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const ctx = createContext(data, opts);
  const report: EvalReport = {
    data: data.name,
    startedAt: new Date().toISOString(),
    seconds: 0,
    limit: opts.limit,
    seed: ctx.seed,
    systems: opts.systems.map((s) => ({ id: s.id, label: s.label, dim: s.dim, note: s.note })),
    tasks: [],
  };
  for (const task of opts.tasks) {
    const kind = task.kind ?? 'system';
    const tr: TaskReport = { id: task.id, title: task.title, kind, describe: task.describe, metrics: task.metrics, results: {}, seconds: 0 };
    const ts = performance.now();
    const targets = kind === 'once' ? [undefined] : opts.systems;
    for (const system of targets) {
      const name = system?.id ?? '*';
      ctx.log(`${task.id} · ${name}`);
      try {
        tr.results[name] = await task.run(ctx, system);
      } catch (err) {
        const e = err as Error;
        if (e instanceof GallerySkipped) {
          tr.results[name] = { metrics: {}, count: 0, notes: [e.message] };
          continue;
        }
        ctx.log(`  ${task.id} · ${name} failed: ${e.message}`);
        tr.results[name] = { error: e.message };
      }
    }
    tr.seconds = (performance.now() - ts) / 1000;
    report.tasks.push(tr);
  }
  report.seconds = (performance.now() - t0) / 1000;
  return report;
}
