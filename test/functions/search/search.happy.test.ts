/** POST /v1/search and GET /v1/products/{id}/similar through the local API (real handlers, local DynamoDB and S3). */
import { beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocClient } from '#core/adapters/aws/clients';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { tableName } from '#core/tables';
import { clipEncoderFromEnv } from '#core/encoders/clip/clip-encoder';
import { encodeEmbedding } from '#core/vision/analysis';
import { useLocalCloud } from '../../support/local-cloud.ts';
import { post, seedCatalog, useTinyClipEncoder, type SeededCatalog } from './fixtures.ts';

useTinyClipEncoder();
const local = useLocalCloud();
let catalog: SeededCatalog;

interface Result {
  productId: string;
  title: string;
  baseColour: string;
  articleType: string;
  imageUrl: string | null;
  score: number;
  price: number;
  currency: string;
  brand: string;
}

const search = async (body: unknown) => {
  const r = await local.api('/v1/search', post(body));
  return { status: r.status, body: (await r.json()) as { results: Result[]; searchType: string; alphaUsed: number; indexVersion: string; tookMs: number; lexical: boolean } };
};

beforeAll(async () => {
  catalog = await seedCatalog();
  const r = await local.api('/v1/admin/index/rebuild?wait=true', { method: 'POST', headers: { authorization: `Bearer ${local.token({ groups: ['admin'] })}` } });
  expect(r.status).toBe(200);
  expect(await r.json()).toMatchObject({ status: 'done', count: catalog.products.length });
});

describe('POST /v1/search', () => {
  it('text: BM25 fused with the vector ranking (RRF) puts products matching the words first', async () => {
    // The tiny encoder's vectors are meaningless, so the assertions rest on RRF arithmetic: any product BM25
    // ranks (19 match "red" or "shirt", one of them the duplicate product) scores above 1/61, the best a product missing from the BM25 list can get.
    const { status, body } = await search({ text: 'red shirts', topK: 20 });
    expect(status).toBe(200);
    expect(body).toMatchObject({ searchType: 'text', alphaUsed: 0, lexical: true });
    expect(body.indexVersion).toMatch(/^\d{8}T/);
    expect(body.results).toHaveLength(20);
    const top = body.results.slice(0, 19);
    expect(top.every((r) => r.baseColour === 'Red' || r.articleType === 'Shirts')).toBe(true);
    // Red shirts (two and the duplicate) have both named attributes: the intent leg puts them first.
    expect(body.results.slice(0, 3).every((r) => r.baseColour === 'Red' && r.articleType === 'Shirts')).toBe(true);
    expect(body.results.slice(19).some((r) => r.baseColour === 'Red' || r.articleType === 'Shirts')).toBe(false);
    expect(body.results[0]).toMatchObject({ currency: 'INR' });
    expect(body.results[0].imageUrl).toMatch(/^http/);
    expect(typeof body.tookMs).toBe('number');
  });

  it('text: the attributes the words name lead, shopper words included ("tee" is the articleType Tshirts)', async () => {
    // BM25 knows no "tee" and finds "navy" in all 8 navy products; the intent leg holds just the two navy T-shirts.
    const { body } = await search({ text: 'navy tee', topK: 10 });
    expect((body as { intent?: unknown }).intent).toEqual({ attributes: { baseColour: ['Navy Blue'], articleType: ['Tshirts'] }, phrases: ['navy', 'tee'] });
    expect(body.results.slice(0, 2).map((r) => [r.baseColour, r.articleType])).toEqual([
      ['Navy Blue', 'Tshirts'],
      ['Navy Blue', 'Tshirts'],
    ]);
    expect(body.results.slice(2).every((r) => r.articleType !== 'Tshirts' || r.baseColour !== 'Navy Blue')).toBe(true);
  });

  it('lexical: false ranks by the vector leg only (cosine scores in [-1, 1])', async () => {
    const { body } = await search({ text: 'red shirts for men', lexical: false, topK: 7 });
    expect(body.lexical).toBe(false);
    expect(body.results).toHaveLength(7);
    for (const r of body.results) expect(Math.abs(r.score)).toBeLessThanOrEqual(1.0001);
  });

  it('filters apply inside the search and still return topK when that many match', async () => {
    const { body } = await search({ text: 'casual', topK: 6, filters: { articleType: 'Jeans', gender: 'Women' } });
    expect(body.results).toHaveLength(6); // 6 colours × women's jeans
    expect(body.results.every((r) => r.articleType === 'Jeans' && r.title.includes('Women'))).toBe(true);
    const priced = await search({ text: 'watch', topK: 100, filters: { priceMin: 600, priceMax: 700, inStock: true } });
    expect(priced.body.results.length).toBeGreaterThan(0);
    expect(priced.body.results.every((r) => r.price >= 600 && r.price <= 700)).toBe(true);
  });

  it('image (base64): the product whose image it is comes first, α forced to 1', async () => {
    const target = catalog.products[13];
    const { status, body } = await search({ imageBase64: catalog.images.get(target.id)!.toString('base64'), topK: 5, alpha: 0.2 });
    expect(status).toBe(200);
    expect(body).toMatchObject({ searchType: 'image', alphaUsed: 1 });
    expect(body.results[0].productId).toBe(target.id);
    expect(body.results[0].score).toBeCloseTo(1, 3);
  });

  it('hybrid: text + image with the α given', async () => {
    const target = catalog.products[5];
    const { body } = await search({ text: 'green watch', imageBase64: catalog.images.get(target.id)!.toString('base64'), alpha: 0.7, topK: 10, lexical: false });
    expect(body).toMatchObject({ searchType: 'hybrid', alphaUsed: 0.7 });
    expect(body.results).toHaveLength(10);
  });

  it('imageKey of a finished upload', async () => {
    const uploadId = 'a1b2c3d4e5f60718';
    const key = `uploads/search/${uploadId}`;
    const target = catalog.products[20];
    await new S3BlobStore({ bucket: 'uploads' }).put(key, catalog.images.get(target.id)!, 'image/jpeg');
    await dynamoDocClient().send(new PutCommand({ TableName: tableName('analyses'), Item: { uploadId, status: 'done', key } }));
    const { status, body } = await search({ imageKey: key, topK: 3 });
    expect(status).toBe(200);
    expect(body.results[0].productId).toBe(target.id);
  });
});

describe('POST /v1/search with the embedding the vision pipeline stored', () => {
  it('uses the analysis record\'s embedding (no image download) when it matches the encoder', async () => {
    const encoder = await clipEncoderFromEnv();
    const target = catalog.products[31];
    const vector = await encoder.embedImage(catalog.images.get(target.id)!);
    const uploadId = 'stored0embedding1';
    // No object in the uploads bucket: only the stored vector can answer.
    await dynamoDocClient().send(new PutCommand({ TableName: tableName('analyses'), Item: { uploadId, status: 'done', embedding: encodeEmbedding(vector, encoder.id, encoder.version) } }));
    const { status, body } = await search({ imageKey: `uploads/search/${uploadId}`, topK: 3 });
    expect(status).toBe(200);
    expect(body.results[0].productId).toBe(target.id);
  });
});

describe('GET /v1/products/{id}/similar', () => {
  it('returns neighbours without the product itself or its exact duplicate', async () => {
    const first = catalog.products[0];
    const r = await local.api(`/v1/products/${first.id}/similar?topK=10`);
    expect(r.status).toBe(200);
    const body = (await r.json()) as { productId: string; results: Result[]; indexVersion: string };
    expect(body.productId).toBe(first.id);
    expect(body.results).toHaveLength(10);
    const ids = body.results.map((x) => x.productId);
    expect(ids).not.toContain(first.id);
    expect(ids).not.toContain('29999');
    expect(new Set(ids).size).toBe(10);
  });

  it('honours filters in the query string', async () => {
    const r = await local.api(`/v1/products/${catalog.products[3].id}/similar?topK=4&gender=Women&articleType=Tshirts`);
    const body = (await r.json()) as { results: Result[] };
    expect(body.results).toHaveLength(4);
    expect(body.results.every((x) => x.articleType === 'Tshirts' && x.title.includes('Women'))).toBe(true);
  });
});
