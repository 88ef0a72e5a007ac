/**
 * Reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009): score(d) = Σ_lists 1 / (k + rank(d)),
 * rank starting at 1, k = 60 as in the paper. It needs no score calibration between the cosine of the
 * vector leg and the unbounded BM25 score, which is why it is used here rather than a weighted sum.
 * Optional per-list weights scale each list's contribution (weighted RRF): search gives the lexical leg the
 * text's share of the query, 1 − α, so one colour word next to a photo does not outvote the photo.
 */
export const RRF_K = 60;

export interface Ranked {
  id: string;
}

export interface Fused {
  id: string;
  score: number;
  /** 1-based rank of the id in each input list (undefined where absent). */
  ranks: (number | undefined)[];
}

export function reciprocalRankFusion(lists: readonly (readonly Ranked[])[], topK: number, k = RRF_K, weights: readonly number[] = []): Fused[] {
  const fused = new Map<string, Fused>();
  lists.forEach((list, li) => {
    list.forEach((hit, i) => {
      let f = fused.get(hit.id);
      if (!f) fused.set(hit.id, (f = { id: hit.id, score: 0, ranks: new Array(lists.length).fill(undefined) }));
      if (f.ranks[li] !== undefined) return; // a list naming an id twice counts once
      f.ranks[li] = i + 1;
      f.score += (weights[li] ?? 1) / (k + i + 1);
    });
  });
  // Ties (same fused score) keep the order of the first list, the vector leg.
  const firstRank = (f: Fused) => f.ranks.find((r) => r !== undefined) ?? Infinity;
  return [...fused.values()].sort((a, b) => b.score - a.score || (a.ranks[0] ?? Infinity) - (b.ranks[0] ?? Infinity) || firstRank(a) - firstRank(b)).slice(0, topK);
}
