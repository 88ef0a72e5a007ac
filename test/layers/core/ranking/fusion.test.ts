import { describe, expect, it } from 'vitest';
import { reciprocalRankFusion, RRF_K } from '#core/ranking/rrf';
import { fuseQuery } from '#core/ranking/alpha';

const ids = (...xs: string[]) => xs.map((id) => ({ id }));

describe('reciprocalRankFusion', () => {
  it('sums 1/(60 + rank) over lists', () => {
    const fused = reciprocalRankFusion([ids('a', 'b', 'c'), ids('c', 'a')], 10);
    expect(fused.map((f) => f.id)).toEqual(['a', 'c', 'b']);
    expect(fused[0].score).toBeCloseTo(1 / (RRF_K + 1) + 1 / (RRF_K + 2), 10);
    expect(fused[1].score).toBeCloseTo(1 / (RRF_K + 3) + 1 / (RRF_K + 1), 10);
    expect(fused[2].ranks).toEqual([2, undefined]);
  });

  it('an item ranked well in both lists beats one ranked first in one list only', () => {
    const fused = reciprocalRankFusion([ids('x', 'y', 'z'), ids('w', 'y', 'v')], 3);
    expect(fused[0].id).toBe('y');
  });

  it('breaks ties by the first (vector) list and truncates to topK', () => {
    const fused = reciprocalRankFusion([ids('a', 'b'), ids('b', 'a')], 1);
    expect(fused).toHaveLength(1);
    expect(fused[0].id).toBe('a');
    expect(reciprocalRankFusion([ids('a'), []], 5).map((f) => f.id)).toEqual(['a']);
  });
});

describe('fuseQuery', () => {
  const t = new Float32Array([1, 0]);
  const i = new Float32Array([0, 1]);
  it('forces α for single-modality queries', () => {
    expect(fuseQuery(t, undefined, 0.5)).toMatchObject({ alphaUsed: 0, searchType: 'text' });
    expect(fuseQuery(undefined, i, 0.2)).toMatchObject({ alphaUsed: 1, searchType: 'image' });
  });
  it('mixes and re-normalises for hybrid queries', () => {
    const q = fuseQuery(t, i, 0.25);
    expect(q.searchType).toBe('hybrid');
    expect(q.vector[0]).toBeCloseTo(0.75 / Math.hypot(0.75, 0.25), 6);
    expect(q.vector[1]).toBeCloseTo(0.25 / Math.hypot(0.75, 0.25), 6);
    expect(() => fuseQuery(undefined, undefined, 0.5)).toThrow();
  });
  it('weights scale a list: a half-weight list cannot outvote a full one at the same rank', () => {
    const fused = reciprocalRankFusion([ids('a', 'b'), ids('b', 'a')], 2, RRF_K, [1, 0.5]);
    expect(fused.map((f) => f.id)).toEqual(['a', 'b']);
    expect(fused[0]!.score).toBeCloseTo(1 / (RRF_K + 1) + 0.5 / (RRF_K + 2), 12);
  });
});
