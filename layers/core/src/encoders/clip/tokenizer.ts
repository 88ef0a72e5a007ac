/**
 * OpenAI CLIP's byte-level BPE tokenizer, a line-for-line port of the reference `clip/simple_tokenizer.py`
 * (openai/CLIP) plus `clip.tokenize` (77 tokens, start/end tokens, zero padding, optional truncation).
 *
 * One known difference: the reference runs `ftfy.fix_text` first, which is not available in Node. We apply the
 * part of it that matters for clean input — Unicode NFC normalisation — but not ftfy's mojibake repair
 * (e.g. "cafÃ©" stays as typed). HTML entities are unescaped twice as in the reference, with the numeric
 * forms and the common named entities (see ENTITIES); Python's table of 2,231 HTML5 names is not copied.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { modelFile } from '../../model-files.ts';

export const CLIP_VOCAB_FILE = 'clip-bpe-vocab-16e6.txt.gz';
export const SOT = '<|startoftext|>';
export const EOT = '<|endoftext|>';
/** Merges used by every CLIP model: lines 1..48894 of the file (49152 ids − 256 bytes − 2 specials). */
const MERGE_COUNT = 49152 - 256 - 2;
const CACHE_LIMIT = 100_000;

/**
 * The reference's reversible byte → printable-character table (indexed by byte): printable Latin-1 bytes map to themselves,
 * the others (controls, space, …) to code points from 256 upwards so BPE never sees whitespace.
 */
export function bytesToUnicode(): string[] {
  const table = new Array<string>(256);
  for (const [b, c] of byteOrder()) table[b] = c;
  return table;
}

/** (byte, character) pairs in the reference dict's insertion order, which is also the order of the first 512 ids. */
function byteOrder(): Array<[number, string]> {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  return bs.map((b, i) => [b, String.fromCodePoint(cs[i])]);
}

// Named entities worth knowing in product text and shopper queries; numeric entities are handled generally.
const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', copy: '©', reg: '®', trade: '™',
  hellip: '…', ndash: '–', mdash: '—', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', bull: '•',
  deg: '°', times: '×', middot: '·', eacute: 'é', egrave: 'è', agrave: 'à', ccedil: 'ç', uuml: 'ü',
  ouml: 'ö', auml: 'ä', szlig: 'ß', ntilde: 'ñ', euro: '€', pound: '£', yen: '¥', cent: '¢', rupee: '₹',
};

/** html.unescape for numeric character references and the named entities above. */
export function htmlUnescape(text: string): string {
  return text.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);/g, (whole, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      // Python maps invalid and surrogate code points to U+FFFD and NUL to U+FFFD as well.
      if (!Number.isFinite(cp) || cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
      return String.fromCodePoint(cp);
    }
    return ENTITIES[body] ?? whole;
  });
}

/** basic_clean + whitespace_clean + lower(), in the reference's order. */
export function cleanText(text: string): string {
  const fixed = text.normalize('NFC'); // the part of ftfy.fix_text that applies to well-formed text
  const unescaped = htmlUnescape(htmlUnescape(fixed)).trim();
  return unescaped.replace(/\s+/gu, ' ').trim().toLowerCase();
}

// The reference pattern (Python `regex`, IGNORECASE). `u` gives \p{L}/\p{N}; text is already lower-cased.
const PATTERN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/giu;

export interface TokenizeOptions {
  contextLength?: number;
  /** Cut long texts to contextLength, keeping the end token last (clip.tokenize(truncate=True)). Otherwise throw. */
  truncate?: boolean;
}

export class ClipTokenizer {
  readonly sotId: number;
  readonly eotId: number;
  readonly vocabSize: number;
  private readonly byteEncoder = bytesToUnicode();
  private readonly byteDecoder = new Map<string, number>();
  private readonly encoder = new Map<string, number>();
  private readonly decoder: string[];
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();
  private readonly utf8 = new TextEncoder();

  /** @param bpeText the decompressed vocabulary file (header line, then one merge "a b" per line). */
  constructor(bpeText: string) {
    const lines = bpeText.split('\n').slice(1, MERGE_COUNT + 1);
    if (lines.length !== MERGE_COUNT) throw new Error(`CLIP vocabulary has ${lines.length} merges, expected ${MERGE_COUNT}`);
    const merges = lines.map((l) => l.split(/\s+/).filter(Boolean) as [string, string]);
    this.byteEncoder.forEach((c, b) => this.byteDecoder.set(c, b));
    const byteChars = byteOrder().map(([, c]) => c);
    const vocab = [...byteChars, ...byteChars.map((c) => c + '</w>'), ...merges.map(([a, b]) => a + b), SOT, EOT];
    this.decoder = vocab;
    vocab.forEach((tok, i) => this.encoder.set(tok, i));
    merges.forEach(([a, b], i) => this.ranks.set(a + ' ' + b, i));
    this.sotId = this.encoder.get(SOT)!;
    this.eotId = this.encoder.get(EOT)!;
    this.vocabSize = vocab.length;
    this.cache.set(SOT, [SOT]);
    this.cache.set(EOT, [EOT]);
  }

  /** BPE of one pre-token (already byte-encoded); results are cached as in the reference. */
  bpe(token: string): string[] {
    const hit = this.cache.get(token);
    if (hit) return hit;
    const chars = Array.from(token);
    let word = [...chars.slice(0, -1), chars[chars.length - 1] + '</w>'];
    while (word.length > 1) {
      // The adjacent pair with the lowest merge rank.
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const r = this.ranks.get(word[i] + ' ' + word[i + 1]);
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const first = word[best];
      const second = word[best + 1];
      // Merge every non-overlapping occurrence, left to right.
      const next: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          next.push(first + second);
          i += 2;
        } else {
          next.push(word[i]);
          i += 1;
        }
      }
      word = next;
    }
    // Unbounded in the reference; a warm Lambda sees endless distinct queries, so start over past a limit.
    if (this.cache.size > CACHE_LIMIT) {
      this.cache.clear();
      this.cache.set(SOT, [SOT]);
      this.cache.set(EOT, [EOT]);
    }
    this.cache.set(token, word);
    return word;
  }

  /** Token ids of a text, without start/end tokens (SimpleTokenizer.encode). */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const m of cleanText(text).matchAll(PATTERN)) {
      let token = '';
      for (const b of this.utf8.encode(m[0])) token += this.byteEncoder[b];
      for (const piece of this.bpe(token)) ids.push(this.encoder.get(piece)!);
    }
    return ids;
  }

  decode(ids: readonly number[]): string {
    const text = ids.map((i) => this.decoder[i] ?? '').join('');
    const bytes: number[] = [];
    for (const ch of text.replaceAll('</w>', ' ')) {
      if (ch === ' ') bytes.push(0x20);
      else bytes.push(this.byteDecoder.get(ch) ?? 0x3f);
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  }

  /** clip.tokenize: [N, contextLength] int64 ids, start token, end token, zero padding. */
  tokenize(texts: string | readonly string[], opts: TokenizeOptions = {}): { data: BigInt64Array; dims: [number, number]; lengths: number[] } {
    const list = typeof texts === 'string' ? [texts] : texts;
    const ctx = opts.contextLength ?? 77;
    const data = new BigInt64Array(list.length * ctx);
    const lengths: number[] = [];
    list.forEach((text, row) => {
      let tokens = [this.sotId, ...this.encode(text), this.eotId];
      if (tokens.length > ctx) {
        if (!opts.truncate) throw new Error(`Input "${text.slice(0, 40)}…" is too long for context length ${ctx}`);
        tokens = tokens.slice(0, ctx);
        tokens[ctx - 1] = this.eotId;
      }
      tokens.forEach((t, i) => (data[row * ctx + i] = BigInt(t)));
      lengths.push(tokens.length);
    });
    return { data, dims: [list.length, ctx], lengths };
  }
}

const loaded = new Map<string, ClipTokenizer>();

/** The tokenizer over the vocabulary file (default models/.cache/clip-bpe-vocab-16e6.txt.gz), loaded once per path. */
export function loadClipTokenizer(vocabPath: string = modelFile(CLIP_VOCAB_FILE)): ClipTokenizer {
  let tok = loaded.get(vocabPath);
  if (!tok) {
    tok = new ClipTokenizer(gunzipSync(readFileSync(vocabPath)).toString('utf8'));
    loaded.set(vocabPath, tok);
  }
  return tok;
}
