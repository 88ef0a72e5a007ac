import { describe, expect, it } from 'vitest';
import { camelKey, mapKaggleRecord, normaliseAttributes, syntheticStock } from '#core/catalog/kaggle';
import { stripHtml } from '#core/catalog/html';
import { kaggleRow } from './fixtures.ts';

const now = '2026-01-02T03:04:05.000Z';
const ok = (raw: unknown) => {
  const r = mapKaggleRecord(raw, { now });
  if (!r.ok) throw new Error(`expected ok, got ${r.reason}`);
  return r.product;
};
const rejected = (raw: unknown) => {
  const r = mapKaggleRecord(raw, { now });
  if (r.ok) throw new Error('expected a rejection');
  return r;
};

describe('mapKaggleRecord', () => {
  it('maps a good row onto the Product schema', () => {
    const p = ok(kaggleRow(15970, { colour1: 'White', price: 1299, discountedPrice: 899, description: 'Soft tee', styleNote: 'Team it with jeans', materialsCare: '100% cotton' }));
    expect(p).toMatchObject({
      id: '15970',
      sku: 'MYN-15970',
      title: 'Brandy Men Blue Tshirts 15970',
      gender: 'Men',
      articleType: 'Tshirts',
      baseColour: 'Blue',
      colours: ['Blue', 'White'],
      year: 2012,
      price: 1299,
      discountedPrice: 899,
      currency: 'INR',
      sizes: ['S', 'M', 'L'],
      imageKeys: ['products/15970.jpg'],
      createdAt: now,
      updatedAt: now,
    });
    expect(p.attributes).toEqual({ pattern: 'Solid', fabric: 'Cotton', sleeve: 'Short Sleeves', neck: 'Round Neck', fit: 'Regular' });
    expect(p.description).toBe('Soft tee\n\nTeam it with jeans\n\n100% cotton');
    expect(p.stock).toBe(syntheticStock('15970'));
  });

  it('treats "NA" and empty fields as absent', () => {
    const p = ok(kaggleRow(10001, { season: 'NA', usage: '', year: '', colour1: 'NA', colour2: 'NA', ageGroup: 'NA', brand: 'NA', description: 'NA', attributes: { Pattern: 'NA', Occasion: 'Party' } }));
    expect(p.season).toBe('');
    expect(p.usage).toBe('');
    expect(p.ageGroup).toBe('');
    expect(p.brand).toBe('');
    expect(p.year).toBeUndefined();
    expect(p.colours).toEqual(['Blue']);
    expect(p.description).toBe('');
    expect(p.attributes).toEqual({ occasion: 'Party' });
  });

  it('rebuilds a title of "NA" from brand, colour and article type', () => {
    expect(ok(kaggleRow(30991, { title: 'NA', brand: 'Davidoff', baseColour: 'Black', articleType: 'Perfume and Body Mist' })).title).toBe('Davidoff Black Perfume and Body Mist');
  });

  it('strips HTML and decodes entities in the description', () => {
    const p = ok(kaggleRow(1, { description: '<p>Soft &amp; warm<br>cotton&nbsp;tee</p><b>Machine wash</b> case 40 mm<', styleNote: '<p>Soft &amp; warm<br>cotton&nbsp;tee</p>' }));
    expect(p.description).toBe('Soft & warm\ncotton tee\nMachine wash case 40 mm');
    expect(p.description).not.toMatch(/[<>]/);
    expect(stripHtml('a<B>b</B>&#233;&#x41;&bogus;')).toBe('a b éA&bogus;');
  });

  it('rejects a row without a price, with a reason', () => {
    expect(rejected(kaggleRow(20001, { price: undefined }))).toEqual({ ok: false, id: '20001', reason: 'missing price' });
    expect(rejected(kaggleRow(20002, { price: 'NA' })).reason).toBe('missing price');
    expect(rejected(kaggleRow(28319, { price: 0 })).reason).toMatch(/price must be positive/);
  });

  it('rejects bad ids, missing categories and malformed records', () => {
    expect(rejected(kaggleRow(1, { id: 'abc' })).reason).toMatch(/bad id "abc"/);
    expect(rejected(kaggleRow(1, { id: undefined })).reason).toBe('missing id');
    expect(rejected(kaggleRow(1, { id: -5 })).reason).toMatch(/bad id/);
    expect(rejected(kaggleRow(3, { articleType: 'NA' })).reason).toBe('missing articleType');
    expect(rejected(kaggleRow(4, { price: { amount: 3 } })).reason).toMatch(/malformed record \(price/);
    expect(rejected(kaggleRow(5, { currency: 'RUPEES' })).reason).toMatch(/currency/);
    expect(rejected('not an object').reason).toMatch(/malformed/);
  });

  it('accepts numeric strings and keeps the discounted price only when positive', () => {
    const p = ok(kaggleRow(7, { id: '7', price: '999.5', discountedPrice: 0 }));
    expect(p.id).toBe('7');
    expect(p.price).toBe(999.5);
    expect(p.discountedPrice).toBeUndefined();
  });
});

describe('attributes and stock', () => {
  it('normalises known attribute names and camelCases the rest', () => {
    expect(normaliseAttributes({ 'Print or Pattern Type': 'Floral', Pattern: 'Printed', 'Body or Garment Size': 'To-Fit', 'Sleeve Length': 'Long Sleeves', 'Neck Type': 'V-Neck', Fabric: ' Silk ' })).toEqual({
      // "Pattern" is the preferred source; "Print or Pattern Type" keeps its own key.
      pattern: 'Printed',
      printOrPatternType: 'Floral',
      bodyOrGarmentSize: 'To-Fit',
      sleeve: 'Long Sleeves',
      neck: 'V-Neck',
      fabric: 'Silk',
    });
    expect(camelKey('Water Resistance')).toBe('waterResistance');
  });

  it('stock is synthetic but deterministic: same id, same figure; about 8% out of stock', () => {
    expect(syntheticStock('15970')).toBe(syntheticStock('15970'));
    const stocks = Array.from({ length: 10_000 }, (_, i) => syntheticStock(String(10_000 + i)));
    const zero = stocks.filter((s) => s === 0).length / stocks.length;
    expect(zero).toBeGreaterThan(0.05);
    expect(zero).toBeLessThan(0.11);
    expect(Math.max(...stocks)).toBeLessThanOrEqual(60);
  });
});
