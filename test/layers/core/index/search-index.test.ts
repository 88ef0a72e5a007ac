import { describe, expect, it } from 'vitest';
import { randomUnitVector } from '#core/index/vectors';
import { mulberry32 } from '#core/random';
import { syntheticIndex, syntheticItem } from './fixtures.ts';

describe('SearchIndex.named', () => {
  it('finds every product with the attributes a query names, and follows adds, replacements and removals', () => {
    const { index } = syntheticIndex(200);
    const intent = index.intent.parse('red dresses');
    const expected = (ids: Iterable<string>) => [...ids].filter((id) => index.items.get(id)!.baseColour === 'Red' && index.items.get(id)!.articleType === 'Dresses').sort();
    const before = index.named(intent);
    expect(before.length).toBeGreaterThan(0);
    expect([...before].sort()).toEqual(expected(index.items.keys()));

    const rand = mulberry32(3);
    const [gone, changed] = before;
    index.remove(gone);
    index.add({ ...index.items.get(changed)!, baseColour: 'White' }, randomUnitVector(16, rand)); // replaced: no longer red
    index.add({ ...syntheticItem(999), id: 'new-red-dress', articleType: 'Dresses', baseColour: 'Red' }, randomUnitVector(16, rand));
    const after = index.named(intent);
    expect(after).toContain('new-red-dress');
    expect(after).not.toContain(gone);
    expect(after).not.toContain(changed);
    expect([...after].sort()).toEqual(expected(index.items.keys()));
    expect(index.named(index.intent.parse('something else entirely'))).toEqual([]);
  });
});
