/**
 * Okapi BM25 over product text, in memory. Built next to the vector index from the artifact's
 * metadata (titles included), updated with it on incremental adds and removals.
 * Parameters are the textbook k1 = 1.2, b = 0.75; idf is the BM25+ style log(1 + (N − df + ½)/(df + ½)),
 * which stays positive for very common words ("men", "shirt").
 *
 * Terms get numbers. The documents of a bulk build (Bm25.build: at publish, or after a load whose artifact
 * carries no saved BM25) are stored once, in typed arrays (each term's postings a slice of one block): growing a
 * Map and two arrays per term touched ~60 MB of fresh memory for ~5 MB of postings. Documents added later get
 * small per-term arrays. Scores accumulate in a dense array: "men" alone touches half the catalog, so
 * per-posting cost is what matters. A removed document is marked dead (skipped while
 * scoring, its terms taken out of df); a re-added id gets a fresh document number.
 *
 * A bulk build can be saved (toBytes) and restored (fromBytes): the index artifact carries it (lexical.bin), so a
 * cold start reads BM25 instead of tokenizing every product again.
 */
import type { Lexical, LexicalHit } from '../ports.ts';
import { framed, unframed } from '../index/framed-bytes.ts';
import { TopK } from '../index/vectors.ts';
import { tokenize } from './tokenize.ts';

export interface Bm25Options {
  k1?: number;
  b?: number;
}

const BYTES_FORMAT = 'lookbook-bm25/1';

/** A typed array that doubles when full (the build's per-document term lists). */
function grown<T extends Int32Array | Uint16Array>(a: T, needed: number): T {
  if (needed <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(needed, a.length * 2));
  b.set(a);
  return b;
}

export class Bm25 implements Lexical {
  private readonly termNo = new Map<string, number>();
  /** Live documents containing each term. */
  private df: number[] = [];
  /** Documents 0 … bulkDocs − 1 came from build(): term t's are bulkPostDocs[bulkPostStart[t] … bulkPostStart[t + 1]). */
  private bulkDocs = 0;
  private bulkTerms = 0;
  private bulkPostStart: Int32Array<ArrayBufferLike> = new Int32Array(1);
  private bulkPostDocs: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private bulkPostTfs: Uint16Array<ArrayBufferLike> = new Uint16Array(0);
  /** And document d's terms are bulkDocTerms[bulkDocStart[d] … bulkDocStart[d + 1]) (for remove; see bulkTermsOf). */
  private bulkDocStart: Int32Array | undefined = new Int32Array(1);
  private bulkDocTerms = new Int32Array(0);
  /** Postings and term lists of documents added one by one. */
  private readonly addedPostings = new Map<number, { docs: number[]; tfs: number[] }>();
  private readonly addedTerms = new Map<number, number[]>();
  private readonly docNo = new Map<string, number>();
  private ids: string[] = [];
  private lengths: number[] = [];
  private alive: boolean[] = [];
  private totalLength = 0;
  private scores = new Float64Array(0);
  private readonly k1: number;
  private readonly b: number;

  constructor(opts: Bm25Options = {}) {
    this.k1 = opts.k1 ?? 1.2;
    this.b = opts.b ?? 0.75;
  }

  /**
   * The bulk build, saved: a JSON header (terms in number order, document and pair counts), then postStart,
   * postDocs, lengths (int32) and postTfs (uint16). Only a fresh build can be saved (documents added or removed
   * since are not in the bulk arrays); the ids are not saved: fromBytes takes them, in the build's order.
   */
  toBytes(): Uint8Array {
    if (this.addedTerms.size || this.docNo.size !== this.bulkDocs) throw new Error('Bm25.toBytes: only a fresh build can be saved');
    const terms: string[] = new Array(this.bulkTerms);
    for (const [term, t] of this.termNo) terms[t] = term;
    const ints = [this.bulkPostStart, this.bulkPostDocs, Int32Array.from(this.lengths)];
    const header = { format: BYTES_FORMAT, docs: this.bulkDocs, pairs: this.bulkPostDocs.length, terms };
    const { out, bodyAt } = framed(header, ints.reduce((n, a) => n + a.byteLength, 0) + this.bulkPostTfs.byteLength, 4);
    let at = bodyAt;
    for (const a of [...ints, this.bulkPostTfs]) {
      out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
      at += a.byteLength;
    }
    return out;
  }

  /** The index toBytes saved, for documents `ids` (the build's order); throws on bytes that do not fit. */
  static fromBytes(bytes: Uint8Array, ids: readonly string[], opts: Bm25Options = {}): Bm25 {
    const fail = (why: string): never => {
      throw new Error(`not a saved BM25 index of ${ids.length} documents: ${why}`);
    };
    const { header, bodyAt: body } = unframed<{ format?: string; docs?: number; pairs?: number; terms?: string[] }>(bytes, 4, fail);
    const { docs, pairs, terms } = header;
    if (header.format !== BYTES_FORMAT || docs !== ids.length || !Number.isInteger(pairs) || !Array.isArray(terms)) fail(`header ${JSON.stringify({ ...header, terms: terms?.length })}`);
    const intBytes = 4 * (terms!.length + 1 + pairs! + docs!);
    if (bytes.byteLength !== body + intBytes + 2 * pairs!) fail(`${bytes.byteLength} bytes`);
    // Views of the download where it is aligned (no copy: fresh memory is what a cold start pays for), else copies.
    const at = bytes.byteOffset + body;
    const ints = at % 4 === 0 ? new Int32Array(bytes.buffer, at, intBytes / 4) : new Int32Array(bytes.slice(body, body + intBytes).buffer);
    const postTfs = at % 2 === 0 ? new Uint16Array(bytes.buffer, at + intBytes, pairs!) : new Uint16Array(bytes.slice(body + intBytes).buffer);
    const postStart = ints.subarray(0, terms!.length + 1);
    const postDocs = ints.subarray(terms!.length + 1, terms!.length + 1 + pairs!);
    const lengths = ints.subarray(terms!.length + 1 + pairs!);
    if (postStart[0] !== 0 || postStart[terms!.length] !== pairs) fail('postings do not add up');

    const bm = new Bm25(opts);
    terms!.forEach((term, t) => {
      bm.termNo.set(term, t);
      bm.df.push(postStart[t + 1] - postStart[t]);
    });
    for (let i = 0; i < pairs!; i++) if (!(postDocs[i] >= 0 && postDocs[i] < docs!)) fail(`document number ${postDocs[i]}`);
    ids.forEach((id, no) => {
      if (bm.docNo.has(id)) fail(`duplicate id ${id}`);
      bm.docNo.set(id, no);
    });
    bm.ids = ids.slice();
    bm.lengths = Array.from(lengths);
    bm.alive = new Array<boolean>(docs!).fill(true);
    bm.totalLength = bm.lengths.reduce((a, b) => a + b, 0);
    bm.bulkDocs = docs!;
    bm.bulkTerms = terms!.length;
    bm.bulkPostStart = postStart;
    bm.bulkPostDocs = postDocs;
    bm.bulkPostTfs = postTfs;
    bm.bulkDocStart = undefined; // each document's terms: regrouped from the postings on the first removal
    return bm;
  }

  /** An index of many documents at once (ids unique), the same as adding them one by one in order. */
  static build(docs: Iterable<readonly [id: string, text: string]>, opts: Bm25Options = {}): Bm25 {
    const bm = new Bm25(opts);
    // Pass 1: each document's distinct terms and their frequencies, appended to two growing typed arrays.
    let docTerms = new Int32Array(1 << 16);
    let docTfs = new Uint16Array(1 << 16);
    const docStart = [0];
    const lastDoc: number[] = [];
    const slot: number[] = [];
    let pairs = 0;
    for (const [id, text] of docs) {
      if (bm.docNo.has(id)) throw new Error(`Bm25.build: duplicate id ${id}`);
      const no = bm.ids.length;
      const tokens = tokenize(text);
      for (const token of tokens) {
        const t = bm.termOf(token);
        if (lastDoc[t] === no) {
          docTfs[slot[t]] = Math.min(docTfs[slot[t]] + 1, 0xffff);
          continue;
        }
        lastDoc[t] = no;
        slot[t] = pairs;
        docTerms = grown(docTerms, pairs + 1);
        docTfs = grown(docTfs, pairs + 1);
        docTerms[pairs] = t;
        docTfs[pairs++] = 1;
        bm.df[t]++;
      }
      docStart.push(pairs);
      bm.docNo.set(id, no);
      bm.ids.push(id);
      bm.lengths.push(tokens.length);
      bm.alive.push(true);
      bm.totalLength += tokens.length;
    }
    // Pass 2: the same pairs regrouped by term, documents in ascending order.
    const terms = bm.df.length;
    const postStart = new Int32Array(terms + 1);
    for (let t = 0; t < terms; t++) postStart[t + 1] = postStart[t] + bm.df[t];
    const next = postStart.slice(0, terms);
    const postDocs = new Int32Array(pairs);
    const postTfs = new Uint16Array(pairs);
    for (let no = 0; no < bm.ids.length; no++) {
      for (let k = docStart[no]; k < docStart[no + 1]; k++) {
        const at = next[docTerms[k]]++;
        postDocs[at] = no;
        postTfs[at] = docTfs[k];
      }
    }
    bm.bulkDocs = bm.ids.length;
    bm.bulkTerms = terms;
    bm.bulkPostStart = postStart;
    bm.bulkPostDocs = postDocs;
    bm.bulkPostTfs = postTfs;
    bm.bulkDocStart = Int32Array.from(docStart);
    bm.bulkDocTerms = docTerms.slice(0, pairs);
    return bm;
  }

  get size(): number {
    return this.docNo.size;
  }

  private termOf(token: string): number {
    let t = this.termNo.get(token);
    if (t === undefined) {
      t = this.df.push(0) - 1;
      this.termNo.set(token, t);
    }
    return t;
  }

  /** Adds or replaces a document. */
  add(id: string, text: string): void {
    this.remove(id);
    const tokens = tokenize(text);
    const tf = new Map<number, number>();
    for (const token of tokens) {
      const t = this.termOf(token);
      tf.set(t, (tf.get(t) ?? 0) + 1);
    }
    const no = this.ids.length;
    this.ids.push(id);
    this.lengths.push(tokens.length);
    this.addedTerms.set(no, [...tf.keys()]);
    this.alive.push(true);
    this.docNo.set(id, no);
    this.totalLength += tokens.length;
    for (const [t, count] of tf) {
      let p = this.addedPostings.get(t);
      if (!p) this.addedPostings.set(t, (p = { docs: [], tfs: [] }));
      p.docs.push(no);
      p.tfs.push(count);
      this.df[t]++;
    }
  }

  remove(id: string): void {
    const no = this.docNo.get(id);
    if (no === undefined) return;
    this.alive[no] = false;
    this.docNo.delete(id);
    this.totalLength -= this.lengths[no];
    const terms = no < this.bulkDocs ? this.bulkTermsOf(no) : (this.addedTerms.get(no) ?? []);
    for (const t of terms) this.df[t]--;
    this.addedTerms.delete(no);
  }

  /** A bulk document's terms; a restored index (fromBytes) first regroups its postings by document. */
  private bulkTermsOf(no: number): Int32Array {
    if (!this.bulkDocStart) {
      const start = new Int32Array(this.bulkDocs + 1);
      const docs = this.bulkPostDocs;
      for (let i = 0; i < docs.length; i++) start[docs[i] + 1]++;
      for (let d = 0; d < this.bulkDocs; d++) start[d + 1] += start[d];
      const next = start.slice(0, this.bulkDocs);
      const terms = new Int32Array(docs.length);
      for (let t = 0; t < this.bulkTerms; t++) for (let i = this.bulkPostStart[t]; i < this.bulkPostStart[t + 1]; i++) terms[next[docs[i]]++] = t;
      this.bulkDocStart = start;
      this.bulkDocTerms = terms;
    }
    return this.bulkDocTerms.subarray(this.bulkDocStart[no], this.bulkDocStart[no + 1]);
  }

  search(text: string, topK: number, accept?: (id: string) => boolean): LexicalHit[] {
    const n = this.docNo.size;
    if (n === 0 || topK <= 0) return [];
    const avgdl = this.totalLength / n || 1;
    if (this.scores.length < this.ids.length) this.scores = new Float64Array(Math.max(this.ids.length, this.scores.length * 2));
    const scores = this.scores;
    const touched: number[] = [];
    const { k1, b, alive, lengths } = this;
    const score = (docs: ArrayLike<number>, tfs: ArrayLike<number>, from: number, to: number, idf: number) => {
      for (let i = from; i < to; i++) {
        const no = docs[i];
        if (!alive[no]) continue;
        const tf = tfs[i];
        const s = (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * lengths[no]) / avgdl));
        if (scores[no] === 0) touched.push(no);
        scores[no] += s;
      }
    };
    for (const term of new Set(tokenize(text))) {
      const t = this.termNo.get(term);
      if (t === undefined || this.df[t] <= 0) continue;
      const idf = Math.log(1 + (n - this.df[t] + 0.5) / (this.df[t] + 0.5));
      if (t < this.bulkTerms) score(this.bulkPostDocs, this.bulkPostTfs, this.bulkPostStart[t], this.bulkPostStart[t + 1], idf);
      const added = this.addedPostings.get(t);
      if (added) score(added.docs, added.tfs, 0, added.docs.length, idf);
    }
    const best = new TopK<string>(topK);
    for (const no of touched) {
      const s = scores[no];
      scores[no] = 0; // reset for the next query
      if (s <= best.worst) continue;
      const id = this.ids[no];
      if (accept && !accept(id)) continue;
      best.push(id, s);
    }
    return best.result().map(({ item, score: s }) => ({ id: item, score: s }));
  }
}
