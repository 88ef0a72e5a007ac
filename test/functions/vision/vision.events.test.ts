/**
 * Event delivery against the real local cloud: S3 events are captured (not delivered) so the test decides the
 * order, then handed to the real vision handler — the same event twice, and two PUTs to one key delivered
 * newest first. One record and one wardrobe item each time.
 */
import { describe, expect, it } from 'vitest';
import type { S3Event } from 'aws-lambda';
import { DynamoAnalysisStore } from '#core/adapters/aws/analyses';
import { handler } from '#functions/vision/handler';
import { useLocalCloud } from '../../support/local-cloud.ts';
import { garment } from '../../layers/core/vision/images.ts';
import { configureEncoder, presign } from '../uploads/fixtures.ts';

configureEncoder();
const captured: S3Event[] = [];
const local = useLocalCloud({
  notifications: [{ bucket: 'uploads', prefix: 'uploads/', name: 'capture', handler: async (e) => void captured.push(e as S3Event) }],
});
const session = 'sess-events-0001';

const wardrobe = async () => (await (await local.api(`/v1/wardrobe?sessionId=${session}`)).json()).items as Array<Record<string, any>>;

/** Same byte length for both files: the presigned URL signs the length. */
const padTo = (b: Buffer, n: number) => Buffer.concat([b, Buffer.alloc(n - b.length)]);

describe('vision handler: duplicate and out-of-order events', () => {
  it('the same event delivered twice yields one record version and one wardrobe item', async () => {
    const photo = await garment('#c0202a');
    const p = await presign(local, { contentType: 'image/jpeg', contentLength: photo.length, purpose: 'wardrobe', sessionId: session });
    expect((await fetch(p.url, { method: 'PUT', headers: p.headers, body: new Uint8Array(photo) })).status).toBe(200);
    await local.cloud.drainEvents();
    const event = captured.find((e) => e.Records[0].s3.object.key === p.key)!;
    expect(event.Records[0].s3.object.sequencer).toBeTruthy();

    expect(await handler(event)).toEqual({ outcomes: ['done'] });
    const first = (await new DynamoAnalysisStore().get(p.uploadId))!;
    const [again, concurrent] = await Promise.all([handler(event), handler(event)]);
    expect([...again.outcomes, ...concurrent.outcomes]).toEqual(['duplicate', 'duplicate']);
    const second = (await new DynamoAnalysisStore().get(p.uploadId))!;
    expect(second.version).toBe(first.version);
    expect(second.result).toEqual(first.result);
    const items = await wardrobe();
    expect(items.filter((i) => i.uploadId === p.uploadId)).toHaveLength(1);
  });

  it('two PUTs to one key delivered newest first: the newer photo wins, the older event is stale', async () => {
    const red = await garment('#c0202a');
    const navy = await garment('#1e2648');
    const n = Math.max(red.length, navy.length) + 16;
    const p = await presign(local, { contentType: 'image/jpeg', contentLength: n, purpose: 'wardrobe', sessionId: session });
    for (const body of [padTo(red, n), padTo(navy, n)]) {
      expect((await fetch(p.url, { method: 'PUT', headers: p.headers, body })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 5)); // distinct sequencers (s3rver derives them from the clock)
    }
    await local.cloud.drainEvents();
    const [older, newer] = captured.filter((e) => e.Records[0].s3.object.key === p.key);
    expect(older.Records[0].s3.object.eTag).not.toBe(newer.Records[0].s3.object.eTag);

    expect(await handler(newer)).toEqual({ outcomes: ['done'] });
    expect(await handler(older)).toEqual({ outcomes: ['stale'] });
    const rec = (await new DynamoAnalysisStore().get(p.uploadId))!;
    expect(rec.result?.dominantColour).toBe('Navy Blue');
    expect(rec.object?.eTag).toBe(newer.Records[0].s3.object.eTag);
    const items = (await wardrobe()).filter((i) => i.uploadId === p.uploadId);
    expect(items).toHaveLength(1);
    expect(items[0].dominantColour).toBe('Navy Blue');
  });

  it('the older event first: its object was overwritten (If-Match fails), so it leaves the record to the newer one', async () => {
    const red = await garment('#c0202a');
    const navy = await garment('#1e2648');
    const n = Math.max(red.length, navy.length) + 16;
    const p = await presign(local, { contentType: 'image/jpeg', contentLength: n, purpose: 'search', sessionId: session });
    for (const body of [padTo(red, n), padTo(navy, n)]) {
      await fetch(p.url, { method: 'PUT', headers: p.headers, body });
      await new Promise((r) => setTimeout(r, 5));
    }
    await local.cloud.drainEvents();
    const [older, newer] = captured.filter((e) => e.Records[0].s3.object.key === p.key);
    expect(await handler(older)).toEqual({ outcomes: ['superseded'] });
    expect(await handler(newer)).toEqual({ outcomes: ['done'] });
    expect((await new DynamoAnalysisStore().get(p.uploadId))!.result?.dominantColour).toBe('Navy Blue');
  });

  it('objects outside the keys the server issues are ignored', async () => {
    const fake = structuredClone(captured[0]);
    fake.Records[0].s3.object.key = 'uploads/search/client-chosen-name.jpg';
    expect(await handler(fake)).toEqual({ outcomes: ['ignored'] });
  });
});
