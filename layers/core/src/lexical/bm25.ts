/**
 * Okapi BM25 over product text, in memory. Built next to the vector index from the artifact's
 * metadata (titles included), updated with it on incremental adds and removals.
 * Parameters are the textbook k1 = 1.2, b = 0.75; idf is the BM25+ style log(1 + (N − df + ½)/(df + ½)),
 * which stays positive for very common words ("men", "shirt").
 */
import type { Lexical, LexicalHit } from '../ports.ts';
import { TopK } from '../index/vectors.ts';
import { tokenize } from './tokenize.ts';

export interface Bm25Options {
  k1?: number;
  b?: number;
}

export class Bm25 implements Lexical {
  private readonly postings = new Map<string, Map<number, number>>();
  private readonly docNo = new Map<string, number>();
  private readonly docs: { id: string; length: number; terms: string[] }[] = [];
  private free: number[] = [];
  private totalLength = 0;
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
    const no = this.free.pop() ?? this.docs.length;
    this.docs[no] = { id, length: tokens.length, terms: [...tf.keys()] };
    this.docNo.set(id, no);
    this.totalLength += tokens.length;
    for (const [term, count] of tf) {
      let list = this.postings.get(term);
      if (!list) this.postings.set(term, (list = new Map()));
      list.set(no, count);
    }
  }

  remove(id: string): void {
    const no = this.docNo.get(id);
    if (no === undefined) return;
    const doc = this.docs[no];
    for (const term of doc.terms) {
      const list = this.postings.get(term);
      list?.delete(no);
      if (list && list.size === 0) this.postings.delete(term);
    }
    this.totalLength -= doc.length;
    this.docNo.delete(id);
    this.docs[no] = { id: '', length: 0, terms: [] };
    this.free.push(no);
  }

  search(text: string, topK: number, accept?: (id: string) => boolean): LexicalHit[] {
    const n = this.docNo.size;
    if (n === 0 || topK <= 0) return [];
    const avgdl = this.totalLength / n || 1;
    const scores = new Map<number, number>();
    for (const term of new Set(tokenize(text))) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = Math.log(1 + (n - list.size + 0.5) / (list.size + 0.5));
      for (const [no, tf] of list) {
        const len = this.docs[no].length;
        const s = (idf * tf * (this.k1 + 1)) / (tf + this.k1 * (1 - this.b + (this.b * len) / avgdl));
        scores.set(no, (scores.get(no) ?? 0) + s);
      }
    }
    const best = new TopK<string>(topK);
    for (const [no, score] of scores) {
      if (score <= best.worst) continue;
      const id = this.docs[no].id;
      if (accept && !accept(id)) continue;
      best.push(id, score);
    }
    return best.result().map(({ item, score }) => ({ id: item, score }));
  }
}
