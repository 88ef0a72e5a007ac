import { describe, expect, it } from 'vitest';
import { Bm25 } from '#core/lexical/bm25';
import { tokenize } from '#core/lexical/tokenize';

const docs: Record<string, string> = {
  a: 'Navy Blue Slim Fit Checked Shirt Men Casual',
  b: 'Red Floral Dress Women Party',
  c: 'Navy Blue Jeans Men Casual',
  d: 'White Checked Shirt Men Formal',
  e: 'Black Leather Watch Men Accessories',
};

const build = () => {
  const bm = new Bm25();
  for (const [id, text] of Object.entries(docs)) bm.add(id, text);
  return bm;
};

describe('tokenize', () => {
  it('lower-cases, drops stop words and folds plurals and accents', () => {
    expect(tokenize('The Shirts & Dresses for Café-goers')).toEqual(['shirt', 'dress', 'cafe', 'goer']);
    expect(tokenize('Accessories watches')).toEqual(['accessory', 'watch']);
  });
});

describe('Bm25', () => {
  it('ranks the document matching most (and rarest) query words first', () => {
    const hits = build().search('navy checked shirts', 5);
    expect(hits[0].id).toBe('a');
    expect(hits.map((h) => h.id)).toEqual(expect.arrayContaining(['a', 'c', 'd']));
    expect(hits.map((h) => h.id)).not.toContain('b');
    for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
  });

  it('a rare word outweighs a common one', () => {
    // "men" is in 4 of 5 documents, "leather" in one.
    expect(build().search('men leather', 1)[0].id).toBe('e');
  });

  it('honours the filter and topK, and returns nothing for unknown words', () => {
    const bm = build();
    expect(bm.search('shirt', 5, (id) => id !== 'a').map((h) => h.id)).toEqual(['d']);
    expect(bm.search('men', 2)).toHaveLength(2);
    expect(bm.search('zzz unknownword', 5)).toEqual([]);
  });

  it('removes and replaces documents', () => {
    const bm = build();
    bm.remove('a');
    expect(bm.size).toBe(4);
    expect(bm.search('slim navy checked', 5).map((h) => h.id)).not.toContain('a');
    bm.add('d', 'Green Kurta Women');
    expect(bm.search('checked', 5)).toEqual([]);
    expect(bm.search('kurta', 5)[0].id).toBe('d');
  });

  it('a bulk build answers exactly as adding one by one, before and after removals, replacements and additions', () => {
    const withRepeats = { ...docs, g: 'Cotton Shirt shirts SHIRT' }; // term frequency 3
    const bulk = Bm25.build(Object.entries(withRepeats));
    const single = new Bm25();
    for (const [id, text] of Object.entries(withRepeats)) single.add(id, text);
    const queries = ['navy checked shirts', 'men', 'men leather', 'red party dress', 'kurta', 'casual jeans', 'cotton shirt'];
    const same = () => queries.forEach((q) => expect(bulk.search(q, 5)).toEqual(single.search(q, 5)));
    same();
    for (const bm of [bulk, single]) {
      bm.remove('a'); // a built document
      bm.add('d', 'Green Kurta Women'); // a built one replaced
      bm.add('f', 'Navy Kurta Men Casual Casual'); // a new one
      bm.remove('f'); // an added one removed
      bm.add('f', 'Navy Kurta Men Casual Casual');
    }
    same();
    expect(bulk.size).toBe(6);
    expect(bulk.search('shirt', 1)[0].id).toBe('g');
    expect(bulk.search('checked', 5)).toEqual([]);
    expect(bulk.search('kurta', 5).map((h) => h.id).sort()).toEqual(['d', 'f']);
    expect(() => Bm25.build([['x', 'shirt'], ['x', 'dress']])).toThrow(/duplicate id x/);
  });

  it('a saved build restores the same index (toBytes → fromBytes), which then changes like the original', () => {
    const withRepeats = { ...docs, g: 'Cotton Shirt shirts SHIRT' };
    const built = Bm25.build(Object.entries(withRepeats));
    const bytes = built.toBytes();
    // A download may land at any byte offset.
    const shifted = new Uint8Array(bytes.byteLength + 1).subarray(1);
    shifted.set(bytes);
    const restored = Bm25.fromBytes(shifted, Object.keys(withRepeats)); // copies the misaligned arrays
    const viewing = Bm25.fromBytes(bytes, Object.keys(withRepeats)); // views of the aligned ones
    const queries = ['navy checked shirts', 'men', 'men leather', 'red party dress', 'kurta', 'casual jeans', 'cotton shirt', 'unknown'];
    const same = () => queries.forEach((q) => expect([restored.search(q, 5), viewing.search(q, 5)]).toEqual([built.search(q, 5), built.search(q, 5)]));
    same();
    for (const bm of [built, restored, viewing]) {
      bm.remove('a');
      bm.add('d', 'Green Kurta Women');
      bm.add('f', 'Navy Kurta Men Casual Casual');
    }
    same();
    expect(restored.size).toBe(built.size);
    expect(() => built.toBytes()).toThrow(/only a fresh build/);
    expect(() => Bm25.fromBytes(bytes, Object.keys(docs))).toThrow(/not a saved BM25 index of 5 documents/);
    expect(() => Bm25.fromBytes(bytes.subarray(0, bytes.byteLength - 2), Object.keys(withRepeats))).toThrow(/bytes/);
  });
});
