/**
 * A photo goes through the presigned URL, the S3 event runs the vision function, and the API shows the result:
 * search uploads (tags, colours, boxes, shop the look with filters), wardrobe uploads (the item appears), catalog
 * uploads (the product gets its vision attributes and is searchable without a restart), re-analysis, and
 * face-aware advice only on opt-in.
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { useLocalCloud } from '../../support/local-cloud.ts';
import { garment, hasHires, MODEL_SHOT, readHires } from '../../layers/core/vision/images.ts';
import { configureEncoder, hasTrainedModel, json, seedProduct, uploadAndAnalyse } from './fixtures.ts';

configureEncoder();
const local = useLocalCloud();
const session = 'sess-happy-0001';

describe('uploads → vision pipeline → API', () => {
  it('a catalog upload (admin) stores vision attributes on the product and makes it searchable without a restart', async () => {
    await seedProduct('900001');
    const photo = await garment('#c0202a');
    const { presigned, analysis } = await uploadAndAnalyse(local, { contentType: 'image/jpeg', purpose: 'catalog', productId: '900001' }, photo, { admin: true });
    expect(presigned.key).toBe(`uploads/catalog/${presigned.uploadId}`);
    expect(analysis).toMatchObject({ status: 'done', purpose: 'catalog', productId: '900001' });
    expect(analysis.analysis.dominantColour).toBe('Red');

    const product = (await new DynamoCatalogRepo().get('900001'))!;
    expect(product.vision).toMatchObject({ uploadId: presigned.uploadId, dominantColour: 'Red', materials: [{ value: 'Cotton', source: 'catalog' }] });
    expect(product.imageKeys[0]).toBe(`products/900001/${presigned.uploadId}.jpg`);
    // The stored product image is the clean copy (re-encoded, no metadata), in the catalog bucket.
    expect(await new S3BlobStore({ bucket: 'catalog' }).get(product.imageKeys[0])).toBeDefined();

    const search = await local.api('/v1/search', json({ imageBase64: photo.toString('base64'), topK: 5 }));
    expect(search.status).toBe(200);
    const body = await search.json();
    expect(body.results.map((r: { productId: string }) => r.productId)).toContain('900001');
  });

  it('a search upload shows status, attributes, colours, boxes and similar products, honouring filters', async () => {
    const { presigned, analysis } = await uploadAndAnalyse(local, { contentType: 'image/png', purpose: 'search', sessionId: session }, await garment('#c0202a', { format: 'png' }));
    expect(analysis.status).toBe('done');
    const a = analysis.analysis;
    expect(a.image).toMatchObject({ format: 'png', width: 300, height: 400 });
    expect(a.crop.kind).toBe('whole');
    expect(Array.isArray(a.detections)).toBe(true);
    expect(a.colours[0]).toMatchObject({ name: 'Red' });
    expect(Object.keys(a.timings)).toEqual(expect.arrayContaining(['check', 'detect', 'colours', 'total']));
    expect(a.models.detector).toMatch(/^yolox-nano@/);
    expect(a.face).toBeUndefined(); // no opt-in, no face analysis
    if (hasTrainedModel()) {
      expect(Object.keys(a.attributes)).toEqual(expect.arrayContaining(['articleType', 'subCategory', 'gender', 'baseColour', 'usage', 'season', 'pattern']));
      expect(a.attributes.articleType.confidence).toBeGreaterThan(0);
    }
    expect(a.embedding).toMatchObject({ dim: expect.any(Number) });
    expect(JSON.stringify(analysis)).not.toContain(session); // owner ids are not echoed
    expect((await fetch(analysis.imageUrl)).status).toBe(200);
    // Shop the look: the catalog product from the previous test is the nearest match.
    expect(analysis.similar.results[0].productId).toBe('900001');
    const filtered = await (await local.api(`/v1/uploads/${presigned.uploadId}?gender=Women`)).json();
    expect(filtered.similar.results).toEqual([]);

    // POST /v1/search accepts the finished upload's key.
    const byKey = await local.api('/v1/search', json({ imageKey: presigned.key, topK: 3 }));
    expect(byKey.status).toBe(200);
    expect((await byKey.json()).results[0].productId).toBe('900001');
  });

  it('a wardrobe upload appears in the wardrobe', async () => {
    // A phone photo: EXIF says "rotate 90°" (and could carry GPS).
    const phone = await sharp(await garment('#1e2648')).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const { presigned } = await uploadAndAnalyse(local, { contentType: 'image/jpeg', purpose: 'wardrobe', sessionId: session }, phone);
    const res = await local.api(`/v1/wardrobe?sessionId=${session}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.ownerId).toBe(session);
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ itemId: presigned.uploadId, imageKey: `wardrobe/${presigned.uploadId}.jpg`, dominantColour: 'Navy Blue' });
    // The kept image is the clean copy: upright, without EXIF.
    const kept = await sharp(await new S3BlobStore({ bucket: 'uploads' }).get(body.items[0].imageKey)).metadata();
    expect([kept.width, kept.height, kept.exif, kept.orientation]).toEqual([400, 300, undefined, undefined]);
    // …and the browser can load it through the item's URL.
    const img = await fetch(body.items[0].imageUrl);
    expect(img.status).toBe(200);
    expect((await sharp(Buffer.from(await img.arrayBuffer())).metadata()).width).toBe(400);
    expect((await (await local.api('/v1/wardrobe?sessionId=sess-someone-else')).json()).items).toEqual([]);
  });

  it('POST /v1/products/{id}/analyze re-runs the analysis of an existing product (admin only)', async () => {
    const before = (await new DynamoCatalogRepo().get('900001'))!;
    expect((await local.api('/v1/products/900001/analyze', json({}, local.token({ sub: 'u2' })))).status).toBe(403);
    const res = await local.api('/v1/products/900001/analyze', json({}, local.token({ sub: 'admin-1', groups: ['admin'] })));
    expect(res.status).toBe(202);
    const { uploadId } = await res.json();
    await local.cloud.drainEvents();
    const status = await (await local.api(`/v1/uploads/${uploadId}`)).json();
    expect(status.status).toBe('done');
    const after = (await new DynamoCatalogRepo().get('900001'))!;
    expect(after.vision?.uploadId).toBe(uploadId);
    expect(after.imageKeys).toEqual(before.imageKeys); // re-analysis keeps the image
    // Re-indexed, not duplicated: the product appears once.
    const photo = await new S3BlobStore({ bucket: 'catalog' }).get(after.imageKeys[0]);
    const hits = (await (await local.api('/v1/search', json({ imageBase64: Buffer.from(photo!).toString('base64'), topK: 10 }))).json()).results;
    expect(hits.filter((h: { productId: string }) => h.productId === '900001')).toHaveLength(1);
    expect((await local.api('/v1/products/424242/analyze', json({}, local.token({ sub: 'admin-1', groups: ['admin'] })))).status).toBe(404);
  });

  it.skipIf(!hasHires())('face-aware advice runs only on opt-in, crops the person, and stores no face pixels', async () => {
    const photo = readHires(MODEL_SHOT);
    const { analysis } = await uploadAndAnalyse(local, { contentType: 'image/jpeg', purpose: 'search', sessionId: session, faceOptIn: true }, photo);
    expect(analysis.status).toBe('done');
    expect(analysis.analysis.crop.kind).toBe('person');
    expect(analysis.analysis.detections[0]).toMatchObject({ label: 'person' });
    const face = analysis.analysis.face;
    expect(face.detected).toBe(true);
    expect(face.necklines.length).toBeGreaterThan(0);
    expect(face.caveat).toMatch(/rough guess/);
    expect(Object.keys(face)).not.toContain('image');
  });
});
