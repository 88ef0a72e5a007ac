/**
 * Ranking metrics over one query's ranked list, written as BEIR computes them (the library behind
 * marqo-FashionCLIP's eval.py), so our KAGL numbers mean what the published ones mean:
 *  - P@k = relevant hits in the top k / k (not capped when fewer than k items are relevant);
 *  - Recall@k = relevant hits in the top k / all relevant items;
 *  - nDCG@k with binary gains, ideal DCG from min(k, #relevant) hits;
 *  - MRR@k = 1 / rank of the first relevant hit within the top k, else 0.
 * `ranked` is the retrieved ids best first; `relevant` the set of relevant ids.
 */
export function precisionAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let hits = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) hits++;
  return hits / k;
}

export function recallAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) hits++;
  return hits / relevant.size;
}

export function ndcgAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) dcg += 1 / Math.log2(i + 2);
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return ideal === 0 ? 0 : dcg / ideal;
}

export function mrrAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i])) return 1 / (i + 1);
  return 0;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Accumulates named per-query metrics and averages them. */
export class MetricMeans {
  private readonly sums = new Map<string, { sum: number; n: number }>();
  add(name: string, value: number): void {
    const s = this.sums.get(name) ?? { sum: 0, n: 0 };
    s.sum += value;
    s.n += 1;
    this.sums.set(name, s);
  }
  result(): Record<string, number> {
    return Object.fromEntries([...this.sums].map(([k, { sum, n }]) => [k, sum / n]));
  }
  count(name: string): number {
    return this.sums.get(name)?.n ?? 0;
  }
}

/** Top-1 accuracy of predicted labels (pairs with an empty truth are ignored). */
export function accuracy(truth: readonly string[], predicted: readonly string[]): number {
  let n = 0;
  let hit = 0;
  truth.forEach((t, i) => {
    if (!t) return;
    n++;
    if (predicted[i] === t) hit++;
  });
  return n ? hit / n : NaN;
}

/**
 * Macro-F1 over the classes that occur in `truth` (a class never predicted scores F1 = 0), plus per-class F1
 * sorted worst first — the "confusion summary of the worst classes" of issue 4, with each class's most frequent
 * wrong prediction.
 */
export function macroF1(
  truth: readonly string[],
  predicted: readonly string[],
): { macroF1: number; perClass: Array<{ label: string; f1: number; support: number; confusedWith?: string }> } {
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const confusions = new Map<string, Map<string, number>>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  truth.forEach((t, i) => {
    if (!t) return;
    const p = predicted[i];
    if (p === t) inc(tp, t);
    else {
      inc(fn, t);
      if (p) inc(fp, p);
      const c = confusions.get(t) ?? new Map<string, number>();
      confusions.set(t, c);
      inc(c, p || '(none)');
    }
  });
  const labels = [...new Set(truth.filter(Boolean))];
  const perClass = labels.map((label) => {
    const a = tp.get(label) ?? 0;
    const b = fp.get(label) ?? 0;
    const c = fn.get(label) ?? 0;
    const f1 = a === 0 ? 0 : (2 * a) / (2 * a + b + c);
    const conf = confusions.get(label);
    const confusedWith = conf ? [...conf].sort((x, y) => y[1] - x[1])[0][0] : undefined;
    return { label, f1, support: a + c, confusedWith };
  });
  perClass.sort((x, y) => x.f1 - y.f1 || y.support - x.support);
  return { macroF1: mean(perClass.map((p) => p.f1)), perClass };
}
