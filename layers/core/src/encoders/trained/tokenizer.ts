/**
 * The trained encoder's tokenizer: text → sparse TF-IDF features (ids + weights) that the text tower's
 * embedding bag sums. Three feature groups, each L2-normalised and weighted, then the whole vector normalised:
 *   - words of a vocabulary built on the training fold (light stemming: "dresses" ≈ "dress"),
 *   - frequent word bigrams ("navy blue", "slim fit"),
 *   - hashed character trigrams of every word ("#re", "red", "ed#"), so typos and unseen words still land.
 * Pure and deterministic; the vocabulary/IDF ship as JSON next to the ONNX model.
 */

export interface TokenizerVocab {
  version: string;
  words: string[];
  bigrams: string[];
  trigramBuckets: number;
  /** IDF of every feature id: words, then bigrams, then trigram buckets. */
  idf: number[];
  groupWeights: { words: number; bigrams: number; trigrams: number };
}

export interface TokenizedText {
  ids: Int32Array;
  weights: Float32Array;
}

/** Shopper spellings folded onto the catalog's (applied to the lower-cased text). */
const PHRASES: [RegExp, string][] = [
  [/\bt[\s-]?shirts?\b/g, 'tshirt'],
  [/\btees?\b/g, 'tshirt'],
  [/\bsneakers?\b/g, 'casual shoe'],
  [/\bpants?\b/g, 'trouser'],
  [/\bgray\b/g, 'grey'],
  [/\bmens\b|\bman\b|\bmale\b/g, 'men'],
  [/\bwomens\b|\bwoman\b|\bladies\b|\blady\b|\bfemale\b/g, 'women'],
  [/\bkids?\b/g, 'kid'],
];

/** Plural folding, enough for catalog nouns ("dresses", "shoes", "jeans", "watches"). */
export function stem(w: string): string {
  if (w.length < 4 || /\d/.test(w)) return w;
  if (w.endsWith('sses') || w.endsWith('ches') || w.endsWith('shes') || w.endsWith('xes')) return w.slice(0, -2);
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) return w.slice(0, -1);
  return w;
}

/** Lower-cased, accent-free, stemmed words. */
export function words(text: string): string[] {
  let s = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  s = s.replace(/'s\b/g, '').replace(/[’']/g, '');
  for (const [re, to] of PHRASES) s = s.replace(re, to);
  return s
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .map(stem);
}

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function trigrams(word: string): string[] {
  const w = `#${word}#`;
  const out: string[] = [];
  for (let i = 0; i + 3 <= w.length; i++) out.push(w.slice(i, i + 3));
  return out;
}

export class Tokenizer {
  readonly vocab: TokenizerVocab;
  private readonly wordIds: Map<string, number>;
  private readonly bigramIds: Map<string, number>;
  readonly size: number;

  constructor(vocab: TokenizerVocab) {
    this.vocab = vocab;
    this.wordIds = new Map(vocab.words.map((w, i) => [w, i]));
    this.bigramIds = new Map(vocab.bigrams.map((b, i) => [b, vocab.words.length + i]));
    this.size = vocab.words.length + vocab.bigrams.length + vocab.trigramBuckets;
    if (vocab.idf.length !== this.size) throw new Error(`tokenizer vocabulary: idf has ${vocab.idf.length} values, expected ${this.size}`);
  }

  /** Sparse features, ids ascending. An empty or unknown text gives no ids. */
  encode(text: string): TokenizedText {
    const ws = words(text);
    const groups: Map<number, number>[] = [new Map(), new Map(), new Map()];
    const add = (g: number, id: number) => groups[g].set(id, (groups[g].get(id) ?? 0) + 1);
    const triBase = this.vocab.words.length + this.vocab.bigrams.length;
    for (let i = 0; i < ws.length; i++) {
      const wid = this.wordIds.get(ws[i]);
      if (wid !== undefined) add(0, wid);
      if (i + 1 < ws.length) {
        const bid = this.bigramIds.get(`${ws[i]} ${ws[i + 1]}`);
        if (bid !== undefined) add(1, bid);
      }
      for (const t of trigrams(ws[i])) add(2, triBase + (fnv1a(t) % this.vocab.trigramBuckets));
    }
    const gw = [this.vocab.groupWeights.words, this.vocab.groupWeights.bigrams, this.vocab.groupWeights.trigrams];
    const feats = new Map<number, number>();
    groups.forEach((g, gi) => {
      let norm = 0;
      const vals: [number, number][] = [];
      for (const [id, tf] of g) {
        const v = (1 + Math.log(tf)) * this.vocab.idf[id];
        vals.push([id, v]);
        norm += v * v;
      }
      if (norm === 0) return;
      const scale = gw[gi] / Math.sqrt(norm);
      for (const [id, v] of vals) feats.set(id, v * scale);
    });
    let total = 0;
    for (const v of feats.values()) total += v * v;
    const ids = [...feats.keys()].sort((a, b) => a - b);
    const inv = total > 0 ? 1 / Math.sqrt(total) : 0;
    return { ids: Int32Array.from(ids), weights: Float32Array.from(ids, (id) => feats.get(id)! * inv) };
  }
}

/** Builds the vocabulary and IDF from training documents (each an array of texts of one product). */
export function buildVocab(
  docs: string[][],
  opts: { minWordCount?: number; maxWords?: number; minBigramCount?: number; maxBigrams?: number; trigramBuckets?: number; version?: string } = {},
): TokenizerVocab {
  const { minWordCount = 2, maxWords = 12000, minBigramCount = 8, maxBigrams = 4000, trigramBuckets = 4096 } = opts;
  const wc = new Map<string, number>();
  const bc = new Map<string, number>();
  for (const doc of docs)
    for (const text of doc) {
      const ws = words(text);
      ws.forEach((w, i) => {
        wc.set(w, (wc.get(w) ?? 0) + 1);
        if (i + 1 < ws.length) bc.set(`${w} ${ws[i + 1]}`, (bc.get(`${w} ${ws[i + 1]}`) ?? 0) + 1);
      });
    }
  // Sorted by count then alphabetically: the same data always gives the same ids.
  const top = (m: Map<string, number>, min: number, max: number) =>
    [...m].filter(([, c]) => c >= min).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, max).map(([k]) => k).sort();
  const vocabWords = top(wc, minWordCount, maxWords);
  const vocabBigrams = top(bc, minBigramCount, maxBigrams);
  const partial: TokenizerVocab = {
    version: opts.version ?? 'tok1',
    words: vocabWords,
    bigrams: vocabBigrams,
    trigramBuckets,
    idf: new Array(vocabWords.length + vocabBigrams.length + trigramBuckets).fill(1),
    groupWeights: { words: 1, bigrams: 0.6, trigrams: 0.5 },
  };
  // Document frequency: a document is one product (all its texts).
  const tok = new Tokenizer(partial);
  const df = new Float64Array(tok.size);
  for (const doc of docs) {
    const seen = new Set<number>();
    for (const text of doc) for (const id of tok.encode(text).ids) seen.add(id);
    for (const id of seen) df[id]++;
  }
  partial.idf = Array.from(df, (d) => Number((Math.log((docs.length + 1) / (d + 1)) + 1).toFixed(4)));
  return partial;
}
