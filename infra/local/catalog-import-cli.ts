/**
 * npm run catalog:import -- --source DIR [--images hires|small] [--limit N] [--all] [--report FILE]
 *
 * Imports a Kaggle Fashion Product Images folder into the catalog table and bucket named by the environment
 * (TABLE_CATALOG, BUCKET_CATALOG, AWS_ENDPOINT_URL_*): the local cloud when `npm start` runs it, AWS otherwise.
 * Prints progress, a summary and the rejected rows; writes the full report as JSON.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { importCatalog, type ImageSet, type ImportReport } from '#core/catalog/import';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { repoRoot } from '#core/model-files';

export class UsageError extends Error {}

export const USAGE = `Usage: npm run catalog:import -- --source DIR [--images hires|small] [--limit N] [--all] [--report FILE]

  --source DIR     folder with catalog.jsonl.gz and images-hires/ and/or images-60x80/ (required)
  --images SET     hires (default; the 3,000-product demo catalog) or small (60x80 images, all products)
  --limit N        stop after N products
  --all            also import products that have no image in the chosen set (they get no imageKeys)
  --report FILE    where to write the JSON report (default .local/catalog-import-report.json)
  --quiet          no progress output`;

export interface ImportArgs {
  source: string;
  images: ImageSet;
  limit?: number;
  onlyWithImages?: boolean;
  report: string;
  quiet: boolean;
}

export function parseImportArgs(argv: string[]): ImportArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        source: { type: 'string' },
        images: { type: 'string', default: 'hires' },
        limit: { type: 'string' },
        all: { type: 'boolean', default: false },
        report: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) throw new UsageError('');
  if (!values.source) throw new UsageError('--source is required (a folder in the Kaggle layout, e.g. ../shared/datasets/fashion-product-images)');
  const source = path.resolve(values.source);
  if (!existsSync(source) || !statSync(source).isDirectory()) throw new UsageError(`--source ${values.source}: not a directory`);
  if (values.images !== 'hires' && values.images !== 'small') throw new UsageError(`--images must be "hires" or "small", got "${values.images}"`);
  let limit: number | undefined;
  if (values.limit !== undefined) {
    if (!/^\d+$/.test(values.limit) || Number(values.limit) < 1) throw new UsageError(`--limit must be a positive integer, got "${values.limit}"`);
    limit = Number(values.limit);
  }
  return {
    source,
    images: values.images,
    limit,
    onlyWithImages: values.all ? false : undefined,
    report: path.resolve(values.report ?? path.join(repoRoot, '.local/catalog-import-report.json')),
    quiet: values.quiet,
  };
}

export function summarise(r: ImportReport, showRejected = 20): string {
  const row = (label: string, value: string | number) => `  ${label.padEnd(20)}${value}`;
  const lines = [
    `catalog import from ${r.source} (${r.images} images) in ${(r.durationMs / 1000).toFixed(1)} s`,
    row('lines read', `${r.lines}${r.limitReached ? ' (stopped at --limit)' : ''}`),
    row('imported', r.imported),
    row('unchanged', r.unchanged),
    row('skipped (no image)', r.skipped),
    row('rejected', r.rejected.length),
    row('images uploaded', `${r.imagesUploaded} (already present: ${r.imagesAlreadyPresent})`),
    row('without image', r.missingImages.length),
  ];
  if (r.rejected.length) {
    lines.push('rejected rows:');
    for (const x of r.rejected.slice(0, showRejected)) lines.push(`  line ${x.line}${x.id ? ` (id ${x.id})` : ''}: ${x.reason}`);
    if (r.rejected.length > showRejected) lines.push(`  … and ${r.rejected.length - showRejected} more (see the report)`);
  }
  for (const w of r.warnings) lines.push(`warning: line ${w.line}${w.id ? ` (id ${w.id})` : ''}: ${w.reason}`);
  return lines.join('\n');
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  let args: ImportArgs;
  try {
    args = parseImportArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      if (err.message) console.error(`error: ${err.message}\n`);
      console.error(USAGE);
      return err.message ? 2 : 0;
    }
    throw err;
  }
  if (!process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION) {
    console.error('error: no AWS region configured. Run the import through `npm start` (it sets the local cloud endpoints), or set AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3, TABLE_CATALOG and BUCKET_CATALOG.');
    return 2;
  }
  const repo = new DynamoCatalogRepo();
  const blobs = new S3BlobStore({ bucket: 'catalog' });
  const tty = process.stderr.isTTY && !args.quiet;
  let last = 0;
  try {
    const report = await importCatalog({
      source: args.source,
      images: args.images,
      limit: args.limit,
      onlyWithImages: args.onlyWithImages,
      repo,
      blobs,
      onProgress: (p) => {
        if (args.quiet || Date.now() - last < 500) return;
        last = Date.now();
        const text = `[catalog] line ${p.lines}: ${p.imported} imported, ${p.unchanged} unchanged, ${p.skipped} skipped, ${p.rejected} rejected, ${p.imagesUploaded} images uploaded`;
        if (tty) process.stderr.write(`\r${text}\x1b[K`);
        else console.error(text);
      },
    });
    if (tty) process.stderr.write('\n');
    await mkdir(path.dirname(args.report), { recursive: true });
    await writeFile(args.report, JSON.stringify(report, null, 2));
    console.log(summarise(report));
    console.log(`report: ${args.report}`);
    return 0;
  } catch (err) {
    if (tty) process.stderr.write('\n');
    const e = err as Error;
    if (e.name === 'ResourceNotFoundException' || e.name === 'NoSuchBucket') {
      console.error(`error: ${e.message} (table ${repo.table}, bucket ${blobs.bucket}). Is the local cloud running (npm start), or are TABLE_CATALOG/BUCKET_CATALOG right?`);
    } else if ((e as { code?: string }).code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String((e as { cause?: unknown }).cause ?? ''))) {
      console.error(`error: cannot reach DynamoDB/S3 (${process.env.AWS_ENDPOINT_URL_DYNAMODB ?? 'AWS'}, ${process.env.AWS_ENDPOINT_URL_S3 ?? 'AWS'}): ${e.message}. Start the local cloud (npm start) first.`);
    } else if (e.name === 'ImportSourceError') {
      console.error(`error: ${e.message}`);
    } else {
      console.error(`error: import failed: ${e.stack ?? e.message}`);
    }
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then((code) => process.exit(code));
}
