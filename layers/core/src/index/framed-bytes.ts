/**
 * The framing of the index artifact's binary files (lexical.bin, items.bin): a u32 (little-endian) header length,
 * the JSON header, then the binary body from the next multiple of `align` bytes, so that typed-array views of a
 * download line up.
 */
/** `n` rounded up to a multiple of `align`. */
export const aligned = (n: number, align: number) => Math.ceil(n / align) * align;

/** A zeroed buffer with `header` written in front of `bodyBytes` bytes of body, which start at `bodyAt`. */
export function framed(header: unknown, bodyBytes: number, align: number): { out: Uint8Array<ArrayBuffer>; bodyAt: number } {
  const json = Buffer.from(JSON.stringify(header));
  const bodyAt = aligned(4 + json.byteLength, align);
  const out = new Uint8Array(bodyAt + bodyBytes);
  new DataView(out.buffer).setUint32(0, json.byteLength, true);
  out.set(json, 4);
  return { out, bodyAt };
}

/** The header of framed bytes and where their body starts; `fail` on bytes too short to hold them. */
export function unframed<T>(bytes: Uint8Array, align: number, fail: (why: string) => never): { header: T; bodyAt: number } {
  if (bytes.byteLength < 4) fail('too short');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + headerLength > bytes.byteLength) fail('header cut short');
  const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 4, headerLength).toString('utf8')) as T;
  return { header, bodyAt: aligned(4 + headerLength, align) };
}
