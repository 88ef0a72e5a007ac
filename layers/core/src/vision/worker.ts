/**
 * What the vision function does with one S3 ObjectCreated record, storage-agnostic: claim the upload's analysis
 * record, run the pipeline, publish the result where the purpose says (catalog product + live index, wardrobe),
 * and mark the record done — or failed with the reason.
 *
 * Idempotency and ordering (S3 delivers at least once, and not in order):
 *  - every write is a compare-and-set on the record's `version` (analysis.ts), so concurrent deliveries race
 *    safely: one claims, the others re-read and stand down;
 *  - the event's sequencer orders events for one key: an event older than the one the record is about is stale;
 *    a repeat of the finished one is a duplicate; the object is read with If-Match on the event's eTag, so the
 *    bytes analysed are the ones the event announced (a newer upload means a newer event is on its way);
 *  - publishing is keyed by ids (product id, wardrobe item = uploadId), so a replay overwrites, never duplicates.
 * Failures: a refused image is permanent → `failed` at once, no retry. Anything else (a model, a dependency) is
 * retried: the record goes back to `pending` with the error and the handler throws so the runtime retries;
 * after `maxAttempts` the record lands as `failed` (and the event in the dead-letter queue).
 */
import {
  type AnalysisRecord,
  type AnalysisResult,
  type AnalysisStore,
  compareSequencers,
  nextVersion,
  parseUploadKey,
} from './analysis.ts';
import { isImageRejected } from './errors.ts';
import type { PipelineOutput } from './pipeline.ts';

export interface ObjectCreated {
  bucket: string;
  key: string;
  eTag: string;
  sequencer: string;
  size: number;
}

export type ReadResult = { bytes: Uint8Array } | { changed: true } | { missing: true };

export interface Publisher {
  /** Store the outcome where the purpose needs it. Must be idempotent (keyed by ids). */
  publish(rec: AnalysisRecord, out: PipelineOutput): Promise<void>;
}

export interface WorkerDeps {
  store: AnalysisStore;
  /** Reads the object only if its eTag still matches the event's. */
  read(key: string, eTag: string): Promise<ReadResult>;
  analyse(bytes: Uint8Array, rec: AnalysisRecord): Promise<PipelineOutput>;
  publishers?: Partial<Record<AnalysisRecord['purpose'], Publisher>>;
  now?: () => number;
  /** Attempts before a retryable failure becomes final; 3 = Lambda's asynchronous invoke (1 + 2 retries). */
  maxAttempts?: number;
  /** How long a claim holds before another delivery may take over (a crashed worker). */
  leaseMs?: number;
  log?: (msg: string, data?: Record<string, unknown>) => void;
}

export type Outcome =
  | 'done'
  | 'failed'
  | 'ignored'
  | 'duplicate'
  | 'stale'
  | 'in-progress'
  | 'superseded';

export class RetryableAnalysisError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    readonly final: boolean,
  ) {
    super(message);
    this.name = 'RetryableAnalysisError';
  }
}

export async function processObjectCreated(ev: ObjectCreated, deps: WorkerDeps): Promise<Outcome> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => undefined);
  const maxAttempts = deps.maxAttempts ?? 3;
  const leaseMs = deps.leaseMs ?? 5 * 60_000;
  const parsed = parseUploadKey(ev.key);
  if (!parsed) {
    log('not an upload key; ignored', { key: ev.key });
    return 'ignored';
  }

  // Claim (compare-and-set, re-read on a lost race).
  let claimed: AnalysisRecord | undefined;
  for (let round = 0; round < 5 && !claimed; round++) {
    const rec = await deps.store.get(parsed.uploadId);
    if (!rec || rec.key !== ev.key) {
      log('no presigned upload for this key; ignored', { key: ev.key });
      return 'ignored';
    }
    const cmp = rec.object ? compareSequencers(ev.sequencer, rec.object.sequencer) : 1;
    const sameObject = cmp === 0 && rec.object?.eTag === ev.eTag;
    if (cmp < 0) {
      log('stale event: the record is about a newer object', { key: ev.key, event: ev.sequencer, record: rec.object?.sequencer });
      return 'stale';
    }
    if (sameObject && (rec.status === 'done' || rec.status === 'failed')) return 'duplicate';
    if (sameObject && rec.status === 'pending' && (rec.leaseUntil ?? 0) > now()) return 'in-progress';
    const attempts = sameObject ? rec.attempts + 1 : 1;
    const next = nextVersion(
      rec,
      {
        status: 'pending',
        attempts,
        object: { eTag: ev.eTag, sequencer: ev.sequencer, size: ev.size },
        leaseUntil: now() + leaseMs,
        // A new object starts clean; a retry keeps the last error visible until it is replaced.
        ...(sameObject ? {} : { error: undefined, result: undefined, embedding: undefined }),
      },
      new Date(now()),
    );
    claimed = await deps.store.replace(next, rec.version);
  }
  if (!claimed) return 'in-progress';

  const finish = async (patch: Partial<AnalysisRecord>): Promise<boolean> => {
    const ok = await deps.store.replace(nextVersion(claimed!, { ...patch, leaseUntil: undefined }, new Date(now())), claimed!.version);
    if (!ok) log('lost the record to a newer claim; result dropped', { key: ev.key });
    return !!ok;
  };

  try {
    const read = await deps.read(ev.key, ev.eTag);
    if ('changed' in read || 'missing' in read) {
      // Overwritten (or deleted) since this event: the newer event owns the record. Release the claim.
      await finish({ status: claimed.result ? 'done' : 'pending', leaseUntil: undefined });
      return 'superseded';
    }
    const out = await deps.analyse(read.bytes, claimed);
    await deps.publishers?.[claimed.purpose]?.publish(claimed, out);
    const result: AnalysisResult = out.result;
    return (await finish({ status: 'done', result, embedding: out.storedEmbedding, error: undefined })) ? 'done' : 'superseded';
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (isImageRejected(err)) {
      await finish({ status: 'failed', error: { reason: err.reason, message, retryable: false }, result: undefined, embedding: undefined });
      log('image refused', { key: ev.key, reason: err.reason, message });
      return 'failed';
    }
    const final = claimed.attempts >= maxAttempts;
    await finish({
      status: final ? 'failed' : 'pending',
      error: { reason: 'PROCESSING_ERROR', message, retryable: !final },
      result: undefined,
      embedding: undefined,
    });
    log(final ? 'analysis failed; giving up' : 'analysis failed; will retry', { key: ev.key, attempts: claimed.attempts, message });
    throw new RetryableAnalysisError(`Analysis of ${ev.key} failed (attempt ${claimed.attempts}/${maxAttempts}): ${message}`, claimed.attempts, final);
  }
}
