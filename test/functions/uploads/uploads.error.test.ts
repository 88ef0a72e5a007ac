/**
 * Refusals: presign requests that break the rules, PUTs the signature-checking S3 must reject (tampered
 * signature, wrong content type, more bytes than signed, expired URL), and every bad file class, which the
 * pipeline records as `failed` with its reason — never a crash, never a half-written analysis, never a retry.
 */
import { describe, expect, it } from 'vitest';
import { presignPut } from '#core/adapters/aws/uploads';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { useLocalCloud } from '../../support/local-cloud.ts';
import { garment, notAnImage, oversizedJpeg, pngBomb, truncatedJpeg } from '../../layers/core/vision/images.ts';
import { configureEncoder, json, presign, seedProduct } from './fixtures.ts';

configureEncoder();
const local = useLocalCloud();
const session = 'sess-error-0001';

async function refused(path: string, body: unknown, status: number, message: RegExp, token?: string) {
  const res = await local.api(path, json(body, token));
  const payload = await res.json();
  expect(res.status, JSON.stringify(payload)).toBe(status);
  expect(payload.error.message).toMatch(message);
}

const status = async (uploadId: string) => (await local.api(`/v1/uploads/${uploadId}`)).json();

describe('POST /v1/uploads refusals', () => {
  const ok = { contentType: 'image/jpeg', contentLength: 1000, purpose: 'search', sessionId: session };

  it('refuses bad types, sizes and fields with a 400 naming the field', async () => {
    await refused('/v1/uploads', { ...ok, contentType: 'image/gif' }, 400, /contentType must be one of image\/jpeg, image\/png, image\/webp/);
    await refused('/v1/uploads', { ...ok, contentLength: 5 * 1024 * 1024 + 1 }, 400, /contentLength must be at most 5242880 bytes/);
    await refused('/v1/uploads', { ...ok, contentLength: 0 }, 400, /contentLength must be at least 1 byte/);
    await refused('/v1/uploads', { ...ok, purpose: 'avatar' }, 400, /body\.purpose/);
    await refused('/v1/uploads', { ...ok, key: 'uploads/search/mine' }, 400, /Unrecognized key/i);
    await refused('/v1/uploads', { ...ok, purpose: 'wardrobe', sessionId: undefined }, 400, /wardrobe upload needs a sessionId/);
    await refused('/v1/uploads', { ...ok, productId: '123' }, 400, /only catalog uploads name a product/);
  });

  it('catalog uploads need the admin role: 403 on the public route and for non-admins', async () => {
    await refused('/v1/uploads', { ...ok, purpose: 'catalog', productId: '1' }, 403, /Catalog uploads need the admin role/);
    expect((await local.api('/v1/admin/uploads', json({ ...ok, purpose: 'catalog', productId: '1' }))).status).toBe(401);
    await refused('/v1/admin/uploads', { ...ok, purpose: 'catalog', productId: '1' }, 403, /admin role/, local.token({ sub: 'shopper' }));
    const admin = local.token({ sub: 'admin-1', groups: ['admin'] });
    await refused('/v1/admin/uploads', { ...ok, purpose: 'catalog' }, 400, /catalog uploads name the product/, admin);
    await refused('/v1/admin/uploads', { ...ok, purpose: 'catalog', productId: '777777' }, 404, /No product with id 777777/, admin);
    await seedProduct('700001');
    await refused('/v1/admin/uploads', { ...ok, purpose: 'catalog', productId: '700001', faceOptIn: true }, 400, /face-aware styling is for search and wardrobe/, admin);
  });

  it('GET /v1/uploads/{id}: 400 for a malformed id, 404 for an unknown one', async () => {
    expect((await local.api('/v1/uploads/not-a-uuid')).status).toBe(400);
    expect((await local.api('/v1/uploads/6f1c1a52-3a5e-4c1e-9d59-3c1a2b3c4d5e')).status).toBe(404);
  });
});

describe('the presigned PUT: S3 checks the signature', () => {
  it('signs content type and length: a tampered signature, a wrong type and extra bytes are refused', async () => {
    const photo = await garment();
    const p = await presign(local, { contentType: 'image/jpeg', contentLength: photo.length, purpose: 'search', sessionId: session });
    expect(p.method).toBe('PUT');
    expect(new Date(p.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(5 * 60 * 1000 + 1000);
    const url = new URL(p.url);
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');

    const sig = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    const tampered = await fetch(url, { method: 'PUT', headers: p.headers, body: new Uint8Array(photo) });
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('SignatureDoesNotMatch');

    const wrongType = await fetch(p.url, { method: 'PUT', headers: { ...p.headers, 'content-type': 'image/png' }, body: new Uint8Array(photo) });
    expect(wrongType.status).toBe(403);

    const longer = Buffer.concat([photo, Buffer.alloc(100)]);
    const extra = await fetch(p.url, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(longer) });
    expect(extra.status).toBe(403);

    await local.cloud.drainEvents();
    expect((await status(p.uploadId)).status).toBe('pending-upload'); // nothing arrived, nothing analysed
    const good = await fetch(p.url, { method: 'PUT', headers: p.headers, body: new Uint8Array(photo) });
    expect(good.status).toBe(200);
  });

  it('refuses an expired URL', async () => {
    const photo = await garment();
    const expired = await presignPut({
      key: 'uploads/search/00000000-0000-4000-8000-000000000000',
      contentType: 'image/jpeg',
      contentLength: photo.length,
      expiresInSec: 60,
      signingDate: new Date(Date.now() - 10 * 60 * 1000),
    });
    expect(new Date(expired.expiresAt).getTime()).toBeLessThan(Date.now());
    const res = await fetch(expired.url, { method: 'PUT', headers: expired.headers, body: new Uint8Array(photo) });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Request has expired');
  });
});

describe('bad files land as failed with the reason (no retry, no partial record)', () => {
  const cases: Array<[string, () => Promise<Buffer>, string, string]> = [
    ['not an image', async () => notAnImage(), 'image/jpeg', 'NOT_AN_IMAGE'],
    ['a truncated JPEG', truncatedJpeg, 'image/jpeg', 'TRUNCATED'],
    ['a decompression bomb', () => pngBomb(), 'image/png', 'TOO_MANY_PIXELS'],
    ['a JPEG declared as PNG', () => garment(), 'image/png', 'TYPE_MISMATCH'],
  ];
  it.each(cases)('%s', async (_name, make, contentType, reason) => {
    const bytes = await make();
    const p = await presign(local, { contentType, contentLength: bytes.length, purpose: 'wardrobe', sessionId: session });
    expect((await fetch(p.url, { method: 'PUT', headers: p.headers, body: new Uint8Array(bytes) })).status).toBe(200);
    await local.cloud.drainEvents();
    const s = await status(p.uploadId);
    expect(s).toMatchObject({ status: 'failed', attempts: 1, error: { reason } });
    expect(s.analysis).toBeUndefined();
  });

  it('zero bytes and an oversized file that reach the bucket without a presigned URL are refused too', async () => {
    const uploads = new S3BlobStore({ bucket: 'uploads' });
    for (const [bytes, reason] of [
      [Buffer.alloc(0), 'EMPTY'],
      [await oversizedJpeg(), 'TOO_LARGE'],
    ] as const) {
      const p = await presign(local, { contentType: 'image/jpeg', contentLength: 1000, purpose: 'wardrobe', sessionId: session });
      await uploads.put(p.key, bytes, 'image/jpeg');
      await local.cloud.drainEvents();
      expect(await status(p.uploadId)).toMatchObject({ status: 'failed', error: { reason } });
    }
    expect(local.cloud.deadLetters).toEqual([]);
    // None of the failed wardrobe uploads became an item.
    expect((await (await local.api(`/v1/wardrobe?sessionId=${session}`)).json()).items).toEqual([]);
  });
});
