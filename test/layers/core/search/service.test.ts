/**
 * SearchService's named-attribute leg for photos: the type and colour an encoder's heads read from the query
 * photo (describeImage) bring the products having them forward; words override the photo's colour. The encoder
 * here is a fixed one (its heads always read a navy T-shirt), so the assertions rest on the fusion alone.
 */
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Encoder } from '#core';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { dot, randomUnitVector } from '#core/index/vectors';
import { fuseQuery } from '#core/ranking/alpha';
import { mulberry32 } from '#core/random';
import { SearchService } from '#core/search/service';
import type { SearchIndex } from '#core/index/search-index';
import { useLocalCloud } from '../../../support/local-cloud.ts';
import { syntheticIndex } from '../index/fixtures.ts';

useLocalCloud({ api: false });

const rand = mulberry32(5);
const photo = randomUnitVector(16, rand);
const words = randomUnitVector(16, rand);
const reading = { articleType: 'Tshirts', baseColour: 'Navy Blue', gender: 'Men' };
const plain: Encoder = { id: 'test-encoder', version: '1', dim: 16, embedText: async () => words, embedImage: async () => photo };
const describing: Encoder = { ...plain, describeImage: async () => ({ embedding: photo, attributes: reading }) };

let index: SearchIndex;
let jpeg: string;
beforeAll(async () => {
  index = syntheticIndex(400, 16, 9).index;
  jpeg = (await sharp({ create: { width: 60, height: 80, channels: 3, background: { r: 20, g: 30, b: 90 } } }).jpeg().toBuffer()).toString('base64');
});
const service = (encoder: Encoder) => new SearchService({ encoder, index: { get: async () => index }, catalog: new DynamoCatalogRepo(), images: new S3BlobStore({ bucket: 'catalog' }) });
/** The ids of the `n` products of a type and colour nearest to `q`, by brute force. */
const nearest = (q: Float32Array, type: string, colour: string, n: number) =>
  [...index.items.values()]
    .filter((i) => i.articleType === type && i.baseColour === colour)
    .map((i) => ({ id: i.id, s: dot(q, index.vectors.vectorOf(i.id)!) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, n)
    .map((h) => h.id);

describe('SearchService: what the photo shows', () => {
  it('a photo read as a navy T-shirt brings the navy T-shirts nearest to it into the top results', async () => {
    const r = await service(describing).search({ imageBase64: jpeg, topK: 20 });
    expect(r).toMatchObject({ searchType: 'image', lexical: false, intent: { attributes: { articleType: ['Tshirts'], baseColour: ['Navy Blue'] }, phrases: [], fromImage: ['articleType', 'baseColour'] } });
    const ids = r.results.map((x) => x.productId);
    expect(ids).toEqual(expect.arrayContaining(nearest(photo, 'Tshirts', 'Navy Blue', 10)));
    // Without attribute heads (or with lexical: false) it is the vector ranking alone, with few of them.
    for (const other of [await service(plain).search({ imageBase64: jpeg, topK: 20 }), await service(describing).search({ imageBase64: jpeg, topK: 20, lexical: false })]) {
      expect(other.intent).toBeUndefined();
      expect(other.results.map((x) => x.productId)).toEqual(index.vectors.search(photo, 20).map((h) => h.id));
      expect(other.results.filter((x) => x.articleType === 'Tshirts' && x.baseColour === 'Navy Blue').length).toBeLessThan(5);
    }
  });

  it("words override the photo's colour and keep its type: 'this, but in red'", async () => {
    const r = await service(describing).search({ imageBase64: jpeg, text: 'red', alpha: 0.5, topK: 20 });
    expect(r.intent).toEqual({ attributes: { baseColour: ['Red'], articleType: ['Tshirts'] }, phrases: ['red'], fromImage: ['articleType'] });
    const ids = r.results.map((x) => x.productId);
    expect(ids.slice(0, 10).filter((id) => index.items.get(id)!.articleType === 'Tshirts' && index.items.get(id)!.baseColour === 'Red').length).toBeGreaterThanOrEqual(5);
    expect(ids).toEqual(expect.arrayContaining(nearest(fuseQuery(words, photo, 0.5).vector, 'Tshirts', 'Red', 10)));
  });

  it("the catalog's look-alikes (Encoder.appearanceQuery) vote on the photo's reading: a close call goes their way", async () => {
    const appearance = randomUnitVector(16, mulberry32(21));
    const rand = mulberry32(22);
    const kurtas = Array.from({ length: 10 }, (_, i) => `kurta-${i}`);
    const template = index.items.values().next().value!;
    kurtas.forEach((id) => {
      const v = Float32Array.from(appearance, (x) => x + (rand() - 0.5) * 0.05);
      const norm = Math.hypot(...v);
      index.add({ ...template, id, articleType: 'Kurtas' }, v.map((x) => x / norm));
    });
    const labels = { articleType: [{ value: 'Tshirts', p: 0.5 }, { value: 'Kurtas', p: 0.45 }] };
    const voting: Encoder = { ...describing, appearanceQuery: (v) => (v === photo ? appearance : v), describeImage: async () => ({ embedding: photo, attributes: reading, labels }) };
    try {
      const r = await service(voting).search({ imageBase64: jpeg, topK: 20 });
      expect(r.intent!.attributes).toMatchObject({ articleType: ['Kurtas'], baseColour: ['Navy Blue'] }); // no ranked colours: the head's stands
      // Without look-alikes (no appearanceQuery) the head's first label stands.
      const { appearanceQuery: _, ...headsOnly } = voting;
      expect((await service(headsOnly).search({ imageBase64: jpeg, topK: 20 })).intent!.attributes.articleType).toEqual(['Tshirts']);
    } finally {
      kurtas.forEach((id) => index.remove(id));
    }
  });

  it("searches with the encoder's query form of the photo's embedding (Encoder.imageQuery), alone and fused with words", async () => {
    const asQuery = randomUnitVector(16, mulberry32(11));
    const querying: Encoder = { ...plain, imageQuery: (v) => (v === photo ? asQuery : v) };
    const alone = await service(querying).search({ imageBase64: jpeg, topK: 20, lexical: false });
    expect(alone.results.map((x) => x.productId)).toEqual(index.vectors.search(asQuery, 20).map((h) => h.id));
    expect(alone.results.map((x) => x.productId)).not.toEqual(index.vectors.search(photo, 20).map((h) => h.id));
    const fused = await service(querying).search({ imageBase64: jpeg, text: 'zz', alpha: 0.3, topK: 20, lexical: false });
    expect(fused.results.map((x) => x.productId)).toEqual(index.vectors.search(fuseQuery(words, asQuery, 0.3).vector, 20).map((h) => h.id));
  });
});

describe('SearchService.similar', () => {
  it("brings the product's own type and colour forward, without the product itself", async () => {
    const id = [...index.items.keys()][7];
    const self = index.items.get(id)!;
    const r = await service(plain).similar(id, { topK: 20 });
    const ids = r.results.map((x) => x.productId);
    expect(ids).not.toContain(id);
    const sameKind = nearest(index.vectors.vectorOf(id)!, self.articleType, self.baseColour, 11).filter((x) => x !== id).slice(0, 10);
    expect(ids).toEqual(expect.arrayContaining(sameKind));
    const vectorOnly = index.vectors.search(index.vectors.vectorOf(id)!, 21).map((h) => h.id).filter((x) => x !== id);
    expect(vectorOnly.filter((x) => sameKind.includes(x)).length).toBeLessThan(sameKind.length); // the leg adds what the vector ranking alone misses
  });

  it('leaves out the same image listed again, but keeps a namesake (same title and colour, another image)', async () => {
    const id = [...index.items.keys()][11];
    const self = index.items.get(id)!;
    const v = index.vectors.vectorOf(id)!;
    const nudged = Float32Array.from(v, (x, i) => x + (i % 2 ? 0.02 : -0.02));
    const norm = Math.hypot(...nudged);
    index.add({ ...self, id: 'namesake' }, nudged.map((x) => x / norm));
    index.add({ ...self, id: 'relisted', title: 'Another title' }, v);
    try {
      const ids = (await service(plain).similar(id, { topK: 10 })).results.map((x) => x.productId);
      expect(ids).toContain('namesake');
      expect(ids).not.toContain('relisted');
      expect(ids).not.toContain(id);
    } finally {
      index.remove('namesake');
      index.remove('relisted');
    }
  });
});
