import { describe, expect, it } from 'vitest';
import type { IndexedItem } from '#core/index/artifact';
import { decodeItems, encodeItems, plainItem } from '#core/index/item-columns';
import { syntheticItem } from './fixtures.ts';

const items: IndexedItem[] = [
  syntheticItem(0),
  { ...syntheticItem(1), title: 'Crème brûlée kurta — 刺繍', colours: ['Navy Blue', 'White', 'Navy Blue'], keywords: '' },
  { ...syntheticItem(2), imageKey: undefined, colours: [], price: 1234.5, stock: 0 },
  { ...syntheticItem(3), id: 'upload-ä-3', brand: 'Ünïcode' },
];
// Label 1 was removed (hnswlib keeps it marked deleted); the others map to the items out of order.
const labels = ['10000', null, 'upload-ä-3', '10001', '10002'];

describe('items.bin', () => {
  it('gives back every field of every item, and the label map', () => {
    const { labels: read, items: loaded } = decodeItems(encodeItems(labels, items));
    expect(read).toEqual(labels);
    expect(loaded.map(plainItem)).toEqual(items.map(plainItem));
    expect(loaded[2].imageKey).toBeUndefined();
    expect(loaded[1].colours).toEqual(['Navy Blue', 'White', 'Navy Blue']);
    // JSON (deltas, logs) sees the fields, not the view's internals.
    expect(JSON.parse(JSON.stringify(loaded[3]))).toEqual(plainItem(items[3]));
  });

  it('reads bytes at any offset (a view into a larger download), and an empty catalog', () => {
    const bytes = encodeItems(labels, items);
    const shifted = new Uint8Array(bytes.byteLength + 3);
    shifted.set(bytes, 3);
    expect(decodeItems(shifted.subarray(3)).items.map(plainItem)).toEqual(items.map(plainItem));
    expect(decodeItems(encodeItems([], []))).toEqual({ labels: [], items: [] });
  });

  it('refuses bytes that do not fit the layout', () => {
    const bytes = encodeItems(labels, items);
    expect(() => decodeItems(bytes.subarray(0, 3))).toThrow(/too short/);
    expect(() => decodeItems(bytes.subarray(0, bytes.byteLength - 8))).toThrow(/cut short|layout needs/);
    const longer = new Uint8Array(bytes.byteLength + 8);
    longer.set(bytes);
    expect(() => decodeItems(longer)).toThrow(/layout needs/);
    // A code past its dictionary: the brand codes are the last Uint16 section before the colours.
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    const header = JSON.parse(Buffer.from(bytes.subarray(4, 4 + headerLength)).toString());
    const bad = bytes.slice();
    const view = new DataView(bad.buffer);
    let at = (4 + headerLength + 7) & ~7;
    at += ((4 * labels.length + 7) & ~7) + 2 * 8 * items.length; // labelRow, price, stock
    at += 8 * ((2 * items.length + 7) & ~7); // the first eight categorical fields
    view.setUint16(at, header.dict.brand.length, true);
    expect(() => decodeItems(bad)).toThrow(/brand: \d+ out of range/);
    expect(() => encodeItems(['nope'], items)).toThrow(/not an item/);
  });
});
