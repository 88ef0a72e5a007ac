/**
 * The local cloud: DynamoDB (dynalite), S3 (signature-checking s3rver) and, optionally, API Gateway + Lambda
 * (api-server.ts), all in this process on 127.0.0.1. Tables and buckets come from the shared definitions, S3
 * ObjectCreated events reach the functions in `bucketNotifications`, and the SDK finds everything through the
 * standard AWS_ENDPOINT_URL_* variables, so application code is the same here and in AWS.
 */
import path from 'node:path';
import fs from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { resetClients } from '#core/adapters/aws/clients';
import { tables, tableName, type TableId } from '#core/tables';
import { buckets, bucketName, type BucketId } from '#core/buckets';
import { bucketNotifications, functions, type FunctionId } from '#functions/routes';
import { startLocalDynamo, type LocalDynamo } from './dynamo-server.ts';
import { startLocalS3, S3RVER_CREDENTIALS, type LocalS3 } from './s3-server.ts';
import { provision, type ProvisionReport } from './provision.ts';
import { S3EventDelivery, type DeadLetter, type NotificationTarget } from './s3-events.ts';
import { startApiServer, type ApiServer, type ApiServerOptions } from './api-server.ts';
import type { LambdaHandler } from './lambda.ts';

export const REGION = 'us-east-1';

/** A bucket notification: a function from the table, or (tests) a handler function. */
export type NotificationSpec =
  | { bucket: BucketId; prefix: string; fn: FunctionId }
  | { bucket: BucketId; prefix: string; name: string; handler: LambdaHandler };

export interface LocalCloudOptions {
  /** Persist DynamoDB and S3 data here (LevelDB + files); in memory / a temp dir when absent. */
  dataDir?: string;
  /** API port (0 = ephemeral). */
  port?: number;
  /** Start the API adapter too (default false). */
  api?: boolean;
  apiOptions?: Omit<ApiServerOptions, 'port' | 'log'>;
  quiet?: boolean;
  /** Default: bucketNotifications from functions/routes.ts. */
  notifications?: NotificationSpec[];
  /** Waits before Lambda's two async retries; default 1 s and 2 s (AWS: about 1 and 2 minutes). */
  eventRetryDelaysMs?: number[];
}

export type LocalService = 'dynamodb' | 's3' | 'api';

export interface LocalCloud {
  env: Record<string, string>;
  urls: { dynamodb: string; s3: string; api?: string };
  dataDir?: string;
  provisioned: ProvisionReport;
  /** Events that failed three times (also appended to <dataDir>/dlq.jsonl when persisted). */
  deadLetters: DeadLetter[];
  /** Resolves when every S3 event delivery in flight has finished (or been dead-lettered). */
  drainEvents(): Promise<void>;
  /** Stops one service (tests of readiness when a dependency is down). */
  stopService(service: LocalService): Promise<void>;
  stop(): Promise<void>;
}

export function cloudEnv(dynamodbUrl: string, s3Url: string): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl,
    AWS_ENDPOINT_URL_S3: s3Url,
    S3_FORCE_PATH_STYLE: 'true',
  };
  for (const id of Object.keys(tables) as TableId[]) env[`TABLE_${id.toUpperCase()}`] = tableName(id);
  for (const id of Object.keys(buckets) as BucketId[]) env[`BUCKET_${id.toUpperCase()}`] = bucketName(id);
  return env;
}

export class DataDirBusyError extends Error {
  override name = 'DataDirBusyError';
}

/**
 * One cloud per data folder: a second dynalite on the same LevelDB crashes the process from inside dynalite,
 * so we refuse first with a message. A lock left by a dead process is taken over.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, 'cloud.lock');
  const holder = Number(await fs.readFile(file, 'utf8').catch(() => ''));
  if (holder && holder !== process.pid) {
    let alive = true;
    try {
      process.kill(holder, 0);
    } catch {
      alive = false;
    }
    if (alive) throw new DataDirBusyError(`another local cloud (pid ${holder}) is using ${dataDir}: stop it first, or set LOOKBOOK_DATA_DIR`);
  }
  await fs.writeFile(file, String(process.pid));
  return () => fs.rm(file, { force: true });
}

export async function startLocalCloud(opts: LocalCloudOptions = {}): Promise<LocalCloud> {
  const log = opts.quiet ? () => undefined : (msg: string) => console.error(msg);
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : undefined;
  if (dataDir) await fs.mkdir(dataDir, { recursive: true });
  const unlock = dataDir ? await lockDataDir(dataDir) : async () => undefined;

  const started: Array<{ name: LocalService; stop(): Promise<void> }> = [];
  const stopAll = async () => {
    for (const s of started.splice(0).reverse()) await s.stop().catch((err: Error) => log(`[cloud] stopping ${s.name}: ${err.message}`));
  };
  const previousEnv: Record<string, string | undefined> = {};

  try {
    const dynamo: LocalDynamo = await startLocalDynamo({ directory: dataDir && path.join(dataDir, 'dynamodb') });
    started.push({ name: 'dynamodb', stop: dynamo.stop });
    const s3: LocalS3 = await startLocalS3({ directory: dataDir && path.join(dataDir, 's3') });
    started.push({ name: 's3', stop: s3.stop });

    const env = cloudEnv(dynamo.url, s3.url);
    for (const [k, v] of Object.entries(env)) {
      previousEnv[k] = process.env[k];
      process.env[k] = v;
    }
    resetClients();

    const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! };
    const ddb = new DynamoDBClient({ region: REGION, endpoint: dynamo.url, credentials });
    const s3c = new S3Client({ region: REGION, endpoint: s3.url, credentials, forcePathStyle: true });
    const provisioned = await provision(ddb, s3c, env);
    ddb.destroy();
    s3c.destroy();
    if (provisioned.tablesCreated.length || provisioned.bucketsCreated.length) {
      log(`[cloud] created tables: ${provisioned.tablesCreated.join(', ') || '-'}; buckets: ${provisioned.bucketsCreated.join(', ') || '-'}`);
    }

    const specs: NotificationSpec[] = opts.notifications ?? bucketNotifications.map((n) => ({ bucket: n.bucket, prefix: n.prefix, fn: n.fn }));
    const targets: NotificationTarget[] = specs.map((n) =>
      'handler' in n
        ? { bucket: env[`BUCKET_${n.bucket.toUpperCase()}`]!, prefix: n.prefix, functionName: n.name, fn: { handler: n.handler } }
        : { bucket: env[`BUCKET_${n.bucket.toUpperCase()}`]!, prefix: n.prefix, functionName: `lookbook-${n.fn}`, fn: functions[n.fn] },
    );
    const delivery = new S3EventDelivery({
      targets,
      retryDelaysMs: opts.eventRetryDelaysMs,
      dlqFile: dataDir && path.join(dataDir, 'dlq.jsonl'),
      log,
      region: REGION,
    });
    s3.onEvent((event) => delivery.accept(event));

    let api: ApiServer | undefined;
    if (opts.api) {
      api = await startApiServer({ ...opts.apiOptions, port: opts.port ?? 0, log });
      started.push({ name: 'api', stop: api.stop });
    }

    let stopped = false;
    return {
      env,
      urls: { dynamodb: dynamo.url, s3: s3.url, api: api?.url },
      dataDir,
      provisioned,
      deadLetters: delivery.deadLetters,
      drainEvents: () => delivery.drain(),
      async stopService(service) {
        const i = started.findIndex((s) => s.name === service);
        if (i >= 0) await started.splice(i, 1)[0]!.stop();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await delivery.drain();
        await stopAll();
        await unlock();
        for (const [k, v] of Object.entries(previousEnv)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
        resetClients();
      },
    };
  } catch (err) {
    await stopAll();
    await unlock();
    throw err;
  }
}
