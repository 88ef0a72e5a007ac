/**
 * Okapi BM25 over product text, in memory. Built next to the vector index from the artifact's
 * metadata (titles included), updated with it on incremental adds and removals.
 * Parameters are the textbook k1 = 1.2, b = 0.75; idf is the BM25+ style log(1 + (N − df + ½)/(df + ½)),
 * which stays positive for very common words ("men", "shirt").
 *
 * Postings are plain arrays of document numbers and term frequencies, and scores accumulate in a dense array:
 * "men" alone touches half the catalog, so per-posting cost is what matters. A removed document is marked dead
 * (skipped while scoring, its term counts taken out of df); a re-added id gets a fresh document number.
 */
import type { Lexical, LexicalHit } from '../ports.ts';
import { TopK } from '../index/vectors.ts';
import { tokenize } from './tokenize.ts';

export interface Bm25Options {
  k1?: number;
  b?: number;
}

interface Postings {
  docs: number[];
  tfs: number[];
  /** Live documents containing the term. */
  df: number;
}

export class Bm25 implements Lexical {
  private readonly postings = new Map<string, Postings>();
  private readonly docNo = new Map<string, number>();
  private ids: string[] = [];
  private lengths: number[] = [];
  private terms: string[][] = [];
  private alive: boolean[] = [];
  private totalLength = 0;
  private scores = new Float64Array(0);
  private readonly k1: number;
  private readonly b: number;

  constructor(opts: Bm25Options = {}) {
    this.k1 = opts.k1 ?? 1.2;
    this.b = opts.b ?? 0.75;
  }

  get size(): number {
    return this.docNo.size;
  }

  /** Adds or replaces a document. */
  add(id: string, text: string): void {
    this.remove(id);
    const tokens = tokenize(text);
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    const no = this.ids.length;
    this.ids.push(id);
    this.lengths.push(tokens.length);
    this.terms.push([...tf.keys()]);
    this.alive.push(true);
    this.docNo.set(id, no);
    this.totalLength += tokens.length;
    for (const [term, count] of tf) {
      let p = this.postings.get(term);
      if (!p) this.postings.set(term, (p = { docs: [], tfs: [], df: 0 }));
      p.docs.push(no);
      p.tfs.push(count);
      p.df++;
    }
  }

  remove(id: string): void {
    const no = this.docNo.get(id);
    if (no === undefined) return;
    this.alive[no] = false;
    this.docNo.delete(id);
    this.totalLength -= this.lengths[no];
    for (const term of this.terms[no]) {
      const p = this.postings.get(term);
      if (p) p.df--;
    }
    this.terms[no] = [];
  }

  search(text: string, topK: number, accept?: (id: string) => boolean): LexicalHit[] {
    const n = this.docNo.size;
    if (n === 0 || topK <= 0) return [];
    const avgdl = this.totalLength / n || 1;
    if (this.scores.length < this.ids.length) this.scores = new Float64Array(Math.max(this.ids.length, this.scores.length * 2));
    const scores = this.scores;
    const touched: number[] = [];
    const { k1, b } = this;
    for (const term of new Set(tokenize(text))) {
      const p = this.postings.get(term);
      if (!p || p.df <= 0) continue;
      const idf = Math.log(1 + (n - p.df + 0.5) / (p.df + 0.5));
      const { docs, tfs } = p;
      for (let i = 0; i < docs.length; i++) {
        const no = docs[i];
        if (!this.alive[no]) continue;
        const tf = tfs[i];
        const s = (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * this.lengths[no]) / avgdl));
        if (scores[no] === 0) touched.push(no);
        scores[no] += s;
      }
    }
    const best = new TopK<string>(topK);
    for (const no of touched) {
      const score = scores[no];
      scores[no] = 0; // reset for the next query
      if (score <= best.worst) continue;
      const id = this.ids[no];
      if (accept && !accept(id)) continue;
      best.push(id, score);
    }
    return best.result().map(({ item, score }) => ({ id: item, score }));
  }
}
