/** Bad inputs to the search routes through the local API: each is a 4xx with a message, nothing crashes. */
import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import sharp from 'sharp';
import { dynamoDocClient } from '#core/adapters/aws/clients';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { tableName } from '#core/tables';
import { useLocalCloud } from '../../support/local-cloud.ts';
import { post, productImage, useTinyClipEncoder } from './fixtures.ts';

useTinyClipEncoder();
const local = useLocalCloud();

const expect4xx = async (body: unknown, status: number, message: RegExp) => {
  const r = await local.api('/v1/search', post(body));
  const json = (await r.json()) as { error: { code: string; message: string } };
  expect({ status: r.status, message: json.error?.message }).toMatchObject({ status, message: expect.stringMatching(message) });
  return json;
};

describe('POST /v1/search: bad inputs', () => {
  it('empty query', async () => {
    await expect4xx({}, 400, /Empty query/);
    await expect4xx({ text: '   ' }, 400, /Empty query/);
  });

  it('both imageKey and imageBase64', async () => {
    await expect4xx({ imageKey: 'uploads/search/abcdefgh1234', imageBase64: 'AAAA' }, 400, /either imageKey or imageBase64/);
  });

  it('alpha and topK out of range, wrong types, unknown fields and filters', async () => {
    await expect4xx({ text: 'shirt', alpha: 1.5 }, 400, /alpha must be between 0 and 1/);
    await expect4xx({ text: 'shirt', alpha: -0.1 }, 400, /alpha must be between 0 and 1/);
    await expect4xx({ text: 'shirt', topK: 0 }, 400, /topK must be between 1 and 100/);
    await expect4xx({ text: 'shirt', topK: 101 }, 400, /topK must be between 1 and 100/);
    await expect4xx({ text: 'shirt', topK: 2.5 }, 400, /topK must be an integer/);
    await expect4xx({ text: 42 }, 400, /body\.text/);
    await expect4xx({ text: 'shirt', filters: { colour: 'red' } }, 400, /body\.filters.*colour/);
    await expect4xx({ text: 'shirt', page: 2 }, 400, /page/);
  });

  it('malformed JSON', async () => {
    const r = await local.api('/v1/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text": ' });
    expect(r.status).toBe(400);
  });

  it('an image larger than 5 MB', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 10, 0xab);
    big.set([0xff, 0xd8, 0xff], 0);
    const json = await expect4xx({ imageBase64: big.toString('base64') }, 400, /limit is 5242880 bytes/);
    expect(json.error.code).toBe('BAD_REQUEST');
  });

  it('bytes that are not an image, and a truncated JPEG', async () => {
    await expect4xx({ imageBase64: Buffer.from('hello, I am a text file').toString('base64') }, 400, /not a JPEG, PNG or WebP/);
    await expect4xx({ imageBase64: 'not base64 at all!' }, 400, /not valid base64/);
    const jpeg = await productImage([200, 30, 40], 1);
    await expect4xx({ imageBase64: jpeg.subarray(0, 40).toString('base64') }, 400, /image/i);
    const huge = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'white' } }).png().toBuffer();
    await expect4xx({ imageBase64: huge.toString('base64') }, 400, /at least 16 px/);
  });

  it('imageKey: malformed, unknown, not finished, failed', async () => {
    await expect4xx({ imageKey: '../catalog/products/1.jpg' }, 400, /imageKey must be the key of an upload/);
    await expect4xx({ imageKey: 'uploads/search/0000000000000000' }, 404, /No upload 0000000000000000/);
    const put = (uploadId: string, status: string, extra: Record<string, unknown> = {}) =>
      dynamoDocClient().send(new PutCommand({ TableName: tableName('analyses'), Item: { uploadId, status, ...extra } }));
    await put('pending000000001', 'pending');
    await expect4xx({ imageKey: 'uploads/search/pending000000001' }, 400, /not finished yet \(status pending\)/);
    await put('failed0000000001', 'failed', { error: { reason: 'NOT_AN_IMAGE', message: 'unknown magic bytes', retryable: false } });
    await expect4xx({ imageKey: 'uploads/search/failed0000000001' }, 400, /refused by the analysis: NOT_AN_IMAGE/);
    await put('doneNoObject0001', 'done');
    await expect4xx({ imageKey: 'uploads/search/doneNoObject0001' }, 404, /No uploaded image/);
  });

  it('a valid query before any index exists: 503 that says what to do', async () => {
    await expect4xx({ text: 'red shirt' }, 503, /not been built yet.*rebuild/);
    const r = await local.api('/v1/products/12345/similar');
    expect(r.status).toBe(503);
  });

  it('similar: bad id, bad topK, unknown filter', async () => {
    expect((await local.api('/v1/products/abc/similar')).status).toBe(400);
    expect((await local.api('/v1/products/123/similar?topK=0')).status).toBe(400);
    const r = await local.api('/v1/products/123/similar?colour=red');
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/colour/);
  });

  it('rebuild needs the admin role', async () => {
    expect((await local.api('/v1/admin/index/rebuild', { method: 'POST' })).status).toBe(401);
    const r = await local.api('/v1/admin/index/rebuild', { method: 'POST', headers: { authorization: `Bearer ${local.token({ groups: [] })}` } });
    expect(r.status).toBe(403);
  });
});

describe('similar: unknown product once an index exists', () => {
  it('404', async () => {
    await new S3BlobStore({ bucket: 'artifacts' }).list('index/'); // the cloud is up
    const admin = { authorization: `Bearer ${local.token({ groups: ['admin'] })}` };
    expect((await local.api('/v1/admin/index/rebuild?wait=true', { method: 'POST', headers: admin })).status).toBe(200);
    const r = await local.api('/v1/products/99999999/similar');
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/No product with id 99999999/);
  });
});
