/**
 * Tokenizer for product text and shopper queries: lower-case ASCII-folded words, with a light plural
 * stemmer ("shirts" → "shirt", "dresses" → "dress") so catalog singulars meet shopper plurals.
 */
const STOP = new Set(['a', 'an', 'and', 'the', 'for', 'with', 'of', 'in', 'on', 'to', 'by', 'my', 'me', 'i', 'want', 'some', 'show']);

export function stem(word: string): string {
  if (word.length <= 3) return word;
  if (word.endsWith('sses') || word.endsWith('shes') || word.endsWith('ches') || word.endsWith('xes')) return word.slice(0, -2);
  if (word.endsWith('ies') && word.length > 4) return `${word.slice(0, -3)}y`;
  if (word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')) return word.slice(0, -1);
  return word;
}

const NON_ASCII = /[^\x00-\x7f]/;

export function tokenize(text: string): string[] {
  // Accent folding only when needed: almost all catalog text is ASCII and this runs for every product on load.
  const folded = NON_ASCII.test(text) ? text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '') : text;
  const words = folded.toLowerCase().split(/[^a-z0-9]+/);
  const out: string[] = [];
  for (const w of words) if (w && !STOP.has(w)) out.push(stem(w));
  return out;
}
