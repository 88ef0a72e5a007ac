/**
 * npm run eval [-- --tasks text-image,kagl-text-image] [--systems trained,random] [--limit 200] [--json out.json]
 *                 [--no-fetch] [--seed 7] [--all-galleries]
 *
 * Quality on the test fold (ids ending in 7) with galleries embedded from images only, every system in one table.
 * Fetches the artifacts it needs (models/manifest.json, including the 44k small images) and computes feature
 * caches when missing, so it runs from a fresh clone. Writes models/eval/results/latest.json unless --json says otherwise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../../layers/core/src/model-files.ts';
import { datasetDir as cachedDatasetDir, fetchArtifacts } from '../artifacts.ts';
import { loadKaglData } from './data.ts';
import { runEval } from './harness.ts';
import { selectSystems, selectTasks } from './registry.ts';
import { formatReport } from './report.ts';
import type { EvalSystem } from './types.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string' },
      systems: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'string' },
      seed: { type: 'string' },
      'no-fetch': { type: 'boolean', default: false },
      'all-galleries': { type: 'boolean', default: false },
    },
  });
  const list = (s?: string) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
  const limit = values.limit ? Number(values.limit) : undefined;
  if (limit !== undefined && !(limit > 0)) throw new Error('--limit must be a positive number');
  const tasks = selectTasks(list(values.tasks));
  const factories = selectSystems(list(values.systems));
  const log = (m: string) => process.stderr.write(`${m}\n`);

  if (!values['no-fetch']) {
    log('artifacts: checking models/manifest.json (models, catalog, images)…');
    const results = await fetchArtifacts({
      includeOptional: true,
      onProgress: (p) => {
        if (p.phase === 'copying' && p.done) process.stderr.write(`\r  ${p.name}: ${p.done}/${p.total}   `);
        if (p.phase === 'done' && p.status !== 'present') log(`\n  ${p.name}: ${p.status}`);
      },
    });
    log(`artifacts: ${results.length} ready`);
  }

  // The fetched copy in models/.cache when complete, else the mirror itself (e.g. with --no-fetch).
  const complete = (dir: string) => ['catalog.jsonl.gz', 'images-60x80', 'images-hires'].every((f) => fs.existsSync(path.join(dir, f)));
  const dataDir = complete(cachedDatasetDir()) ? cachedDatasetDir() : undefined;
  const data = loadKaglData(dataDir);
  log(`data: ${data.products.length} products, ${data.imageIds.small.length} small images, ${data.imageIds.hires.length} hi-res images`);

  const systems: EvalSystem[] = [];
  for (const f of factories) {
    try {
      const s = await f.create(data);
      if (s) systems.push(s);
      else log(`system ${f.id}: not available here, skipped`);
    } catch (err) {
      log(`system ${f.id}: could not start (${(err as Error).message}), skipped`);
    }
  }
  if (systems.length === 0) throw new Error('no system to evaluate');

  const report = await runEval(data, {
    tasks,
    systems,
    limit,
    seed: values.seed ? Number(values.seed) : undefined,
    allGalleries: values['all-galleries'],
    log,
  });
  for (const s of systems) await s.close?.();

  const table = formatReport(report);
  process.stdout.write(`\n${table}\n`);
  const out = values.json ?? path.join(repoRoot, 'models/eval/results/latest.json');
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify({ ...report, command: `npm run eval -- ${process.argv.slice(2).join(' ')}`.trim(), table }, null, 2)}\n`);
  log(`wrote ${out}`);
}

main().catch((err: Error) => {
  // Bad flags and missing inputs: one clear line, not a stack trace.
  process.stderr.write(`npm run eval: ${err.message}\n`);
  process.exit(1);
});
