/**
 * A model failure mid-pipeline, through the real worker and the local cloud's retry policy: the injected
 * encoder throws at the embedding stage (after detection, tagging and colours ran). The event is retried twice,
 * then dead-lettered; the record ends `failed` with the reason, with no result and no embedding, and the
 * wardrobe item is never written.
 */
import { describe, expect, it } from 'vitest';
import type { FeatureModel } from '#core/vision/pipeline';
import { DynamoAnalysisStore } from '#core/adapters/aws/analyses';
import { createVisionHandler } from '#functions/vision/handler';
import { useLocalCloud } from '../../support/local-cloud.ts';
import { garment } from '../../layers/core/vision/images.ts';
import { configureEncoder, presign } from '../uploads/fixtures.ts';

configureEncoder();
let embedCalls = 0;
const failingModel: FeatureModel = {
  id: 'failing-encoder',
  version: 'test',
  features: async (img) => img.width,
  tag: async () => ({ articleType: { value: 'Tshirts', confidence: 0.9 } }),
  embed: async () => {
    embedCalls++;
    throw new Error('onnxruntime: encoder session crashed');
  },
};
const local = useLocalCloud({
  notifications: [{ bucket: 'uploads', prefix: 'uploads/', name: 'vision-failing', handler: createVisionHandler({ deps: async () => ({ model: failingModel }) }) as never }],
});

describe('vision: a model failure mid-pipeline', () => {
  it('is retried, dead-lettered and recorded as failed with the reason; nothing half-written', async () => {
    const session = 'sess-failure-01';
    const photo = await garment('#c0202a');
    const p = await presign(local, { contentType: 'image/jpeg', contentLength: photo.length, purpose: 'wardrobe', sessionId: session });
    expect((await fetch(p.url, { method: 'PUT', headers: p.headers, body: new Uint8Array(photo) })).status).toBe(200);
    await local.cloud.drainEvents();

    expect(embedCalls).toBe(3); // first delivery + Lambda's two retries
    expect(local.cloud.deadLetters).toHaveLength(1);
    expect(local.cloud.deadLetters[0].error).toMatch(/embed failed: onnxruntime: encoder session crashed/);

    const rec = (await new DynamoAnalysisStore().get(p.uploadId))!;
    expect(rec).toMatchObject({ status: 'failed', attempts: 3, error: { reason: 'PROCESSING_ERROR', message: 'embed failed: onnxruntime: encoder session crashed', retryable: false } });
    expect(rec.result).toBeUndefined();
    expect(rec.embedding).toBeUndefined();
    expect(rec.leaseUntil).toBeUndefined();

    const view = await (await local.api(`/v1/uploads/${p.uploadId}`)).json();
    expect(view).toMatchObject({ status: 'failed', error: { reason: 'PROCESSING_ERROR' } });
    expect(view.analysis).toBeUndefined();
    expect((await (await local.api(`/v1/wardrobe?sessionId=${session}`)).json()).items).toEqual([]);
  });
});
