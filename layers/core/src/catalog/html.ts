/**
 * HTML to plain text for catalog descriptions. The Kaggle records carry a little markup (<br>, <b>, <p>,
 * &nbsp;, a stray "<" at the end); a dozen lines cover it, so no HTML parser dependency for the import path.
 */
const NAMED: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“', ndash: '–', mdash: '—', hellip: '…', deg: '°', reg: '®', trade: '™', copy: '©' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED[e.toLowerCase()] ?? m;
  });
}

/** Block-level tags become a line break (so words on either side do not glue together); other tags vanish. */
export function stripHtml(s: string): string {
  return decodeEntities(
    s
      .replace(/<\s*(br|\/p|p|\/li|li|\/div|div|\/h\d|tr)\b[^>]*>/gi, '\n')
      // An unclosed tag at the end ("… 40 mm<") is cut off markup, not text.
      .replace(/<[^>]*(>|$)/g, ' '),
  )
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n[\n ]*/g, '\n')
    .trim();
}
