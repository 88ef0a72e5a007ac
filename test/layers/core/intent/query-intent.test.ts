import { describe, expect, it } from 'vitest';
import { hasIntent, IntentParser, matchesIntent, type LabelledItem } from '#core/intent/query-intent';

const item = (brand: string, gender: string, articleType: string, subCategory: string, baseColour: string): LabelledItem => ({ brand, gender, articleType, subCategory, baseColour });
const catalog = [
  item('Red Tape', 'Men', 'Casual Shoes', 'Shoes', 'Brown'),
  item('Catwalk', 'Women', 'Heels', 'Shoes', 'Red'),
  item('Nike', 'Men', 'Sports Shoes', 'Shoes', 'Black'),
  item('Fastrack', 'Unisex', 'Watches', 'Watches', 'Gold'),
  item('Sepia', 'Women', 'Dresses', 'Dress', 'Red'),
  item('Roadster', 'Men', 'Shirts', 'Topwear', 'Navy Blue'),
  item('Roadster', 'Men', 'Tshirts', 'Topwear', 'Turquoise Blue'),
  item('Wildcraft', 'Men', 'Rain Jacket', 'Topwear', 'Blue'),
  item('Wildcraft', 'Women', 'Jackets', 'Topwear', 'Off White'),
  item('W', 'Women', 'Kurtas', 'Topwear', 'White'),
  item('Gini and Jony', 'Girls', 'Dresses', 'Dress', 'Pink'),
];
const parser = new IntentParser(catalog);

describe('IntentParser', () => {
  it('reads colour, type and gender words as the catalog labels, plurals and case aside', () => {
    expect(parser.parse('Womens RED dresses')).toEqual({ attributes: { gender: ['Women', 'Unisex'], baseColour: ['Red'], articleType: ['Dresses'] }, phrases: ['women', 'red', 'dress'] });
  });

  it('takes the longest phrase: a brand named like a colour, a two-word colour', () => {
    expect(parser.parse('red tape shoes').attributes).toEqual({ brand: ['Red Tape'], subCategory: ['Shoes'] });
    expect(parser.parse('off white jacket').attributes).toEqual({ baseColour: ['Off White'], articleType: ['Jackets', 'Rain Jacket'] });
  });

  it('a head word names its family; a whole label beats a head word of another field', () => {
    expect(parser.parse('blue').attributes.baseColour).toEqual(['Blue', 'Navy Blue', 'Turquoise Blue']);
    // "shoes" is the subCategory (heels too), not just the "… Shoes" types.
    expect(parser.parse('shoes').attributes).toEqual({ subCategory: ['Shoes'] });
  });

  it('knows shopper words the labels lack, and only values this index holds', () => {
    expect(parser.parse('navy tee for a man').attributes).toEqual({ baseColour: ['Navy Blue'], articleType: ['Tshirts'], gender: ['Men', 'Unisex'] });
    expect(parser.parse('kids dress').attributes).toEqual({ gender: ['Girls'], articleType: ['Dresses'] });
    // A two-word shopper phrase beats the one-word label inside it: running shoes are sports shoes, not every shoe.
    expect(parser.parse('black running shoes men').attributes).toEqual({ baseColour: ['Black'], articleType: ['Sports Shoes'], gender: ['Men', 'Unisex'] });
    expect(parser.parse('hoodie').phrases).toEqual([]); // Sweatshirts: not in this catalog
  });

  it('learns the label values an added item brings, synonyms included', () => {
    const grown = new IntentParser(catalog);
    grown.learn(item('Hrx', 'Men', 'Sweatshirts', 'Topwear', 'Mustard'));
    expect(grown.parse('mustard hoodies').attributes).toEqual({ baseColour: ['Mustard'], articleType: ['Sweatshirts'] });
    expect(grown.parse('hrx').attributes).toEqual({ brand: ['Hrx'] });
  });

  it('a one-word brand that is an ordinary word of other brands\' titles names no brand', () => {
    const titled = (brand: string, articleType: string, title: string) => ({ ...item(brand, 'Men', articleType, 'Topwear', 'Blue'), title });
    const withTitles = new IntentParser([
      titled('Denim', 'Jeans', 'Denim Men Blue Jeans'),
      titled('Roadster', 'Jackets', 'Roadster Men Blue Denim Jacket'),
      titled('Wrangler', 'Jeans', 'Wrangler Men Denim Jeans'),
      titled('Colour me', 'Shirts', 'Colour Me Men Blue Shirt'),
      titled('Spykar', 'Shirts', 'Spykar Men Blue Colour Block Shirt'),
      titled('Puma', 'Tshirts', 'Puma Men Blue Colour Block Tshirt'),
      titled('Puma', 'Jackets', 'Puma Men Blue Jacket'),
      titled('Red Tape', 'Jackets', 'Red Tape Men Denim Jacket'),
    ]);
    expect(withTitles.parse('denim jacket').attributes).toEqual({ articleType: ['Jackets'] }); // 1 Denim product, 3 other titles
    expect(withTitles.parse('blue colour shirt').attributes).toEqual({ baseColour: ['Blue'], articleType: ['Shirts'] });
    // Nor does "colour" name Hair Colour by its head word; the whole label still does.
    const withHairColour = new IntentParser([item('Streax', 'Unisex', 'Hair Colour', 'Hair', 'Brown'), item('Biba', 'Women', 'Kurtas', 'Topwear', 'Blue')]);
    expect(withHairColour.parse('blue colour kurta').attributes).toEqual({ baseColour: ['Blue'], articleType: ['Kurtas'] });
    expect(withHairColour.parse('hair colour').attributes).toEqual({ articleType: ['Hair Colour'] });
    expect(withTitles.parse('puma jacket').attributes).toEqual({ brand: ['Puma'], articleType: ['Jackets'] }); // its own word
    expect(withTitles.parse('red tape jacket').attributes).toEqual({ brand: ['Red Tape'], articleType: ['Jackets'] });
  });

  it('names nothing for words outside the vocabulary, and ignores one-letter brands', () => {
    const intent = parser.parse('w something comfy');
    expect(intent).toEqual({ attributes: {}, phrases: [] });
    expect(hasIntent(intent)).toBe(false);
  });

  it('an item matches when it has one of the named values of every named field', () => {
    const intent = parser.parse('men gold watch');
    expect(catalog.filter((i) => matchesIntent(intent, i)).map((i) => i.brand)).toEqual(['Fastrack']); // unisex counts for men
    expect(catalog.filter((i) => matchesIntent(parser.parse('blue men'), i)).map((i) => i.articleType)).toEqual(['Shirts', 'Tshirts', 'Rain Jacket']);
  });
});
