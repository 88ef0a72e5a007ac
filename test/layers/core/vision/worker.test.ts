/**
 * The worker's state machine over an in-memory AnalysisStore with the same compare-and-set contract as the
 * DynamoDB adapter (the integration tests run the real one against dynalite).
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { AnalysisConflictError, compareSequencers, type AnalysisRecord, type AnalysisStore } from '#core/vision/analysis';
import { ImageRejectedError } from '#core/vision/errors';
import { processObjectCreated, RetryableAnalysisError, type WorkerDeps } from '#core/vision/worker';
import type { PipelineOutput } from '#core/vision/pipeline';

class MemoryStore implements AnalysisStore {
  readonly items = new Map<string, AnalysisRecord>();
  writes = 0;
  async create(r: AnalysisRecord) {
    if (this.items.has(r.uploadId)) throw new AnalysisConflictError('exists');
    this.items.set(r.uploadId, structuredClone(r));
  }
  async get(id: string) {
    const r = this.items.get(id);
    return r && structuredClone(r);
  }
  async replace(r: AnalysisRecord, expected: number) {
    await new Promise((res) => setImmediate(res)); // let concurrent callers interleave
    if (this.items.get(r.uploadId)?.version !== expected) return undefined;
    this.writes++;
    this.items.set(r.uploadId, structuredClone(r));
    return r;
  }
}

function pending(purpose: AnalysisRecord['purpose'] = 'wardrobe'): AnalysisRecord {
  const uploadId = randomUUID();
  const now = new Date().toISOString();
  return { uploadId, key: `uploads/${purpose}/${uploadId}`, purpose, ownerId: 'sess-12345678', faceOptIn: false, contentType: 'image/jpeg', contentLength: 10, status: 'pending-upload', version: 1, attempts: 0, createdAt: now, updatedAt: now };
}

const output = (tag: string): PipelineOutput => ({
  cleanJpeg: Buffer.from('x'),
  result: {
    image: { format: 'jpeg', width: 10, height: 10, bytes: 10 },
    crop: { kind: 'whole', box: { x: 0, y: 0, width: 10, height: 10 } },
    detections: [],
    attributes: { articleType: { value: tag, confidence: 0.9 } },
    colours: [],
    dominantColour: 'Red',
    models: {},
    timings: {},
    analysedAt: new Date().toISOString(),
  },
});

function setup(rec: AnalysisRecord, opts: { analyse?: WorkerDeps['analyse']; objects?: Map<string, string> } = {}) {
  const store = new MemoryStore();
  void store.create(rec);
  const published: string[] = [];
  const objects = opts.objects ?? new Map([['E1', 'first']]);
  let analysed = 0;
  const deps: WorkerDeps = {
    store,
    // The current object is the last entry of `objects`; reads with an older eTag see `changed`.
    read: async (_key, eTag) => ([...objects.keys()].at(-1) === eTag ? { bytes: Buffer.from(objects.get(eTag)!) } : { changed: true }),
    analyse:
      opts.analyse ??
      (async (bytes) => {
        analysed++;
        return output(Buffer.from(bytes).toString());
      }),
    publishers: { wardrobe: { publish: async (r, out) => void published.push(`${r.uploadId}:${out.result.attributes.articleType.value}`) } },
  };
  return { store, deps, published, analysed: () => analysed };
}

const ev = (rec: AnalysisRecord, eTag: string, sequencer: string) => ({ bucket: 'b', key: rec.key, eTag, sequencer, size: 10 });

describe('processObjectCreated', () => {
  it('analyses once: the same event twice (even concurrently) gives one record, one publish', async () => {
    const rec = pending();
    const { store, deps, published, analysed } = setup(rec);
    const outcomes = await Promise.all([processObjectCreated(ev(rec, 'E1', '0A'), deps), processObjectCreated(ev(rec, 'E1', '0A'), deps)]);
    expect(outcomes.sort()).toEqual(['done', 'in-progress']);
    expect(await processObjectCreated(ev(rec, 'E1', '0A'), deps)).toBe('duplicate');
    expect(analysed()).toBe(1);
    expect(published).toEqual([`${rec.uploadId}:first`]);
    const saved = store.items.get(rec.uploadId)!;
    expect(saved).toMatchObject({ status: 'done', attempts: 1, object: { eTag: 'E1', sequencer: '0A' } });
    expect(saved.result?.attributes.articleType.value).toBe('first');
  });

  it('handles out-of-order events: a newer object wins, an older event afterwards is stale', async () => {
    const rec = pending();
    const objects = new Map([
      ['E1', 'first'],
      ['E2', 'second'],
    ]);
    const { store, deps, published } = setup(rec, { objects });
    // The second PUT's event arrives first…
    expect(await processObjectCreated(ev(rec, 'E2', '0B'), deps)).toBe('done');
    // …then the first PUT's: older sequencer, ignored.
    expect(await processObjectCreated(ev(rec, 'E1', '0A'), deps)).toBe('stale');
    expect(store.items.get(rec.uploadId)!.result?.attributes.articleType.value).toBe('second');
    expect(published).toEqual([`${rec.uploadId}:second`]);
  });

  it('an event whose object was overwritten meanwhile (eTag mismatch) leaves the record to the newer event', async () => {
    const rec = pending();
    const objects = new Map([
      ['E1', 'first'],
      ['E2', 'second'],
    ]);
    const { store, deps } = setup(rec, { objects });
    expect(await processObjectCreated(ev(rec, 'E1', '0A'), deps)).toBe('superseded');
    expect(store.items.get(rec.uploadId)!.result).toBeUndefined();
    expect(await processObjectCreated(ev(rec, 'E2', '0B'), deps)).toBe('done');
    expect(store.items.get(rec.uploadId)!.result?.attributes.articleType.value).toBe('second');
  });

  it('a refused image fails at once with its reason and no result; no retry', async () => {
    const rec = pending();
    const { store, deps, published } = setup(rec, {
      analyse: async () => {
        throw new ImageRejectedError('TRUNCATED', 'The jpeg data cannot be decoded (the file is truncated)');
      },
    });
    expect(await processObjectCreated(ev(rec, 'E1', '0A'), deps)).toBe('failed');
    expect(store.items.get(rec.uploadId)).toMatchObject({ status: 'failed', error: { reason: 'TRUNCATED', retryable: false }, result: undefined });
    expect(published).toEqual([]);
    expect(await processObjectCreated(ev(rec, 'E1', '0A'), deps)).toBe('duplicate');
  });

  it('a model failure is retried (pending with the error) and after the last attempt lands as failed', async () => {
    const rec = pending();
    const { store, deps, published } = setup(rec, {
      analyse: async () => {
        throw new Error('embed failed: encoder exploded');
      },
    });
    const attempt = () => processObjectCreated(ev(rec, 'E1', '0A'), { ...deps, leaseMs: 0 });
    await expect(attempt()).rejects.toBeInstanceOf(RetryableAnalysisError);
    expect(store.items.get(rec.uploadId)).toMatchObject({ status: 'pending', attempts: 1, error: { reason: 'PROCESSING_ERROR', retryable: true } });
    await expect(attempt()).rejects.toThrow(/attempt 2\/3/);
    const last = await attempt().catch((e: RetryableAnalysisError) => e);
    expect(last).toMatchObject({ final: true, attempts: 3 });
    expect(store.items.get(rec.uploadId)).toMatchObject({ status: 'failed', attempts: 3, error: { message: 'embed failed: encoder exploded', retryable: false }, result: undefined });
    expect(published).toEqual([]);
  });

  it('ignores keys it did not issue', async () => {
    const { deps } = setup(pending());
    expect(await processObjectCreated({ bucket: 'b', key: 'uploads/search/not-a-uuid', eTag: 'E', sequencer: '1', size: 1 }, deps)).toBe('ignored');
    expect(await processObjectCreated({ bucket: 'b', key: `uploads/search/${randomUUID()}`, eTag: 'E', sequencer: '1', size: 1 }, deps)).toBe('ignored');
  });

  it('orders sequencers of different lengths by left-padding', () => {
    expect(compareSequencers('0A', '9')).toBe(1);
    expect(compareSequencers('00FF', 'FF')).toBe(0);
    expect(compareSequencers('18F0', '18F1')).toBe(-1);
  });
});
