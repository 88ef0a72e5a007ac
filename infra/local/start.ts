/**
 * `npm start` (after infra/local/start.mjs has installed dependencies): fetch model artifacts, start the local
 * cloud persisted under .local/, seed the demo catalog once, build the search index and the web app when
 * missing, then serve API + web on http://127.0.0.1:$PORT. Every step is idempotent, so a second start reuses
 * what the first one made and is fast. Ctrl-C stops the servers and any child process.
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocClient } from '#core/adapters/aws/clients';
import { tableName } from '#core/tables';
import { DataDirBusyError, startLocalCloud, type LocalCloud } from './cloud.ts';
import { startApiServer, type ApiServer } from './api-server.ts';
import { repoRoot } from './lambda.ts';
import { bold, cyan, dim, green, killChildren, progress, red, run, step, StepSkipped, yellow } from './steps.ts';

const dataDir = path.resolve(process.env.LOOKBOOK_DATA_DIR ?? path.join(repoRoot, '.local/data'));
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const seedMarker = path.join(dataDir, 'seed.json');

let cloud: LocalCloud | undefined;
let api: ApiServer | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    // Lambda work in flight is abandoned on purpose: a stopped dev server should stop now.
    const force = setTimeout(() => process.exit(code || 1), 10_000);
    force.unref();
    killChildren();
    await api?.stop().catch(() => undefined);
    await cloud?.stop().catch(() => undefined);
    console.log(dim('stopped.'));
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    console.log(`\n${yellow(signal)}: stopping the local cloud…`);
    void shutdown(0);
  });
}

type Artifacts = typeof import('../../models/artifacts.ts');
const artifactsModule = path.join(repoRoot, 'models/artifacts.ts');

/** models/artifacts.ts fetchArtifacts() (what `npm run models:fetch` runs), with a progress bar for copies. */
async function fetchModels(): Promise<string | void> {
  if (!existsSync(artifactsModule)) {
    if (!existsSync(path.join(repoRoot, 'models/scripts/fetch.ts'))) throw new StepSkipped('no artifact fetcher yet (models/artifacts.ts)');
    return run('npm', ['run', '--silent', 'models:fetch'], { cwd: repoRoot });
  }
  const { fetchArtifacts, defaultMirror } = (await import(pathToFileURL(artifactsModule).href)) as Artifacts;
  let bar: ReturnType<typeof progress> | undefined;
  const results = await fetchArtifacts({
    mirror: defaultMirror(),
    onProgress: (p) => {
      if (p.phase === 'copying' && p.total && p.total > 1) {
        bar ??= progress(p.name, p.total);
        bar.update(p.done ?? 0, p.total);
      } else if (p.phase === 'done') {
        bar?.stop();
        bar = undefined;
        if (p.status !== 'present') console.log(`  ${p.name}: ${p.status}`);
      }
    },
  });
  bar?.stop();
  const fresh = results.filter((r) => r.status !== 'present').length;
  return `${results.length} artifacts verified (${fresh} installed, ${results.length - fresh} already present)`;
}

/** The demo catalog: LOOKBOOK_DATASET_DIR, else the copy models:fetch put in models/.cache, else ../shared. */
async function datasetDir(): Promise<string> {
  if (process.env.LOOKBOOK_DATASET_DIR) return path.resolve(process.env.LOOKBOOK_DATASET_DIR);
  if (existsSync(artifactsModule)) {
    const fetched = ((await import(pathToFileURL(artifactsModule).href)) as Artifacts).datasetDir();
    if (existsSync(fetched)) return fetched;
  }
  return path.resolve(repoRoot, '../shared/datasets/fashion-product-images');
}

async function catalogHasItems(): Promise<boolean> {
  const r = await dynamoDocClient().send(new ScanCommand({ TableName: tableName('catalog'), Limit: 1, ProjectionExpression: 'id' }));
  return (r.Items?.length ?? 0) > 0;
}

async function seedCatalog(): Promise<string> {
  if (existsSync(seedMarker) && (await catalogHasItems())) {
    const seeded = JSON.parse(await fs.readFile(seedMarker, 'utf8')) as { products?: number; at?: string };
    throw new StepSkipped(`already seeded (${seeded.products ?? '?'} products on ${seeded.at ?? '?'})`);
  }
  const source = await datasetDir();
  if (!existsSync(source)) throw new StepSkipped(`no dataset at ${source} (run npm run models:fetch or set LOOKBOOK_DATASET_DIR)`);
  const importFile = path.join(repoRoot, 'layers/core/src/catalog/import.ts');
  if (!existsSync(importFile)) throw new StepSkipped('the catalog importer does not exist yet');
  const { importCatalog } = await import('#core/catalog/import');
  const { DynamoCatalogRepo } = await import('#core/adapters/aws/dynamo-catalog');
  const { S3BlobStore } = await import('#core/adapters/aws/s3-blob-store');

  const imagesDir = path.join(source, 'images-hires');
  const total = existsSync(imagesDir) ? (await fs.readdir(imagesDir)).filter((f) => f.endsWith('.jpg')).length : 0;
  const bar = progress('products', total || 1);
  try {
    const report = await importCatalog({
      source,
      images: 'hires',
      repo: new DynamoCatalogRepo(),
      blobs: new S3BlobStore({ bucket: 'catalog' }),
      onProgress: (p) => bar.update(p.imported + p.unchanged, undefined, `${p.imagesUploaded} images uploaded, ${p.rejected} rejected`),
    });
    bar.stop();
    const products = report.imported + report.unchanged;
    await fs.writeFile(seedMarker, JSON.stringify({ source, images: 'hires', products, rejected: report.rejected.length, at: new Date().toISOString() }, null, 2));
    await fs.writeFile(path.join(dataDir, 'catalog-import-report.json'), JSON.stringify(report, null, 2));
    return `${products} products (${report.imported} written, ${report.imagesUploaded} images uploaded, ${report.rejected.length} rows rejected — see ${displayPath(path.join(dataDir, 'catalog-import-report.json'))})`;
  } finally {
    bar.stop();
  }
}

const displayPath = (p: string) => (p.startsWith(repoRoot + path.sep) ? path.relative(repoRoot, p) : p);

/** Hook for the search teammate: layers/core/src/search/bootstrap.ts exporting ensureSearchIndex(log). */
async function buildSearchIndex(): Promise<string | void> {
  const file = path.join(repoRoot, 'layers/core/src/search/bootstrap.ts');
  if (!existsSync(file)) throw new StepSkipped('layers/core/src/search/bootstrap.ts does not exist yet');
  const mod = (await import(pathToFileURL(file).href)) as { ensureSearchIndex?: (log: (msg: string) => void) => Promise<unknown> };
  if (typeof mod.ensureSearchIndex !== 'function') throw new StepSkipped('search/bootstrap.ts does not export ensureSearchIndex');
  const result = await mod.ensureSearchIndex((msg) => console.log(`  ${dim(msg)}`));
  return typeof result === 'string' ? result : undefined;
}

/** Newest modification time among the web app's sources, so a stale web/dist is rebuilt. */
async function newestSourceMtime(): Promise<number> {
  let newest = 0;
  const visit = async (p: string): Promise<void> => {
    const st = await fs.stat(p).catch(() => undefined);
    if (!st) return;
    if (st.isDirectory()) await Promise.all((await fs.readdir(p)).map((name) => visit(path.join(p, name))));
    else newest = Math.max(newest, st.mtimeMs);
  };
  await Promise.all(['web/src', 'web/public', 'web/index.html', 'web/vite.config.ts', 'web/package.json'].map((p) => visit(path.join(repoRoot, p))));
  return newest;
}

async function buildWeb(): Promise<string | void> {
  if (process.env.LOOKBOOK_WEB_BUILD === '0') throw new StepSkipped('LOOKBOOK_WEB_BUILD=0');
  const dist = path.join(repoRoot, 'web/dist/index.html');
  if (existsSync(dist) && (await newestSourceMtime()) <= (await fs.stat(dist)).mtimeMs) throw new StepSkipped('web/dist is up to date');
  const hasApp = existsSync(path.join(repoRoot, 'web/package.json')) || existsSync(path.join(repoRoot, 'web/vite.config.ts'));
  if (!hasApp) throw new StepSkipped('no web app yet (web/vite.config.ts)');
  await run(process.execPath, [path.join(repoRoot, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'], { cwd: repoRoot });
}

async function main(): Promise<void> {
  console.log(bold('Lookbook local cloud'));
  console.log(dim(`data: ${dataDir} (LOOKBOOK_DATA_DIR)   port: ${port} (PORT)`));

  await step('fetch model artifacts', fetchModels);
  await step(
    'start DynamoDB (dynalite) and S3 (s3rver)',
    async () => {
      await fs.mkdir(dataDir, { recursive: true });
      cloud = await startLocalCloud({ dataDir, quiet: false });
      const created = cloud.provisioned.tablesCreated.length + cloud.provisioned.bucketsCreated.length;
      return `${cloud.urls.dynamodb}, ${cloud.urls.s3}${created ? '' : ' (tables and buckets already there)'}`;
    },
    { required: true },
  );
  await step('seed the demo catalog', seedCatalog, { required: true });
  await step('build search index', buildSearchIndex);
  await step('build the web app', buildWeb);
  await step(
    'start the API and web server',
    async () => {
      try {
        api = await startApiServer({ port, host, log: process.env.LOOKBOOK_ACCESS_LOG === '0' ? undefined : (msg) => console.log(dim(msg)) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new StartError(`port ${port} on ${host} is in use: stop the other server or set PORT`);
        throw err;
      }
      return api.url;
    },
    { required: true },
  );

  const ready = await fetch(`${api!.url}/ready`).then((r) => r.json() as Promise<{ status: string; checks?: Record<string, { status: string; latencyMs: number }> }>);
  const checks = Object.entries(ready.checks ?? {}).map(([name, c]) => `${name} ${c.status === 'ok' ? green('ok') : red(c.status)} ${dim(`${c.latencyMs} ms`)}`);
  console.log(`\n${green(bold('Lookbook is running:'))} ${bold(cyan(api!.url))}`);
  console.log(`  ready: ${checks.join(', ') || ready.status}`);
  console.log(`  api:   ${api!.url}/health  ${api!.url}/v1/products`);
  console.log(dim('  Ctrl-C to stop.\n'));
}

/** Failures with a clear cause: the message says it all, no stack trace. */
class StartError extends Error {}

main().catch(async (err: Error) => {
  const expected = err instanceof StartError || err instanceof DataDirBusyError;
  console.error(`\n${red('npm start failed:')} ${expected ? err.message : (err.stack ?? err.message)}`);
  await shutdown(1);
});
