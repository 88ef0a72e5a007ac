/** Synthetic products and vectors for index tests (not a test file: no .test suffix). */
import type { IndexedItem } from '#core/index/artifact';
import { SearchIndex } from '#core/index/search-index';
import { randomUnitVector } from '#core/index/vectors';
import { mulberry32 } from '#core/random';

const TYPES = ['Shirts', 'Tshirts', 'Jeans', 'Dresses', 'Watches'];
const COLOURS = ['Navy Blue', 'Red', 'White', 'Black', 'Green'];

export function syntheticItem(i: number): IndexedItem {
  const articleType = TYPES[i % TYPES.length];
  const baseColour = COLOURS[Math.floor(i / TYPES.length) % COLOURS.length];
  return {
    id: String(10000 + i),
    title: `${baseColour} ${articleType} ${i}`,
    brand: i % 2 ? 'Roadster' : 'Nike',
    gender: i % 3 ? 'Men' : 'Women',
    masterCategory: articleType === 'Watches' ? 'Accessories' : 'Apparel',
    subCategory: articleType === 'Watches' ? 'Watches' : 'Topwear',
    articleType,
    baseColour,
    colours: [baseColour],
    season: 'Summer',
    usage: 'Casual',
    price: 100 + i,
    currency: 'INR',
    stock: i % 4 ? 5 : 0,
    imageKey: `products/${10000 + i}.jpg`,
    keywords: 'Solid Cotton',
  };
}

export function syntheticIndex(n: number, dim = 16, seed = 1) {
  const rand = mulberry32(seed);
  const index = SearchIndex.empty({ id: 'test-encoder', version: '1' }, dim, { m: 16, efConstruction: 64, efSearch: 32, seed: 1 });
  const vectors = new Map<string, Float32Array>();
  for (let i = 0; i < n; i++) {
    const item = syntheticItem(i);
    const v = randomUnitVector(dim, rand);
    vectors.set(item.id, v);
    index.add(item, v);
  }
  return { index, vectors, rand };
}
