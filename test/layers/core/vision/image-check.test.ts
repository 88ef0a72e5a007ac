import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { checkImage, sniffFormat, IMAGE_LIMITS, cropRgb } from '#core/vision/image-check';
import { ImageRejectedError } from '#core/vision/errors';
import { garment, notAnImage, oversizedJpeg, pngBomb, truncatedJpeg } from './images.ts';

async function rejection(p: Promise<unknown>): Promise<ImageRejectedError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageRejectedError);
  return err as ImageRejectedError;
}

describe('checkImage', () => {
  it('accepts JPEG, PNG and WebP and sniffs each by its magic bytes', async () => {
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const bytes = await garment('#2050c0', { format });
      expect(sniffFormat(bytes)).toBe(format);
      const img = await checkImage(bytes, { declaredType: `image/${format}` });
      expect(img).toMatchObject({ format, width: 300, height: 400 });
      expect(img.rgb.data.length).toBe(img.rgb.width * img.rgb.height * 3);
    }
  });

  it('refuses zero bytes, a non-image, a truncated JPEG, an oversized file and a decompression bomb, each with its reason', async () => {
    expect((await rejection(checkImage(new Uint8Array(0)))).reason).toBe('EMPTY');
    expect((await rejection(checkImage(notAnImage()))).reason).toBe('NOT_AN_IMAGE');
    expect((await rejection(checkImage(await truncatedJpeg()))).reason).toBe('TRUNCATED');
    const big = await oversizedJpeg();
    expect(big.length).toBeGreaterThan(IMAGE_LIMITS.maxBytes);
    expect((await rejection(checkImage(big))).reason).toBe('TOO_LARGE');
    const bomb = await rejection(checkImage(await pngBomb()));
    expect(bomb.reason).toBe('TOO_MANY_PIXELS');
    expect(bomb.message).toContain('30000×30000');
  });

  it('refuses bytes that disagree with the declared (signed) content type', async () => {
    const err = await rejection(checkImage(await garment(), { declaredType: 'image/png' }));
    expect(err.reason).toBe('TYPE_MISMATCH');
    expect(err.message).toMatch(/Declared image\/png but the bytes are image\/jpeg/);
  });

  it('applies EXIF orientation and keeps no metadata in what it hands on', async () => {
    // 300×200 landscape pixels tagged "rotate 90°": upright it is portrait 200×300.
    const tagged = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#808080' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(tagged).metadata()).orientation).toBe(6);
    const img = await checkImage(tagged);
    expect([img.width, img.height]).toEqual([200, 300]);
    expect([img.rgb.width, img.rgb.height]).toEqual([200, 300]);
    // The working copy is raw pixels: re-encoding it yields no EXIF at all.
    const reencoded = await sharp(img.rgb.data, { raw: { width: img.rgb.width, height: img.rgb.height, channels: 3 } }).jpeg().toBuffer();
    expect((await sharp(reencoded).metadata()).exif).toBeUndefined();
  });

  it('shrinks large images to the working size without enlarging small ones', async () => {
    const large = await sharp({ create: { width: 3000, height: 1500, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const img = await checkImage(large);
    expect([img.width, img.rgb.width, img.rgb.height]).toEqual([3000, IMAGE_LIMITS.workingSide, IMAGE_LIMITS.workingSide / 2]);
    const crop = cropRgb(img.rgb, { x: 10, y: 10, width: 100, height: 50 });
    expect([crop.width, crop.height]).toEqual([100, 50]);
  });
});
