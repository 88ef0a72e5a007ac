/**
 * items.bin: the artifact's products column by column in binary, and what a load makes of it. A loaded product
 * is a ColumnItem, a small view that reads its row of the columns when a field is asked for: a cold load
 * creates one object and one id string per product, not ~20 values. On this VM, where fresh memory is slow,
 * the JSON columns of ids.json (still read, for artifacts published before items.bin) cost a cold load
 * 130–190 ms after the download: the parse, ~200k strings and objects, and the scavenges that promote them.
 *
 * Layout (little-endian): u32 header length, the JSON header, then, each at a multiple of 8 bytes:
 *   labelRow  Int32[labels]     hnswlib label → row (−1: the label was removed; hnswlib keeps it marked deleted)
 *   price, stock  Float64[count]
 *   one Uint16[count] of codes into header.dict per categorical field
 *   colourStart Uint32[count + 1], colourCodes Uint16[…] (codes into header.dict.colours)
 *   per text field: ends Uint32[count] (row r is bytes [ends[r − 1], ends[r])), then its UTF-8 bytes
 */
import type { IndexedItem } from './artifact.ts';
import { aligned, framed, unframed } from './framed-bytes.ts';

const FORMAT = 'lookbook-items/1';
const CATEGORICAL = ['gender', 'masterCategory', 'subCategory', 'articleType', 'baseColour', 'season', 'usage', 'currency', 'brand'] as const;
type Categorical = (typeof CATEGORICAL)[number];
/** imageKey is '' when absent (a stored key is never empty). */
const TEXT = ['id', 'title', 'imageKey', 'keywords'] as const;
type TextField = (typeof TEXT)[number];

interface Header {
  format: string;
  count: number;
  labels: number;
  colourCodes: number;
  dict: Record<Categorical | 'colours', string[]>;
  /** UTF-8 bytes of each text column. */
  textBytes: Record<TextField, number>;
}

const fail = (why: string): never => {
  throw new Error(why);
};

/** The sections after the header, in order, with their element types and lengths. */
function sections(h: Pick<Header, 'count' | 'labels' | 'colourCodes' | 'textBytes'>) {
  return [
    { name: 'labelRow', type: Int32Array, length: h.labels },
    { name: 'price', type: Float64Array, length: h.count },
    { name: 'stock', type: Float64Array, length: h.count },
    ...CATEGORICAL.map((field) => ({ name: field, type: Uint16Array, length: h.count })),
    { name: 'colourStart', type: Uint32Array, length: h.count + 1 },
    { name: 'colourCodes', type: Uint16Array, length: h.colourCodes },
    ...TEXT.flatMap((field) => [
      { name: `${field}.ends`, type: Uint32Array, length: h.count },
      { name: `${field}.bytes`, type: Uint8Array, length: h.textBytes[field] },
    ]),
  ] as const;
}

/** Codes of `values` into a dictionary of the distinct ones, in order of first appearance. */
function dictionary(values: Iterable<string>, dict: string[], codeOf = new Map<string, number>()): number[] {
  const codes: number[] = [];
  for (const v of values) {
    let c = codeOf.get(v);
    if (c === undefined) codeOf.set(v, (c = dict.push(v) - 1));
    codes.push(c);
  }
  if (dict.length > 0xffff) throw new Error(`items.bin: more than 65,535 distinct values in one field`);
  return codes;
}

/** items.bin of `items` (in their order), with hnswlib's label → product id map (null: removed). */
export function encodeItems(labels: readonly (string | null)[], items: readonly IndexedItem[]): Uint8Array {
  const rowOf = new Map(items.map((item, row) => [item.id, row]));
  const dict = { colours: [] } as unknown as Header['dict'];
  const arrays: Record<string, ArrayLike<number>> = {
    labelRow: labels.map((id) => (id === null ? -1 : (rowOf.get(id) ?? fail(`label of ${id}, which is not an item`)))),
    price: items.map((i) => i.price),
    stock: items.map((i) => i.stock),
  };
  for (const field of CATEGORICAL) arrays[field] = dictionary(items.map((i) => i[field]), (dict[field] = []));
  const colourOf = new Map<string, number>();
  const colourStart = [0];
  const colourCodes: number[] = [];
  for (const item of items) {
    colourCodes.push(...dictionary(item.colours, dict.colours, colourOf));
    colourStart.push(colourCodes.length);
  }
  Object.assign(arrays, { colourStart, colourCodes });
  const textBytes = {} as Header['textBytes'];
  for (const field of TEXT) {
    const parts = items.map((i) => Buffer.from(i[field] ?? '', 'utf8'));
    let end = 0;
    arrays[`${field}.ends`] = parts.map((p) => (end += p.byteLength));
    arrays[`${field}.bytes`] = Buffer.concat(parts);
    textBytes[field] = end;
  }
  const header: Header = { format: FORMAT, count: items.length, labels: labels.length, colourCodes: colourCodes.length, dict, textBytes };
  const layout = sections(header);
  const { out, bodyAt } = framed(header, layout.reduce((n, s) => n + aligned(s.length * s.type.BYTES_PER_ELEMENT, 8), 0), 8);
  let at = bodyAt;
  for (const s of layout) {
    new s.type(out.buffer, at, s.length).set(arrays[s.name]);
    at += aligned(s.length * s.type.BYTES_PER_ELEMENT, 8);
  }
  return out;
}

/** A text column: row r is the UTF-8 bytes [ends[r − 1], ends[r]). */
class TextColumn {
  constructor(
    private readonly ends: Uint32Array,
    private readonly bytes: Buffer,
  ) {}

  at(row: number): string {
    return this.bytes.toString('utf8', row ? this.ends[row - 1] : 0, this.ends[row]);
  }
}

/** A categorical column: codes into its dictionary. */
class CodedColumn {
  constructor(
    private readonly values: readonly string[],
    private readonly codes: Uint16Array,
  ) {}

  at(row: number): string {
    return this.values[this.codes[row]];
  }
}

/** The columns a ColumnItem reads, one named property each (field access stays monomorphic in hot filter loops). */
interface Columns extends Record<Categorical, CodedColumn>, Record<Exclude<TextField, 'id'>, TextColumn> {
  price: Float64Array;
  stock: Float64Array;
  colourStart: Uint32Array;
  colourCodes: Uint16Array;
  colours: readonly string[];
}

/**
 * A product of a loaded artifact, read from its columns on access. Its fields are getters: copy one with
 * plainItem (or JSON), not with an object spread, which sees only `id`.
 */
class ColumnItem implements IndexedItem {
  readonly #c: Columns;
  readonly #row: number;
  constructor(columns: Columns, row: number, readonly id: string) {
    this.#c = columns;
    this.#row = row;
  }
  get title() { return this.#c.title.at(this.#row); }
  get brand() { return this.#c.brand.at(this.#row); }
  get gender() { return this.#c.gender.at(this.#row); }
  get masterCategory() { return this.#c.masterCategory.at(this.#row); }
  get subCategory() { return this.#c.subCategory.at(this.#row); }
  get articleType() { return this.#c.articleType.at(this.#row); }
  get baseColour() { return this.#c.baseColour.at(this.#row); }
  get season() { return this.#c.season.at(this.#row); }
  get usage() { return this.#c.usage.at(this.#row); }
  get currency() { return this.#c.currency.at(this.#row); }
  get price() { return this.#c.price[this.#row]; }
  get stock() { return this.#c.stock[this.#row]; }
  get keywords() { return this.#c.keywords.at(this.#row); }
  get imageKey() { return this.#c.imageKey.at(this.#row) || undefined; }
  get colours() {
    const { colourStart, colourCodes, colours } = this.#c;
    return Array.from(colourCodes.subarray(colourStart[this.#row], colourStart[this.#row + 1]), (c) => colours[c]);
  }
  toJSON(): IndexedItem {
    return plainItem(this);
  }
}

/** A plain-object copy of an item, whatever its kind. */
export function plainItem(i: IndexedItem): IndexedItem {
  const { id, title, brand, gender, masterCategory, subCategory, articleType, baseColour, colours, season, usage, price, currency, stock, imageKey, keywords } = i;
  return { id, title, brand, gender, masterCategory, subCategory, articleType, baseColour, colours, season, usage, price, currency, stock, ...(imageKey !== undefined && { imageKey }), keywords };
}

/** The items and label map of items.bin; throws on bytes that do not fit the layout. */
export function decodeItems(bytes: Uint8Array): { labels: (string | null)[]; items: IndexedItem[] } {
  const { header: h, bodyAt } = unframed<Header>(bytes, 8, fail);
  const counts = [h.count, h.labels, h.colourCodes, ...TEXT.map((f) => h.textBytes?.[f])];
  if (h.format !== FORMAT || counts.some((n) => !Number.isInteger(n) || n < 0) || [...CATEGORICAL, 'colours' as const].some((f) => !Array.isArray(h.dict?.[f]))) fail(`header ${JSON.stringify({ format: h.format, count: h.count })}`);
  // Views of the download where it is aligned (no copy: fresh memory is what a cold start pays for), else a copy.
  const data = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  let at = bodyAt;
  const view = new Map<string, ArrayLike<number>>();
  for (const s of sections(h)) {
    if (at + s.length * s.type.BYTES_PER_ELEMENT > data.byteLength) fail(`section ${s.name} cut short`);
    view.set(s.name, new s.type(data.buffer as ArrayBuffer, data.byteOffset + at, s.length));
    at = aligned(at + s.length * s.type.BYTES_PER_ELEMENT, 8);
  }
  if (at !== data.byteLength) fail(`${data.byteLength} bytes, the layout needs ${at}`);
  const get = <T>(name: string) => view.get(name) as T;
  // The checksum vouches for the bytes; these checks catch a writer that broke the layout, cheaply.
  const inRange = (a: ArrayLike<number>, lo: number, hi: number, what: string) => {
    for (let i = 0; i < a.length; i++) if (!(a[i] >= lo && a[i] < hi)) fail(`${what}: ${a[i]} out of range`);
  };
  const ascending = (a: ArrayLike<number>, first: number, last: number, what: string) => {
    let prev = first;
    for (let i = 0; i < a.length; i++) {
      if (a[i] < prev) fail(`${what} not ascending`);
      prev = a[i];
    }
    if (prev !== last) fail(`${what} end at ${prev}, expected ${last}`);
  };
  const coded = {} as Record<Categorical, CodedColumn>;
  for (const field of CATEGORICAL) {
    const codes = get<Uint16Array>(field);
    inRange(codes, 0, h.dict[field].length, field);
    coded[field] = new CodedColumn(h.dict[field], codes);
  }
  const colourStart = get<Uint32Array>('colourStart');
  const colourCodes = get<Uint16Array>('colourCodes');
  ascending(colourStart, 0, h.colourCodes, 'colourStart');
  inRange(colourCodes, 0, h.dict.colours.length, 'colours');
  const text = {} as Record<TextField, TextColumn>;
  for (const field of TEXT) {
    const ends = get<Uint32Array>(`${field}.ends`);
    ascending(ends, 0, h.textBytes[field], `${field} ends`);
    const b = get<Uint8Array>(`${field}.bytes`);
    text[field] = new TextColumn(ends, Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  }
  const columns: Columns = { ...coded, title: text.title, imageKey: text.imageKey, keywords: text.keywords, price: get('price'), stock: get('stock'), colourStart, colourCodes, colours: h.dict.colours };
  const labelRow = get<Int32Array>('labelRow');
  inRange(labelRow, -1, h.count, 'labelRow');
  const items: IndexedItem[] = new Array(h.count);
  for (let row = 0; row < h.count; row++) items[row] = new ColumnItem(columns, row, text.id.at(row));
  return { labels: Array.from(labelRow, (row) => (row < 0 ? null : items[row].id)), items };
}

/** ids.json, the JSON columns of artifacts published before items.bin (read only). */
export interface IdsFile {
  labels: (string | null)[];
  count: number;
  id: string[];
  title: string[];
  price: number[];
  stock: number[];
  imageKey: (string | null)[];
  keywords: string[];
  colours: string[][];
  dict: Record<Categorical, { values: string[]; codes: number[] }>;
}

export function decodeIdsJson(f: IdsFile): { labels: (string | null)[]; items: IndexedItem[] } {
  const cols = [f.id, f.title, f.price, f.stock, f.imageKey, f.keywords, f.colours, ...CATEGORICAL.map((c) => f.dict?.[c]?.codes)];
  if (!Array.isArray(f.labels) || cols.some((c) => !Array.isArray(c) || c.length !== f.count)) throw new Error('ids.json columns are missing or of unequal length');
  const d = f.dict;
  const items = Array.from({ length: f.count }, (_, i): IndexedItem => ({
    id: f.id[i],
    title: f.title[i],
    brand: d.brand.values[d.brand.codes[i]],
    gender: d.gender.values[d.gender.codes[i]],
    masterCategory: d.masterCategory.values[d.masterCategory.codes[i]],
    subCategory: d.subCategory.values[d.subCategory.codes[i]],
    articleType: d.articleType.values[d.articleType.codes[i]],
    baseColour: d.baseColour.values[d.baseColour.codes[i]],
    colours: f.colours[i],
    season: d.season.values[d.season.codes[i]],
    usage: d.usage.values[d.usage.codes[i]],
    price: f.price[i],
    currency: d.currency.values[d.currency.codes[i]],
    stock: f.stock[i],
    imageKey: f.imageKey[i] ?? undefined,
    keywords: f.keywords[i],
  }));
  return { labels: f.labels, items };
}
