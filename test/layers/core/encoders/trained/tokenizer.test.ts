import { describe, expect, it } from 'vitest';
import { buildVocab, stem, Tokenizer, words } from '#core/encoders/trained/tokenizer';

const docs = [
  ['Nike Men Navy Blue Slim Fit Shirt', 'men navy blue shirts', 'navy blue shirts'],
  ['Puma Women Red Dress', 'women red dresses', 'red dresses'],
  ['Levis Men Blue Jeans', 'men blue jeans', 'blue jeans'],
  ['Nike Men Navy Blue Tshirt', 'men navy blue tshirts'],
];

describe('trained tokenizer', () => {
  it('folds shopper spellings and plurals onto catalog words', () => {
    expect(words("Men's T-Shirts")).toEqual(['men', 'tshirt']);
    expect(words('Red DRESSES')).toEqual(['red', 'dress']);
    expect(stem('shoes')).toBe('shoe');
    expect(stem('watches')).toBe('watch');
    expect(stem('jeans')).toBe('jean');
  });

  it('is deterministic: the same documents give the same vocabulary and features', () => {
    const a = buildVocab(docs, { minWordCount: 1, minBigramCount: 2, trigramBuckets: 64 });
    const b = buildVocab([...docs], { minWordCount: 1, minBigramCount: 2, trigramBuckets: 64 });
    expect(a).toEqual(b);
    const ta = new Tokenizer(a).encode('navy blue shirt');
    const tb = new Tokenizer(b).encode('navy blue shirt');
    expect(Array.from(ta.ids)).toEqual(Array.from(tb.ids));
    expect(Array.from(ta.weights)).toEqual(Array.from(tb.weights));
    expect(a.bigrams).toContain('navy blue');
  });

  it('gives unit-norm TF-IDF features; unknown words still land through character trigrams', () => {
    const tok = new Tokenizer(buildVocab(docs, { minWordCount: 1, trigramBuckets: 64 }));
    const known = tok.encode('red dress');
    expect(Math.hypot(...known.weights)).toBeCloseTo(1, 5);
    const typo = tok.encode('redd dres');
    expect(typo.ids.length).toBeGreaterThan(0);
    // The typo shares trigram buckets with the right words.
    const overlap = Array.from(typo.ids).filter((id) => known.ids.includes(id));
    expect(overlap.length).toBeGreaterThan(0);
    expect(tok.encode('').ids.length).toBe(0);
    expect(tok.encode('!!!').ids.length).toBe(0);
  });

  it('rejects a vocabulary whose IDF does not match its size', () => {
    const v = buildVocab(docs, { trigramBuckets: 16 });
    expect(() => new Tokenizer({ ...v, idf: v.idf.slice(1) })).toThrow(/idf/);
  });
});
