/** Display helpers: INR prices the way Indian shoppers read them (₹1,23,456), percentages, colour names. */

const money = new Map<string, Intl.NumberFormat>();

export function formatPrice(amount: number | undefined, currency = 'INR'): string {
  if (amount === undefined || amount === null || Number.isNaN(amount)) return '';
  const key = currency || 'INR';
  let f = money.get(key);
  if (!f) {
    f = new Intl.NumberFormat(key === 'INR' ? 'en-IN' : undefined, { style: 'currency', currency: key, maximumFractionDigits: 0 });
    money.set(key, f);
  }
  return f.format(amount);
}

/** Discount as a whole percentage, only when there is a real discount. */
export function discountPercent(price: number, discounted: number | undefined): number | undefined {
  if (discounted === undefined || !(price > 0) || discounted >= price) return undefined;
  return Math.round((1 - discounted / price) * 100);
}

export const percent = (x: number | undefined, digits = 0) => (x === undefined || Number.isNaN(x) ? '' : `${(x * 100).toFixed(digits)}%`);

/** camelCase / snake_case attribute keys to words: "sleeveLength" → "Sleeve length". */
export function humanize(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Approximate swatch colours for the catalog's colour vocabulary (for chips and when the API gives no hex). */
const COLOUR_HEX: Record<string, string> = {
  black: '#1b1b1b', white: '#ffffff', 'off white': '#f5f1e6', cream: '#f3e9d2', beige: '#dcc7a1', khaki: '#b9a77a',
  grey: '#8c8c8c', 'grey melange': '#a3a3a3', charcoal: '#3d3d3d', silver: '#c0c0c0', steel: '#7a8b99',
  'navy blue': '#1f2a4d', blue: '#2f6fd0', 'turquoise blue': '#2bb3b1', teal: '#137b7b', 'sea green': '#2e8b57',
  green: '#2f8f46', olive: '#6b7033', 'lime green': '#8fcf3c', 'fluorescent green': '#6cff3c',
  red: '#c62828', maroon: '#6d1a24', burgundy: '#7a1f35', rust: '#b7472a', orange: '#f08a24', peach: '#f7b69b',
  coffee: '#5b3a29', 'coffee brown': '#5b3a29', brown: '#7b4a2b', tan: '#c19a6b', bronze: '#a0703a', copper: '#b87333',
  'mushroom brown': '#9b8676', taupe: '#8b7d6b', nude: '#e3bc9a', skin: '#e8c0a0',
  yellow: '#f4cf2d', mustard: '#d4a017', gold: '#d4af37', pink: '#f08cb4', magenta: '#c2185b', rose: '#e8a1b0',
  lavender: '#b9a6dc', mauve: '#b784a7', purple: '#6a3d9a', 'metallic': '#a8a9ad', multi: 'conic-gradient(#e53935, #fdd835, #43a047, #1e88e5, #8e24aa, #e53935)',
};

export function colourCss(name: string | undefined, hex?: string): string {
  if (hex) return hex;
  return COLOUR_HEX[(name ?? '').toLowerCase()] ?? '#d9d9d9';
}
