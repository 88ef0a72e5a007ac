/**
 * S3 → Lambda notifications, locally. s3rver emits an event for every stored object; we turn it into the S3Event
 * a bucket notification delivers in AWS and invoke each matching function the way Lambda's asynchronous
 * invocation does: in the background, two retries on error, then the event and the error go to a dead-letter
 * log (the DLQ / on-failure destination the stack configures).
 */
import fs from 'node:fs/promises';
import type { S3Event, S3EventRecord } from 'aws-lambda';
import type { S3rverEvent } from './s3-server.ts';
import { invoke, type LambdaHandler, type LocalFunction, lambdaContext } from './lambda.ts';

export interface NotificationTarget {
  /** Physical bucket name. */
  bucket: string;
  prefix: string;
  /** Function name used in the Lambda context and logs. */
  functionName: string;
  /** Either a handler module (as in functions/routes.ts) or a function (tests). */
  fn: LocalFunction | { handler: LambdaHandler; timeoutSec?: number; memoryMb?: number };
}

export interface DeadLetter {
  functionName: string;
  attempts: number;
  error: string;
  failedAt: string;
  event: S3Event;
}

export interface S3EventDeliveryOptions {
  targets: NotificationTarget[];
  /** Waits before retry 1 and retry 2 (Lambda uses about 1 and 2 minutes). */
  retryDelaysMs?: number[];
  /** Where dead letters are appended as JSON lines; in memory only when absent. */
  dlqFile?: string;
  log?: (msg: string) => void;
  region?: string;
}

/** S3 URL-encodes object keys in event notifications (form encoding: space → '+', '/' kept). */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

export function toS3Event(raw: S3rverEvent['Records'][number], configurationId: string, region: string): S3Event {
  const { bucket, object } = raw.s3;
  const record: S3EventRecord = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: region,
    eventTime: raw.eventTime,
    eventName: raw.eventName as S3EventRecord['eventName'],
    userIdentity: { principalId: 'AWS:LOCAL' },
    requestParameters: { sourceIPAddress: raw.requestParameters.sourceIPAddress },
    responseElements: {
      'x-amz-request-id': raw.responseElements['x-amz-request-id'] ?? '',
      'x-amz-id-2': raw.responseElements['x-amz-id-2'] ?? '',
    },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: { name: bucket.name, ownerIdentity: { principalId: 'LOCAL' }, arn: `arn:aws:s3:::${bucket.name}` },
      object: {
        key: encodeEventKey(object.key),
        size: Number(object.size ?? 0),
        eTag: (object.eTag ?? '').replace(/"/g, ''),
        sequencer: object.sequencer,
      },
    },
  };
  return { Records: [record] };
}

export class S3EventDelivery {
  readonly deadLetters: DeadLetter[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly retryDelaysMs: number[];
  private readonly log: (msg: string) => void;
  private readonly region: string;

  constructor(private readonly opts: S3EventDeliveryOptions) {
    this.retryDelaysMs = opts.retryDelaysMs ?? [1000, 2000];
    this.log = opts.log ?? ((msg) => console.error(msg));
    this.region = opts.region ?? 'us-east-1';
  }

  /** Called from s3rver's emitter; returns at once (the PUT's response does not wait for the function). */
  accept(raw: S3rverEvent): void {
    for (const record of raw.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      for (const target of this.opts.targets) {
        if (target.bucket !== record.s3.bucket.name || !record.s3.object.key.startsWith(target.prefix)) continue;
        const event = toS3Event(record, `${target.functionName}-${target.prefix || 'all'}`, this.region);
        const delivery = this.deliver(target, event).finally(() => this.pending.delete(delivery));
        this.pending.add(delivery);
      }
    }
  }

  /** Resolves when every delivery in flight (including ones started meanwhile) has finished or dead-lettered. */
  async drain(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private async deliver(target: NotificationTarget, event: S3Event): Promise<void> {
    const attempts = this.retryDelaysMs.length + 1;
    let lastError: unknown;
    // Asynchronous invocation: never inside the PUT that triggered it.
    await new Promise((resolve) => setImmediate(resolve));
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, this.retryDelaysMs[attempt - 2]));
      try {
        const fn = target.fn;
        if ('handler' in fn) {
          const fnConfig = { timeoutSec: fn.timeoutSec ?? 900, memoryMb: fn.memoryMb ?? 1024 };
          await fn.handler(event, lambdaContext(target.functionName, fnConfig, this.region));
        } else {
          await invoke(target.functionName, fn, event);
        }
        return;
      } catch (err) {
        lastError = err;
        this.log(`[s3-events] ${target.functionName} failed on ${event.Records[0]!.s3.object.key} (attempt ${attempt}/${attempts}): ${(err as Error).message}`);
      }
    }
    const letter: DeadLetter = {
      functionName: target.functionName,
      attempts,
      error: lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError),
      failedAt: new Date().toISOString(),
      event,
    };
    this.deadLetters.push(letter);
    if (this.opts.dlqFile) await fs.appendFile(this.opts.dlqFile, `${JSON.stringify(letter)}\n`);
    this.log(`[s3-events] dead-lettered ${event.Records[0]!.s3.bucket.name}/${event.Records[0]!.s3.object.key} for ${target.functionName}${this.opts.dlqFile ? ` → ${this.opts.dlqFile}` : ''}`);
  }
}
