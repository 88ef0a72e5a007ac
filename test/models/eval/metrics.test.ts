import { describe, expect, it } from 'vitest';
import { accuracy, macroF1, mean, MetricMeans, mrrAtK, ndcgAtK, precisionAtK, recallAtK } from '../../../models/eval/metrics.ts';
import { fuse, Gallery } from '../../../models/eval/search.ts';

// Ranked list: hits at ranks 1, 3 and 4 (a, c, d relevant); e is relevant but not retrieved.
const ranked = ['a', 'b', 'c', 'd', 'x', 'y', 'z', 'u', 'v', 'w'];
const rel = new Set(['a', 'c', 'd', 'e']);

describe('ranking metrics (hand-computed)', () => {
  it('P@k counts hits over k, not capped by the number of relevant items', () => {
    expect(precisionAtK(ranked, rel, 1)).toBe(1);
    expect(precisionAtK(ranked, rel, 2)).toBe(0.5);
    expect(precisionAtK(ranked, rel, 10)).toBeCloseTo(0.3, 12);
    expect(precisionAtK(['a'], rel, 10)).toBeCloseTo(0.1, 12); // short list: still divided by k
  });

  it('Recall@k divides by all relevant items (BEIR)', () => {
    expect(recallAtK(ranked, rel, 1)).toBe(0.25);
    expect(recallAtK(ranked, rel, 10)).toBe(0.75);
    expect(recallAtK(ranked, new Set(), 10)).toBe(0);
  });

  it('nDCG@k with binary gains and the ideal from min(k, #relevant)', () => {
    // DCG = 1/log2(2) + 1/log2(4) + 1/log2(5) = 1.930677; IDCG (4 relevant) = 1 + 0.630930 + 0.5 + 0.430677 = 2.561607
    const dcg = 1 + 0.5 + 1 / Math.log2(5);
    const idcg = 1 + 1 / Math.log2(3) + 0.5 + 1 / Math.log2(5);
    expect(ndcgAtK(ranked, rel, 10)).toBeCloseTo(dcg / idcg, 10);
    expect(ndcgAtK(ranked, rel, 10)).toBeCloseTo(1.930677 / 2.561607, 5); // = 0.7537
    expect(ndcgAtK(['a', 'c'], new Set(['a', 'c']), 10)).toBe(1);
    expect(ndcgAtK(['x'], new Set(), 10)).toBe(0);
  });

  it('MRR@k is the reciprocal rank of the first hit within k', () => {
    expect(mrrAtK(ranked, rel, 10)).toBe(1);
    expect(mrrAtK(['x', 'y', 'c'], rel, 10)).toBeCloseTo(1 / 3, 12);
    expect(mrrAtK(['x', 'y', 'c'], rel, 2)).toBe(0);
  });

  it('averages per-query values', () => {
    const m = new MetricMeans();
    m.add('P@10', 0.2);
    m.add('P@10', 0.4);
    expect(m.result()['P@10']).toBeCloseTo(0.3, 12);
    expect(m.count('P@10')).toBe(2);
    expect(mean([])).toBeNaN();
  });
});

describe('exact search', () => {
  const ids = ['p', 'q', 'r', 's'];
  const rows = [
    [1, 0, 0],
    [0, 1, 0],
    [0.6, 0.8, 0],
    [0, 0, 1],
  ].map((r) => Float32Array.from(r));
  const g = Gallery.fromRows(ids, rows, 3);

  it('ranks by inner product, best first, and honours skip', () => {
    expect(g.search(Float32Array.from([1, 0, 0]), 2).map((h) => h.id)).toEqual(['p', 'r']);
    expect(g.search(Float32Array.from([1, 0, 0]), 2, (i) => i === 0).map((h) => h.id)).toEqual(['r', 'q']);
    expect(g.search(Float32Array.from([0, 1, 0.1]), 4).map((h) => h.id)).toEqual(['q', 'r', 's', 'p']);
  });

  it('gives the same ranking on the sparse path (few non-zero query entries)', () => {
    const wide = Gallery.fromRows(ids, rows.map((r) => Float32Array.from([...r, ...new Array(29).fill(0)])), 32);
    const q = new Float32Array(32);
    q[1] = 1;
    expect(wide.search(q, 4).map((h) => h.id)).toEqual(['q', 'r', 'p', 's']);
  });

  it('ranks many queries at once (one matrix product) exactly like one by one', async () => {
    const queries = [Float32Array.from([1, 0, 0]), Float32Array.from([0, 1, 0.1]), Float32Array.from([0.2, 0.1, 0.9])];
    const many = await g.searchMany(queries, 3, [0, undefined, undefined]);
    expect(many.map((hits) => hits.map((h) => h.id))).toEqual([
      g.search(queries[0], 3, (i) => i === 0).map((h) => h.id),
      g.search(queries[1], 3).map((h) => h.id),
      g.search(queries[2], 3).map((h) => h.id),
    ]);
    expect(many[0].map((h) => h.id)).toEqual(['r', 'q', 's']);
    expect(many[2][0].score).toBeCloseTo(0.9, 6);
  });

  it('fuses weighted vectors to unit length', () => {
    const v = fuse([
      [0.5, Float32Array.from([1, 0])],
      [0.5, Float32Array.from([0, 1])],
    ]);
    expect(v[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(v[1]).toBeCloseTo(Math.SQRT1_2, 6);
  });
});

describe('classification metrics (hand-computed)', () => {
  // truth:     A A A B B C
  // predicted: A A B B C C
  const truth = ['A', 'A', 'A', 'B', 'B', 'C'];
  const pred = ['A', 'A', 'B', 'B', 'C', 'C'];

  it('accuracy ignores empty truths', () => {
    expect(accuracy(truth, pred)).toBeCloseTo(4 / 6, 12);
    expect(accuracy(['A', ''], ['A', 'B'])).toBe(1);
  });

  it('macro-F1 averages per-class F1 and lists the worst classes with their main confusion', () => {
    // A: tp 2, fp 0, fn 1 → 4/5; B: tp 1, fp 1, fn 1 → 2/4; C: tp 1, fp 1, fn 0 → 2/3
    const r = macroF1(truth, pred);
    expect(r.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(r.perClass[0]).toEqual({ label: 'B', f1: 0.5, support: 2, confusedWith: 'C' });
    expect(r.perClass.map((c) => c.label)).toEqual(['B', 'C', 'A']);
  });
});
