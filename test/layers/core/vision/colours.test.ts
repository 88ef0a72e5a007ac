import { describe, expect, it } from 'vitest';
import { checkImage } from '#core/vision/image-check';
import { dominantColours, kmeans } from '#core/vision/colours';
import { COLOUR_NAMES, COLOUR_REFERENCES, nameColour, rgbToLab } from '#core/vision/colour-names';
import { garment, twoTone } from './images.ts';

describe('colour vocabulary', () => {
  it('covers the catalog baseColour values (46 names without "NA") and names each reference as itself', () => {
    expect(COLOUR_NAMES).toHaveLength(46);
    expect(new Set(COLOUR_NAMES).size).toBe(46);
    for (const [name, [r, g, b]] of COLOUR_REFERENCES) expect(nameColour(rgbToLab(r, g, b)).name).toBe(name);
  });

  it('converts sRGB to Lab like the reference formulas', () => {
    const white = rgbToLab(255, 255, 255);
    expect(white[0]).toBeCloseTo(100, 1);
    expect(Math.abs(white[1]) + Math.abs(white[2])).toBeLessThan(0.1);
    const red = rgbToLab(255, 0, 0);
    expect(red[0]).toBeCloseTo(53.24, 1);
    expect(red[1]).toBeCloseTo(80.09, 0);
  });
});

describe('dominantColours', () => {
  it('finds the garment colour on a white ground, not the background', async () => {
    const img = await checkImage(await garment('#c0202a'));
    const r = dominantColours(img.rgb);
    expect(r.dominant).toBe('Red');
    expect(r.colours[0].share).toBeGreaterThan(0.8);
    expect(r.colours.map((c) => c.name)).not.toContain('White');
    expect(r.foregroundShare).toBeGreaterThan(0.2);
  });

  it('gives two colours about half each, named in the vocabulary', async () => {
    const img = await checkImage(await twoTone('#1e2648', '#f2d434'));
    const r = dominantColours(img.rgb);
    const byName = Object.fromEntries(r.colours.map((c) => [c.name, c.share]));
    expect(byName['Navy Blue']).toBeGreaterThan(0.4);
    expect(byName['Yellow']).toBeGreaterThan(0.4);
  });

  it('is deterministic (seeded k-means++)', async () => {
    const img = await checkImage(await twoTone('#1e2648', '#f2d434'));
    expect(dominantColours(img.rgb)).toEqual(dominantColours(img.rgb));
    const pts = Array.from({ length: 50 }, (_, i) => [i < 25 ? 10 : 90, 0, 0] as [number, number, number]);
    const { centres, counts } = kmeans(pts, 2);
    expect(counts.sort()).toEqual([25, 25]);
    expect(centres.map((c) => c[0]).sort((a, b) => a - b)).toEqual([10, 90]);
  });
});
