import { describe, expect, it } from 'vitest';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { useLocalCloud } from '../../../support/local-cloud.ts';

useLocalCloud({ api: false });

describe('S3BlobStore', () => {
  it('puts, heads, lists, gets and deletes objects', async () => {
    const blobs = new S3BlobStore({ bucket: 'catalog' });
    await blobs.put('t/a.txt', new TextEncoder().encode('hello'), 'text/plain', { origin: 'test' });
    expect(await blobs.head('t/a.txt')).toMatchObject({ size: 5, contentType: 'text/plain', metadata: { origin: 'test' } });
    expect(await blobs.list('t/')).toEqual(['t/a.txt']);
    expect(new TextDecoder().decode(await blobs.get('t/a.txt'))).toBe('hello');
    await blobs.delete('t/a.txt');
    expect(await blobs.get('t/a.txt')).toBeUndefined();
    expect(await blobs.head('t/a.txt')).toBeUndefined();
  });

  it('streams an object or a byte range of it as it arrives (several MB: more than one chunk), and nothing for a missing one', async () => {
    const blobs = new S3BlobStore({ bucket: 'artifacts' });
    const bytes = Uint8Array.from({ length: 3 << 20 }, (_, i) => (i * 7) % 251);
    await blobs.put('t/big.bin', bytes);
    const read = async (range?: { start: number; end: number }) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of (await blobs.stream('t/big.bin', range))!) chunks.push(chunk);
      return { chunks: chunks.length, bytes: Buffer.concat(chunks) };
    };
    const whole = await read();
    expect(whole.chunks).toBeGreaterThan(1);
    expect(whole.bytes.equals(bytes)).toBe(true);
    expect((await read({ start: 1000, end: 2_500_000 })).bytes.equals(bytes.subarray(1000, 2_500_000))).toBe(true);
    expect(await blobs.stream('t/none.bin')).toBeUndefined();
    await blobs.delete('t/big.bin');
  });

  it('conditional puts write only over the object as it was read (If-Match / If-None-Match), like S3', async () => {
    const blobs = new S3BlobStore({ bucket: 'artifacts' });
    const text = (s: string) => new TextEncoder().encode(s);
    expect(await blobs.getTagged('t/cas.json')).toBeUndefined();
    expect(await blobs.putIf('t/cas.json', text('v1'), 'absent')).toBe(true);
    expect(await blobs.putIf('t/cas.json', text('v1 again'), 'absent')).toBe(false);
    const first = (await blobs.getTagged('t/cas.json'))!;
    expect(new TextDecoder().decode(first.body)).toBe('v1');

    expect(await blobs.putIf('t/cas.json', text('v2'), { etag: first.etag })).toBe(true);
    // The ETag read before v2 no longer holds: nothing is written.
    expect(await blobs.putIf('t/cas.json', text('v2 from a stale reader'), { etag: first.etag })).toBe(false);
    const second = (await blobs.getTagged('t/cas.json'))!;
    expect(new TextDecoder().decode(second.body)).toBe('v2');
    expect(second.etag).not.toBe(first.etag);

    // Many writers holding the same ETag at once: exactly one wins.
    const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => blobs.putIf('t/cas.json', text(`v3 by writer ${i}`), { etag: second.etag })));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(new TextDecoder().decode(await blobs.get('t/cas.json'))).toBe(`v3 by writer ${wins.indexOf(true)}`);

    await blobs.delete('t/cas.json');
    expect(await blobs.putIf('t/cas.json', text('v4'), { etag: second.etag })).toBe(false);
    expect(await blobs.get('t/cas.json')).toBeUndefined();
  });

  it('urlFor presigns a GET that works without credentials', async () => {
    const blobs = new S3BlobStore({ bucket: 'catalog' });
    await blobs.put('t/img.bin', new Uint8Array([1, 2, 3]));
    const url = await blobs.urlFor('t/img.bin', 60);
    expect(url).toMatch(/X-Amz-Signature=/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([1, 2, 3]);
    // A tampered signature is refused: the URL is really signed, not just public.
    expect((await fetch(url.replace(/X-Amz-Signature=[0-9a-f]{4}/, 'X-Amz-Signature=0000'))).status).toBe(403);
  });

  it('urlFor uses the CloudFront base URL when configured', async () => {
    const blobs = new S3BlobStore({ bucket: 'catalog', publicBaseUrl: 'https://d123.cloudfront.net/' });
    expect(await blobs.urlFor('products/15970.jpg')).toBe('https://d123.cloudfront.net/products/15970.jpg');
  });
});
