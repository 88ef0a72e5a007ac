/**
 * IEEE 754 half precision (binary16), the precision the index keeps vectors at: unit-vector components lose
 * nothing that ranking can see (relative error ≤ 2⁻¹¹, inner products move by ~1e-4) and the index and its
 * artifact take half the bytes. hnswlib converts natively (the patched "ip-f16" space); these are the same
 * conversions in JS, for deltas and tests. Node 20 has no Float16Array: round-to-nearest-even on encode, a
 * 65,536-entry table on decode.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bits nearest to `x` (ties to even; overflow → ±Infinity, NaN stays NaN). */
export function halfBits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit-1 mantissa into place, then round.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    let h = mant >>> shift;
    if (rem > mid || (rem === mid && h & 1)) h++;
    return sign | h;
  }
  // A carry out of the mantissa lands in the exponent, which is the correctly rounded result.
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

let table: Float32Array | undefined;

/** binary16 bits → float, for every one of the 65,536 patterns. */
function decodeTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    table[h] = exp === 0 ? sign * mant * 2 ** -24 : exp === 0x1f ? (mant ? NaN : sign * Infinity) : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return table;
}

/** The value of the binary16 bits `h`. */
export const halfToFloat = (h: number): number => decodeTable()[h];

/** The nearest half-precision values, as floats (what a vector reads back as after a save and a load). */
export function roundToHalf(v: ArrayLike<number>): Float32Array {
  const t = decodeTable();
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = t[halfBits(v[i])];
  return out;
}
