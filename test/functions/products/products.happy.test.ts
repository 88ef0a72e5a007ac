import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalCloud } from '../../support/local-cloud.ts';
import { seedCatalog } from './seed.ts';

const local = useLocalCloud();
beforeAll(seedCatalog);

interface ProductBody {
  id: string;
  title: string;
  price: number;
  gender: string;
  articleType: string;
  imageUrl?: string;
  imageUrls: string[];
}
interface ListBody {
  items: ProductBody[];
  count: number;
  cursor: string | null;
}

describe('GET /v1/products/{id}', () => {
  it('returns the product with an image URL a browser can load', async () => {
    const res = await local.api('/v1/products/2001');
    expect(res.status).toBe(200);
    const p = (await res.json()) as ProductBody;
    expect(p).toMatchObject({ id: '2001', title: 'Seed Jeans 1', gender: 'Women', articleType: 'Jeans' });
    expect(p.imageUrls).toEqual([p.imageUrl]);
    // No credentials, no headers: exactly what an <img src> does.
    const img = await fetch(p.imageUrl!);
    expect(img.status).toBe(200);
    const bytes = Buffer.from(await img.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
  });

  it('returns a product without an image with an empty imageUrls', async () => {
    const p = (await (await local.api('/v1/products/2023')).json()) as ProductBody;
    expect(p.imageUrl).toBeUndefined();
    expect(p.imageUrls).toEqual([]);
  });
});

describe('GET /v1/products', () => {
  async function all(query: string, limit: number): Promise<ListBody[]> {
    const pages: ListBody[] = [];
    let cursor: string | null = null;
    do {
      const res = await local.api(`/v1/products?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as ListBody;
      pages.push(body);
      cursor = body.cursor;
    } while (cursor && pages.length < 50);
    return pages;
  }

  it('pages through a category in price order', async () => {
    const pages = await all('category=Watches', 3);
    const items = pages.flatMap((p) => p.items);
    expect(items).toHaveLength(8);
    expect(new Set(items.map((p) => p.id)).size).toBe(8);
    expect(items.every((p) => p.articleType === 'Watches')).toBe(true);
    const prices = items.map((p) => p.price);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(pages[0]!.count).toBe(3);
  });

  it('filters by gender and price range', async () => {
    const items = (await all('gender=Men&priceMin=500&priceMax=1000', 4)).flatMap((p) => p.items);
    expect(items.length).toBeGreaterThan(0);
    for (const p of items) {
      expect(p.gender).toBe('Men');
      expect(p.price).toBeGreaterThanOrEqual(500);
      expect(p.price).toBeLessThanOrEqual(1000);
    }
    expect(items.every((p) => p.imageUrl?.startsWith('http'))).toBe(true);
  });

  it('lists everything when no filter is given', async () => {
    const items = (await all('inStock=false', 10)).flatMap((p) => p.items);
    expect(items).toHaveLength(24);
  });
});
