/**
 * Readiness checks: one entry per dependency. To add one (the vector index, the models…), append to
 * `readinessChecks` — a name and an async probe that throws when the dependency is not usable.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { dynamoDocClient, s3Client } from '#core/adapters/aws/clients';
import { tableName } from '#core/tables';
import { bucketName } from '#core/buckets';
import { modelFile, trainedFile } from '#core/model-files';
import { stat, readFile } from 'node:fs/promises';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency is usable (optionally with details to show); the signal fires at the check's deadline. */
  probe(signal: AbortSignal): Promise<void | Record<string, unknown>>;
}

export interface CheckResult {
  status: 'ok' | 'down';
  latencyMs: number;
  error?: string;
  details?: Record<string, unknown>;
}

export const readinessChecks: ReadinessCheck[] = [
  {
    name: 'dynamodb',
    probe: async (signal) => {
      const { Table } = await dynamoDocClient().send(new DescribeTableCommand({ TableName: tableName('catalog') }), { abortSignal: signal });
      if (Table?.TableStatus !== 'ACTIVE') throw new Error(`table ${tableName('catalog')} is ${Table?.TableStatus ?? 'missing'}`);
    },
  },
  {
    name: 's3',
    probe: async (signal) => {
      for (const bucket of [bucketName('catalog'), bucketName('artifacts')]) {
        await s3Client().send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: signal });
      }
    },
  },
  {
    // Model files the ML paths load: the upstream ONNX models (models:fetch) and the trained encoder named by its
    // card. Presence and size only; the encoder verifies sha256 when it loads.
    name: 'models',
    probe: async () => {
      const card = JSON.parse(await readFile(trainedFile('card.json'), 'utf8')) as { id: string; version: string; files: Record<string, { bytes: number }> };
      const expected: [string, number | undefined][] = [
        [modelFile('mobilenetv2-12-int8.onnx'), undefined],
        [modelFile('yolox_nano.onnx'), undefined],
        ...Object.entries(card.files).map(([file, f]): [string, number] => [trainedFile(file), f.bytes]),
      ];
      for (const [file, bytes] of expected) {
        const size = (await stat(file).catch(() => undefined))?.size;
        if (size === undefined) throw new Error(`missing ${file} (run npm run models:fetch)`);
        if (bytes !== undefined && size !== bytes) throw new Error(`${file} has ${size} bytes, the model card says ${bytes}`);
      }
      return { encoder: `${card.id}@${card.version}`, files: expected.length };
    },
  },
  {
    // The search index: the published version (pointer + manifest readable) and what this process has loaded.
    // Not yet built counts as ok (a fresh stack before its first indexer run); an unreadable artifact is down.
    name: 'searchIndex',
    probe: async () => {
      const [{ s3IndexStore }, { readManifest }, { baseVersion }, { indexHolder }] = await Promise.all([
        import('#core/adapters/aws/index-store'),
        import('#core/index/artifact-io'),
        import('#core/index/artifact'),
        import('#functions/search/runtime'),
      ]);
      const store = s3IndexStore();
      const pointer = await store.readPointer();
      const loaded = indexHolder().status();
      if (!pointer) return { published: false, loaded: loaded.loaded, message: 'no index yet: POST /v1/admin/index/rebuild' };
      const manifest = await readManifest(store, baseVersion(pointer));
      return { published: true, version: pointer.version, count: pointer.count ?? manifest.count, deltas: pointer.deltas?.length ?? 0, encoder: manifest.encoder, loaded: loaded.loaded, loadedVersion: loaded.version, loadedCount: loaded.count };
    },
  },
];

/** A short, safe description: SDK errors carry a name and often an empty message (HeadBucket's 404). */
function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
  const message = e.message && e.message !== e.name ? `: ${e.message}` : '';
  return `${e.name ?? 'Error'}${message}${status}`.slice(0, 300);
}

export async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const details = await Promise.race([check.probe(controller.signal), deadline]);
    return { status: 'ok', latencyMs: Math.round(performance.now() - started), ...(details ? { details } : {}) };
  } catch (err) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error: describe(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check in parallel, each bounded by `timeoutMs`. */
export async function runChecks(checks: readonly ReadinessCheck[] = readinessChecks, timeoutMs = 2000): Promise<Record<string, CheckResult>> {
  const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c, timeoutMs)] as const));
  return Object.fromEntries(results);
}
