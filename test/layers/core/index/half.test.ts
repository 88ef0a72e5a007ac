import { describe, expect, it } from 'vitest';
import { halfBits, halfToFloat, roundToHalf } from '#core/index/half';
import { randomUnitVector } from '#core/index/vectors';
import { mulberry32 } from '#core/random';

describe('binary16', () => {
  it('encodes reference bit patterns (normals, subnormals, ties to even, overflow, signed zero, NaN)', () => {
    expect(halfBits(1)).toBe(0x3c00);
    expect(halfBits(-2)).toBe(0xc000);
    expect(halfBits(0.333251953125)).toBe(0x3555);
    expect(halfBits(65504)).toBe(0x7bff);
    expect(halfBits(65520)).toBe(0x7c00); // rounds past the largest half → Infinity
    expect(halfBits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(halfBits(2 ** -26)).toBe(0x0000); // below half of it → zero
    expect(halfBits(1 + 2 ** -11)).toBe(0x3c00); // tie → even mantissa
    expect(halfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even mantissa (up)
    expect(halfBits(-0)).toBe(0x8000);
    expect(halfBits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(halfBits(Number.NaN) & 0x3ff).not.toBe(0);
  });

  it('decodes every pattern back to itself and keeps unit vectors within 2⁻¹¹ relative error', () => {
    const wrong = Array.from({ length: 65536 }, (_, h) => h).filter((h) => !Number.isNaN(halfToFloat(h)) && halfBits(halfToFloat(h)) !== h);
    expect(wrong).toEqual([]);
    const v = randomUnitVector(422, mulberry32(3));
    const r = roundToHalf(v);
    for (let i = 0; i < v.length; i++) expect(Math.abs(r[i] - v[i])).toBeLessThanOrEqual(Math.abs(v[i]) * 2 ** -11 + 2 ** -25);
    expect(Array.from(roundToHalf(r))).toEqual(Array.from(r)); // rounding is idempotent
  });
});
