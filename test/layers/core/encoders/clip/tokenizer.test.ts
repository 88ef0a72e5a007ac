/**
 * Golden cases for the CLIP tokenizer. Where the values come from:
 *  - "a photo of a cat" / "a photo of a dog": the ids every CLIP user knows, e.g. elixir-nx/bumblebee
 *    test/bumblebee/text/clip_tokenizer_test.exs (HF openai/clip-vit-base-patch32 tokenizer).
 *  - "the quick brown fox jumped over the lazy dog": apple/corenet's test of its OpenAI CLIP tokenizer
 *    (tests/.../test_openai_clip_tokenizer.py, bpe_simple_vocab_16e6 from openai/CLIP).
 *  - "Hello, world!", special characters, emoji, Chinese, the long sentence: a public vitest suite of a
 *    TypeScript CLIP BPE port (`expectClipTokens`, found with the code search), cross-checked by hand below.
 *  - Contractions, numbers, HTML entities, special tokens: derived by reasoning through simple_tokenizer.py;
 *    the single-character ids follow from bytes_to_unicode's order ('!' = 0 … '~' = 93, +256 for the '</w>' forms).
 * The special-token case follows the reference (its regex and cache keep <|startoftext|> whole → 49406); some
 * ports treat it as literal text instead.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bytesToUnicode, cleanText, htmlUnescape, loadClipTokenizer, type ClipTokenizer } from '#core/encoders/clip/tokenizer';
import { ensureClipVocab } from './vocab.ts';

let tok: ClipTokenizer;
beforeAll(async () => {
  await ensureClipVocab();
  tok = loadClipTokenizer();
});
const ids = (text: string) => [tok.sotId, ...tok.encode(text), tok.eotId];

describe('CLIP tokenizer vocabulary', () => {
  it('has the reference layout: 256 bytes, 256 end-of-word bytes, 48,894 merges, two special tokens', () => {
    expect(tok.vocabSize).toBe(49408);
    expect(tok.sotId).toBe(49406);
    expect(tok.eotId).toBe(49407);
  });

  it('maps bytes like bytes_to_unicode: printable bytes to themselves, the rest from U+0100', () => {
    const table = bytesToUnicode();
    expect(table['a'.charCodeAt(0)]).toBe('a');
    expect(table[0x20]).toBe('\u0120'); // space → Ġ
    expect(table[0]).toBe('\u0100');
    expect(new Set(table).size).toBe(256);
  });
});

describe('CLIP tokenizer golden ids', () => {
  it.each([
    ['a photo of a cat', [49406, 320, 1125, 539, 320, 2368, 49407]],
    ['a photo of a dog', [49406, 320, 1125, 539, 320, 1929, 49407]],
    ['the quick brown fox jumped over the lazy dog', [49406, 518, 3712, 2866, 3240, 16901, 962, 518, 10753, 1929, 49407]],
    ['Hello, world!', [49406, 3306, 267, 1002, 256, 49407]],
    ['Special characters: !@#$%^&*()', [49406, 1689, 6564, 281, 0, 31, 2, 3, 4, 61, 5, 9, 8475, 49407]],
    ['😀 😃 😄', [49406, 7334, 8520, 7624, 49407]],
    ['你好世界', [49406, 47466, 254, 29290, 121, 19759, 244, 163, 243, 490, 49407]],
  ])('%s', (text, expected) => {
    expect(ids(text)).toEqual(expected);
  });

  it('lower-cases and collapses whitespace before splitting', () => {
    expect(ids('  A   PHOTO\tof\na CAT  ')).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    expect(ids('')).toEqual([49406, 49407]);
    expect(ids('   \t\n')).toEqual([49406, 49407]);
  });

  it("splits contractions and single digits as the reference regex does ('s 't 're 've 'm 'll 'd, [\\p{N}])", () => {
    // "i'm" → i</w> 'm</w>; every digit is its own pre-token: "2"=17+256=273, "0"=271, "4"=275.
    expect(tok.encode("I'm")).toEqual([328, 880]);
    expect(tok.encode('2024')).toEqual([273, 271, 273, 275]);
    expect(tok.decode(tok.encode("it's 2024's best"))).toBe("it 's 2 0 2 4 's best ");
    expect(tok.decode(tok.encode("we're, they've, you'll, he'd, don't"))).toBe("we 're , they 've , you 'll , he 'd , don 't ");
  });

  it('keeps runs of punctuation together and apart from letters', () => {
    // "!!" is one pre-token and one merged id; "t-shirt" is t / - / shirt.
    expect(tok.decode(tok.encode('T-shirt!!'))).toBe('t - shirt !! ');
    expect(tok.encode('!!').length).toBe(1);
  });

  it('unescapes HTML entities (twice) and NFC-normalises', () => {
    expect(htmlUnescape('Tom &amp; Jerry &#39;s &#x263A;')).toBe("Tom & Jerry 's \u263a");
    expect(cleanText('&amp;amp;')).toBe('&'); // double unescape, as the reference
    expect(tok.encode('caf&eacute;')).toEqual(tok.encode('café'));
    expect(tok.encode('cafe\u0301')).toEqual(tok.encode('café')); // decomposed é → NFC
  });

  it('treats the special tokens as single ids, as the reference regex and cache do', () => {
    expect(tok.encode('text with <|startoftext|> in the middle')).toEqual([4160, 593, 49406, 530, 518, 3694]);
    expect(tok.encode('<|endoftext|>')).toEqual([49407]);
  });

  it('round-trips through decode', () => {
    expect(tok.decode(tok.encode('Navy Blue slim-fit checked shirt'))).toBe('navy blue slim - fit checked shirt ');
  });
});

describe('tokenize to 77 ids', () => {
  const long =
    'A very long sentence that goes on and on and should definitely exceed the normal context length to see how the tokenizer handles truncation when we have way too many tokens';

  it('pads with zeros to the context length, int64, one row per text', () => {
    const out = tok.tokenize(['a photo of a cat', long]);
    expect(out.dims).toEqual([2, 77]);
    expect(out.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(out.data.slice(0, 8), Number)).toEqual([49406, 320, 1125, 539, 320, 2368, 49407, 0]);
    expect(out.data.slice(7, 77).every((v) => v === 0n)).toBe(true);
    // The 33-token sentence fits: ids from the public vitest suite cited above.
    expect(Array.from(out.data.slice(77, 77 + 35), Number)).toEqual([
      49406, 320, 1070, 1538, 12737, 682, 2635, 525, 537, 525, 537, 1535, 4824, 32521, 518, 5967, 13089, 10130, 531, 862, 829, 518,
      32634, 23895, 22124, 16163, 21367, 827, 649, 720, 923, 1256, 1346, 23562, 49407,
    ]);
    expect(out.lengths).toEqual([7, 35]);
  });

  it('throws on a text that is too long unless truncating, and truncation keeps the end token', () => {
    const tooLong = `${long} ${long} ${long}`;
    expect(() => tok.tokenize(tooLong)).toThrow(/too long/);
    const out = tok.tokenize(tooLong, { truncate: true });
    const row = Array.from(out.data, Number);
    expect(row).toHaveLength(77);
    expect(row[0]).toBe(49406);
    expect(row[76]).toBe(49407);
    expect(row.slice(1, 76)).toEqual(ids(tooLong).slice(1, 76));
  });

  it('honours a custom context length', () => {
    const out = tok.tokenize('a photo of a cat', { contextLength: 5, truncate: true });
    expect(Array.from(out.data, Number)).toEqual([49406, 320, 1125, 539, 49407]);
  });
});
