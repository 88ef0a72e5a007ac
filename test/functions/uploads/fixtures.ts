/**
 * Shared set-up for the uploads / vision integration tests: the real local cloud (dynalite, signature-checking
 * s3rver, the API adapter, S3 events → functions/vision/handler.ts), the real YOLOX model and the search encoder
 * (the trained one when models/trained has it, else the tiny generated CLIP pair).
 */
import fs from 'node:fs';
import { expect } from 'vitest';
import type { Product } from '#core';
import { trainedFile } from '#core/model-files';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import type { LocalCloudFixture } from '../../support/local-cloud.ts';
import { useTinyClipEncoder } from '../search/fixtures.ts';

export const hasTrainedModel = () => fs.existsSync(trainedFile('card.json'));

/** Call at module level, before useLocalCloud(). */
export function configureEncoder(): void {
  process.env.INDEX_REFRESH_SECONDS = '0';
  if (!hasTrainedModel()) useTinyClipEncoder();
}

export const json = (body: unknown, token?: string): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify(body),
});

export interface Presigned {
  uploadId: string;
  key: string;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
}

export async function presign(local: LocalCloudFixture, body: Record<string, unknown>, opts: { admin?: boolean } = {}): Promise<Presigned> {
  const path = opts.admin ? '/v1/admin/uploads' : '/v1/uploads';
  const res = await local.api(path, json(body, opts.admin ? local.token({ sub: 'admin-1', groups: ['admin'] }) : undefined));
  const payload = await res.json();
  expect(res.status, JSON.stringify(payload)).toBe(201);
  return payload as Presigned;
}

/** Presign, PUT the bytes through the URL with plain fetch, and wait for the vision function to finish. */
export async function uploadAndAnalyse(local: LocalCloudFixture, body: Record<string, unknown>, bytes: Buffer, opts: { admin?: boolean } = {}) {
  const p = await presign(local, { contentLength: bytes.length, ...body }, opts);
  const put = await fetch(p.url, { method: 'PUT', headers: p.headers, body: new Uint8Array(bytes) });
  expect(put.status, await put.text()).toBe(200);
  await local.cloud.drainEvents();
  const res = await local.api(`/v1/uploads/${p.uploadId}`);
  expect(res.status).toBe(200);
  return { presigned: p, analysis: (await res.json()) as Record<string, any> };
}

export async function seedProduct(id: string, over: Partial<Product> = {}): Promise<Product> {
  const now = new Date().toISOString();
  const product: Product = {
    id,
    sku: `SKU-${id}`,
    title: 'Test Red Casual Tshirt',
    brand: 'Lookbook',
    gender: 'Men',
    ageGroup: 'Adults-Men',
    masterCategory: 'Apparel',
    subCategory: 'Topwear',
    articleType: 'Tshirts',
    baseColour: 'Red',
    colours: [],
    season: 'Summer',
    usage: 'Casual',
    price: 799,
    currency: 'INR',
    attributes: { fabric: 'Cotton' },
    description: '',
    sizes: [],
    stock: 5,
    imageKeys: [],
    createdAt: now,
    updatedAt: now,
    ...over,
  };
  await new DynamoCatalogRepo().put(product);
  return product;
}
