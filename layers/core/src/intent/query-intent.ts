/**
 * What a shopper's words name in the catalog's own vocabulary: "womens navy slim fit shirts" → gender Women,
 * colour Navy Blue, type Shirts; "red tape shoes" → brand Red Tape (not the colour red), shoes. Search turns the
 * named attributes into one more ranking leg (search/service.ts): products that match them, nearest first.
 *
 * The vocabulary is the index's own label values (so a new articleType is understood as soon as it is indexed)
 * plus a short list of shopper words the labels lack ("tee", "sneakers", "navy"). Matching is greedy, longest
 * phrase first, over the same stemmed tokens BM25 uses.
 */
import { stem, tokenize } from '../lexical/tokenize.ts';

/** The fields a query can name, in the order that wins when one phrase names several (e.g. "dress"). */
export const INTENT_FIELDS = ['brand', 'articleType', 'subCategory', 'baseColour', 'gender'] as const;
export type IntentField = (typeof INTENT_FIELDS)[number];

/** A product's labels; its title, when given, tells which brand names are ordinary words (ordinaryBrandWords). */
export type LabelledItem = Record<IntentField, string> & { title?: string };

export interface QueryIntent {
  /** Per named field, the values any of which satisfies it. */
  attributes: Partial<Record<IntentField, string[]>>;
  /** The query words that named them (for the response and logs). */
  phrases: string[];
  /** The fields read from the query photo by the encoder's attribute heads. */
  fromImage?: IntentField[];
}

/** Shopper words → label values. Values that are not in the index are dropped when the parser is built. */
const SYNONYMS: Record<string, Partial<Record<IntentField, string[]>>> = {
  man: { gender: ['Men'] },
  male: { gender: ['Men'] },
  gent: { gender: ['Men'] },
  woman: { gender: ['Women'] },
  lady: { gender: ['Women'] },
  female: { gender: ['Women'] },
  boy: { gender: ['Boys'] },
  girl: { gender: ['Girls'] },
  kid: { gender: ['Boys', 'Girls'] },
  children: { gender: ['Boys', 'Girls'] },
  gray: { baseColour: ['Grey', 'Grey Melange'] },
  navy: { baseColour: ['Navy Blue'] },
  golden: { baseColour: ['Gold'] },
  offwhite: { baseColour: ['Off White'] },
  multicolour: { baseColour: ['Multi'] },
  multicolor: { baseColour: ['Multi'] },
  't shirt': { articleType: ['Tshirts'] },
  tee: { articleType: ['Tshirts'] },
  pant: { articleType: ['Trousers', 'Track Pants', 'Lounge Pants'] },
  sneaker: { articleType: ['Casual Shoes', 'Sports Shoes'] },
  trainer: { articleType: ['Sports Shoes'] },
  'running shoe': { articleType: ['Sports Shoes'] },
  hoodie: { articleType: ['Sweatshirts'] },
  hoody: { articleType: ['Sweatshirts'] }, // "hoodies" stems to this
  jumper: { articleType: ['Sweaters'] },
  pullover: { articleType: ['Sweaters'] },
  purse: { articleType: ['Handbags', 'Wallets', 'Clutches'] },
  sari: { articleType: ['Sarees'] },
  pyjama: { articleType: ['Night suits', 'Lounge Pants'] },
};

/** Words that never name a family by themselves: shoppers write "blue colour kurta", which is not about Hair Colour. */
const NOT_HEADS = new Set(['colour']);

/** Gendered queries also accept unisex products: "men watch" should show unisex watches too. */
const ALSO_UNISEX = new Set(['Men', 'Women']);

const phraseOf = (label: string) => tokenize(label).join(' ');

/** "field|value" → the shopper phrases (stemmed) that name it. */
const SYNONYMS_OF = new Map<string, string[]>();
for (const [words, named] of Object.entries(SYNONYMS)) {
  const phrase = words.split(' ').map(stem).join(' ');
  for (const field of INTENT_FIELDS)
    for (const value of named[field] ?? []) {
      const key = `${field}|${value}`;
      SYNONYMS_OF.set(key, [...(SYNONYMS_OF.get(key) ?? []), phrase]);
    }
}

type Named = Partial<Record<IntentField, Set<string>>>;

/**
 * One-word brand names that are ordinary words of other brands' titles: "denim" (8 products of the brand Denim,
 * 79 titles), "ferrari" (Puma's Ferrari line), "colour" ("Colour me", whose "me" is a stop word). When more products
 * of other brands have the word in their title than the brand has products, the word alone names no brand (BM25
 * still matches it in titles). Judged on the items the parser is built from.
 */
function ordinaryBrandWords(items: readonly LabelledItem[]): Set<string> {
  const phraseOfBrand = new Map<string, string>();
  const brandPhrase = (brand: string) => phraseOfBrand.get(brand) ?? phraseOfBrand.set(brand, phraseOf(brand)).get(brand)!;
  const own = new Map<string, number>();
  for (const item of items) {
    const phrase = brandPhrase(item.brand);
    if (phrase && !phrase.includes(' ')) own.set(phrase, (own.get(phrase) ?? 0) + 1);
  }
  const inOtherTitles = new Map<string, number>();
  for (const item of items) {
    if (!item.title) continue;
    const brand = brandPhrase(item.brand);
    for (const word of new Set(tokenize(item.title))) if (word !== brand && own.has(word)) inOtherTitles.set(word, (inOtherTitles.get(word) ?? 0) + 1);
  }
  return new Set([...own].filter(([word, n]) => (inOtherTitles.get(word) ?? 0) > n).map(([word]) => word));
}

export class IntentParser {
  /**
   * Stemmed phrase → the values it names per field: as a whole label or synonym (exact), or as the head word of
   * longer labels (head). An exact naming wins over a head naming in another field: "shoes" is the subCategory
   * Shoes (heels and flats too), not only the three "… Shoes" types.
   */
  private readonly phrases = new Map<string, { exact: Named; head: Named }>();
  /** The label values of each field seen so far (per field: no "field|value" key to build for each of 44k items × 7 fields). */
  private readonly known = new Map<IntentField, Set<string>>(INTENT_FIELDS.map((field) => [field, new Set<string>()]));
  private longest = 1;
  private unisex = false;
  private readonly ordinaryBrands: Set<string>;

  constructor(items: Iterable<LabelledItem>) {
    const list = [...items];
    this.ordinaryBrands = ordinaryBrandWords(list);
    for (const item of list) this.learn(item);
  }

  /** Takes in an item's label values that are new to the vocabulary (an index add). */
  learn(item: LabelledItem): void {
    for (const field of INTENT_FIELDS) {
      const value = item[field];
      const known = this.known.get(field)!;
      if (!value || value === 'NA' || known.has(value)) continue;
      known.add(value);
      if (field === 'gender' && value === 'Unisex') this.unisex = true;
      for (const synonym of SYNONYMS_OF.get(`${field}|${value}`) ?? []) this.name(synonym, field, value, 'exact');
      const phrase = phraseOf(value);
      // Brands of one or two letters ("W", "HM") would fire on stray letters of a query, ordinary words on any query.
      if (!phrase || (field === 'brand' && (phrase.replace(/ /g, '').length < 3 || this.ordinaryBrands.has(phrase)))) continue;
      this.name(phrase, field, value, 'exact');
      // A type or colour is also named by its head word: "jacket" → Rain Jacket, Nehru Jackets, Jackets;
      // "blue" → Blue, Navy Blue, Turquoise Blue.
      const words = phrase.split(' ');
      if ((field === 'articleType' || field === 'baseColour') && words.length > 1 && !NOT_HEADS.has(words.at(-1)!)) this.name(words.at(-1)!, field, value, 'head');
    }
  }

  /** Whether `value` is a label of `field` in this vocabulary. */
  knows(field: IntentField, value: string): boolean {
    return this.known.get(field)!.has(value);
  }

  parse(text: string): QueryIntent {
    const tokens = tokenize(text);
    const attributes: QueryIntent['attributes'] = {};
    const phrases: string[] = [];
    for (let i = 0; i < tokens.length; ) {
      let matched = 0;
      for (let n = Math.min(this.longest, tokens.length - i); n >= 1 && !matched; n--) {
        const phrase = tokens.slice(i, i + n).join(' ');
        const named = this.phrases.get(phrase);
        if (!named) continue;
        const field = INTENT_FIELDS.find((f) => named.exact[f]) ?? INTENT_FIELDS.find((f) => named.head[f])!;
        attributes[field] = [...new Set([...(attributes[field] ?? []), ...(named.exact[field] ?? []), ...(named.head[field] ?? [])])];
        phrases.push(phrase);
        matched = n;
      }
      i += matched || 1;
    }
    if (this.unisex && attributes.gender?.some((g) => ALSO_UNISEX.has(g)) && !attributes.gender.includes('Unisex')) attributes.gender.push('Unisex');
    return { attributes, phrases };
  }

  private name(phrase: string, field: IntentField, value: string, how: 'exact' | 'head'): void {
    const entry = this.phrases.get(phrase) ?? { exact: {}, head: {} };
    (entry[how][field] ??= new Set()).add(value);
    this.phrases.set(phrase, entry);
    this.longest = Math.max(this.longest, phrase.split(' ').length);
  }
}

/**
 * What a query names: its words, and the type and colour the encoder read from its photo where the words name
 * none ("this, but in red": the photo's type, the words' colour). Checked offline on the validation fold (vector
 * ranking fused by RRF with the products of the photo's predicted type and colour): photo→photo P@10 (same type
 * and colour) .364 → .469, photo + another colour word .462 → .712.
 */
export function queryIntent(parser: IntentParser, text: string | undefined, imageAttributes: Record<string, string> | undefined): QueryIntent {
  const intent: QueryIntent = text ? parser.parse(text) : { attributes: {}, phrases: [] };
  const named = intent.attributes;
  const fromImage: IntentField[] = [];
  const type = imageAttributes?.articleType, colour = imageAttributes?.baseColour;
  if (type && !named.articleType && !named.subCategory && parser.knows('articleType', type)) {
    named.articleType = [type];
    fromImage.push('articleType');
  }
  if (colour && !named.baseColour && parser.knows('baseColour', colour)) {
    named.baseColour = [colour];
    fromImage.push('baseColour');
  }
  if (fromImage.length) intent.fromImage = fromImage;
  return intent;
}

/** Whether an item has, for every named field, one of the named values. */
export function matchesIntent(intent: QueryIntent, item: LabelledItem): boolean {
  for (const field of INTENT_FIELDS) {
    const wanted = intent.attributes[field];
    if (wanted && !wanted.includes(item[field])) return false;
  }
  return true;
}

export const hasIntent = (intent: QueryIntent) => Object.keys(intent.attributes).length > 0;
