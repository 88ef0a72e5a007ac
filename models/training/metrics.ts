/**
 * Validation metrics used while tuning (validation fold only; the test fold belongs to `npm run eval`).
 */
import type { Tokenizer } from '../../layers/core/src/encoders/trained/tokenizer.ts';
import type { CatalogRow } from './data.ts';
import { gemm, mat, type Mat } from './gemm.ts';
import { imageForward, textForward, type Model } from './model.ts';

export async function embedImages(model: Model, X: Mat): Promise<{ emb: Mat; logits: Mat }> {
  const D = model.cfg.dim, A = model.numAttr, chunk = 2048;
  const emb = mat(X.rows, D), logits = mat(X.rows, A);
  for (let s = 0; s < X.rows; s += chunk) {
    const n = Math.min(chunk, X.rows - s);
    const f = await imageForward(model, mat(n, X.cols, X.data.subarray(s * X.cols, (s + n) * X.cols)));
    emb.data.set(f.u.data, s * D);
    logits.data.set(f.logits.data, s * A);
  }
  return { emb, logits };
}

export function embedTexts(model: Model, tok: Tokenizer, texts: string[]): Mat {
  return textForward(model, texts.map((t) => tok.encode(t))).u;
}

/** Indices of the k best gallery items for every query (gallery rows are unit vectors). */
export async function topK(queries: Mat, gallery: Mat, k: number, exclude?: (q: number, g: number) => boolean): Promise<Int32Array[]> {
  const out: Int32Array[] = [];
  for (let s = 0; s < queries.rows; s += 256) {
    const n = Math.min(256, queries.rows - s);
    const sc = await gemm(mat(n, queries.cols, queries.data.subarray(s * queries.cols, (s + n) * queries.cols)), gallery, false, true);
    for (let q = 0; q < n; q++) {
      const best: [number, number][] = [];
      const row = q * gallery.rows;
      for (let g = 0; g < gallery.rows; g++) {
        const v = sc.data[row + g];
        if (best.length === k && v <= best[k - 1][0]) continue;
        if (exclude?.(s + q, g)) continue;
        let i = best.length < k ? best.length : k - 1;
        if (best.length < k) best.push([v, g]);
        while (i > 0 && best[i - 1][0] < v) { best[i] = best[i - 1]; i--; }
        best[i] = [v, g];
      }
      out.push(Int32Array.from(best, (b) => b[1]));
    }
  }
  return out;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** Label-phrase queries over `rows`: distinct label combinations with ≥ minRelevant products (10, as `npm run eval`: P@10 can reach 1). */
export function labelQueries(rows: CatalogRow[], fields: (keyof CatalogRow)[], render: (r: CatalogRow) => string, minRelevant = 10) {
  const groups = new Map<string, { text: string; key: string }>();
  const counts = new Map<string, number>();
  for (const r of rows) {
    if (fields.some((f) => !r[f])) continue;
    const key = fields.map((f) => r[f]).join('|');
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!groups.has(key)) groups.set(key, { text: render(r), key });
  }
  return { queries: [...groups.values()].filter((g) => counts.get(g.key)! >= minRelevant), keyOf: rows.map((r) => fields.map((f) => r[f]).join('|')) };
}

/** P@10 of label queries (embedded as `qEmb`, rows in query order) against the gallery. */
export async function labelPrecision(qEmb: Mat, q: ReturnType<typeof labelQueries>, emb: Mat): Promise<number> {
  const hits = await topK(qEmb, emb, 10);
  return mean(q.queries.map((x, i) => Array.from(hits[i]).filter((g) => q.keyOf[g] === x.key).length / 10));
}

/** Image→image P@10: relevant = same articleType and baseColour; the query's own product excluded. */
export async function imageToImagePrecision(queryEmb: Mat, queryRows: CatalogRow[], emb: Mat, rows: CatalogRow[]): Promise<number> {
  const hits = await topK(queryEmb, emb, 10, (q, g) => rows[g].id === queryRows[q].id);
  return mean(queryRows.map((q, i) => Array.from(hits[i]).filter((g) => rows[g].articleType === q.articleType && rows[g].baseColour === q.baseColour).length / 10));
}

/** Title → image (KAGL style): distinct titles no training product shares; R@1, R@10 (any exact-title hit), MRR@10. */
export async function titleRetrieval(model: Model, tok: Tokenizer, queryTitles: string[], emb: Mat, rows: CatalogRow[]) {
  return titleRetrievalOf(embedTexts(model, tok, queryTitles), queryTitles, emb, rows);
}

export async function titleRetrievalOf(qEmb: Mat, queryTitles: string[], emb: Mat, rows: CatalogRow[]) {
  const hits = await topK(qEmb, emb, 10);
  let r1 = 0, r10 = 0, mrr = 0;
  queryTitles.forEach((t, i) => {
    const rank = Array.from(hits[i]).findIndex((g) => rows[g].title === t);
    if (rank === 0) r1++;
    if (rank >= 0) { r10++; mrr += 1 / (rank + 1); }
  });
  const n = queryTitles.length || 1;
  return { r1: r1 / n, r10: r10 / n, mrr10: mrr / n, queries: queryTitles.length };
}
