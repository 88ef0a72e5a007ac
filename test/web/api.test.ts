/**
 * The web app's API client: request building (paths, query strings, JSON bodies, signed upload headers) and
 * error parsing, against a real node:http server on an ephemeral port that records what it receives.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, buildSearchBody, buildUrl, cleanFilters, createApi, uploadHeaders } from '../../web/src/api.ts';
import { discountPercent, formatPrice } from '../../web/src/format.ts';
import { matchRoute } from '../../web/src/router.tsx';
import { uploadPhoto, waitForAnalysis } from '../../web/src/uploads.ts';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}
type Reply = { status: number; headers?: Record<string, string>; body: string };
/** Replies served in order before falling back to `reply` (polling tests). */
const queue: Reply[] = [];

let server: http.Server;
let base: string;
const seen: Seen[] = [];
let reply: Reply = { status: 200, body: '{}' };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      const r = queue.shift() ?? reply;
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
      res.end(r.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  seen.length = 0;
  queue.length = 0;
  reply = { status: 200, body: '{}' };
});

describe('request building', () => {
  it('buildUrl skips empty values and encodes the rest', () => {
    expect(buildUrl('http://h/', '/v1/products', { category: 'Casual Shoes', gender: '', priceMin: 0, priceMax: undefined, cursor: null, x: NaN })).toBe(
      'http://h/v1/products?category=Casual+Shoes&priceMin=0',
    );
    expect(buildUrl('', '/v1/products')).toBe('/v1/products');
  });

  it('cleanFilters drops unset choices so the strict server schema only sees real ones', () => {
    expect(cleanFilters({ gender: '', baseColour: 'Navy Blue', inStock: false, priceMax: NaN, priceMin: 500 })).toEqual({ baseColour: 'Navy Blue', priceMin: 500 });
    expect(cleanFilters({ gender: '' })).toBeUndefined();
  });

  it('buildSearchBody trims text, sends alpha only for text + image and clamps it', () => {
    expect(buildSearchBody({ text: '  navy shirt ', alpha: 0.3, topK: 20 })).toEqual({ text: 'navy shirt', topK: 20 });
    expect(buildSearchBody({ text: 'in red', imageKey: 'uploads/search/u1', alpha: 1.7 })).toEqual({ text: 'in red', imageKey: 'uploads/search/u1', alpha: 1 });
    expect(buildSearchBody({ text: ' ', imageBase64: 'AAAA', alpha: 0.2 })).toEqual({ imageBase64: 'AAAA' });
    // imageKey wins over an inline image; lexical is only sent to turn it off.
    expect(buildSearchBody({ imageKey: 'k', imageBase64: 'AAAA', lexical: true })).toEqual({ imageKey: 'k' });
    expect(buildSearchBody({ text: 'x', lexical: false, filters: { gender: 'Men', usage: '' } })).toEqual({ text: 'x', lexical: false, filters: { gender: 'Men' } });
  });

  it('search POSTs JSON to /v1/search and returns the parsed response', async () => {
    reply = { status: 200, body: JSON.stringify({ results: [], tookMs: 3, searchType: 'text', alphaUsed: 0 }) };
    const api = createApi({ baseUrl: base });
    const res = await api.search({ text: 'navy slim fit checked shirt', filters: { gender: 'Men', inStock: true }, topK: 40 });
    expect(res.searchType).toBe('text');
    const req = seen[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1/search');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body.toString())).toEqual({ text: 'navy slim fit checked shirt', topK: 40, filters: { gender: 'Men', inStock: true } });
  });

  it('GET routes build their paths and query strings', async () => {
    reply = { status: 200, body: JSON.stringify({ items: [], cursor: null }) };
    const api = createApi({ baseUrl: base });
    await api.listProducts({ category: 'Tshirts', gender: 'Women', priceMin: 200, priceMax: 999, cursor: 'abc=', limit: 24 });
    await api.getProduct('15970');
    await api.similar('15970', { topK: 12 });
    await api.getUpload('u/1');
    await api.wardrobe('session-1');
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /v1/products?category=Tshirts&gender=Women&priceMin=200&priceMax=999&cursor=abc%3D&limit=24',
      'GET /v1/products/15970',
      'GET /v1/products/15970/similar?topK=12',
      'GET /v1/uploads/u%2F1',
      'GET /v1/wardrobe?ownerId=session-1',
    ]);
    expect(seen.every((s) => s.body.length === 0 && s.headers['content-type'] === undefined)).toBe(true);
  });

  it('putUpload PUTs the bytes with the signed headers, leaving Content-Length to the runtime', async () => {
    const api = createApi({ baseUrl: base });
    const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const ticket = {
      uploadId: 'u1',
      key: 'uploads/search/u1',
      url: `${base}/lookbook-uploads/uploads/search/u1?X-Amz-Signature=abc`,
      method: 'PUT' as const,
      headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '999' },
      expiresAt: new Date().toISOString(),
    };
    expect(uploadHeaders(ticket)).toEqual({ 'Content-Type': 'image/jpeg' });
    await api.putUpload(ticket, new Blob([bytes], { type: 'image/jpeg' }));
    const req = seen[0]!;
    expect(req.method).toBe('PUT');
    expect(req.url).toBe('/lookbook-uploads/uploads/search/u1?X-Amz-Signature=abc');
    expect(req.headers['content-type']).toBe('image/jpeg');
    expect(req.headers['content-length']).toBe(String(bytes.length));
    expect([...req.body]).toEqual([...bytes]);
  });
});

describe('photo uploads', () => {
  const json = (status: number, body: unknown): Reply => ({ status, body: JSON.stringify(body) });

  it('uploadPhoto asks for a ticket with type, size and purpose, then PUTs the bytes to the ticket URL', async () => {
    const api = createApi({ baseUrl: base });
    queue.push(json(201, { uploadId: 'u-1', key: 'uploads/wardrobe/u-1', url: `${base}/s3/uploads/wardrobe/u-1?sig=1`, method: 'PUT', headers: { 'content-type': 'image/png' }, expiresAt: '' }));
    queue.push({ status: 200, body: '' });
    const png = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' });
    const ticket = await uploadPhoto(png, 'wardrobe', { sessionId: 'session-1' }, api);
    expect(ticket.uploadId).toBe('u-1');
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /v1/uploads', 'PUT /s3/uploads/wardrobe/u-1?sig=1']);
    expect(JSON.parse(seen[0]!.body.toString())).toEqual({ contentType: 'image/png', contentLength: 4, purpose: 'wardrobe', sessionId: 'session-1' });
    expect(seen[1]!.headers['content-type']).toBe('image/png');
    expect(seen[1]!.body.length).toBe(4);
  });

  it('waitForAnalysis polls through pending states until the analysis is done', async () => {
    const api = createApi({ baseUrl: base });
    queue.push(json(200, { uploadId: 'u-2', status: 'pending-upload' }), json(200, { uploadId: 'u-2', status: 'pending' }));
    reply = json(200, { uploadId: 'u-2', status: 'done', analysis: { attributes: {}, colours: [], detections: [], image: { width: 1, height: 1 } } });
    const states: string[] = [];
    const a = await waitForAnalysis('u-2', { client: api, onUpdate: (x) => states.push(x.status) });
    expect(a.status).toBe('done');
    expect(states).toEqual(['pending-upload', 'pending', 'done']);
  });

  it('waitForAnalysis reports an unknown upload once the grace period is over', async () => {
    const api = createApi({ baseUrl: base });
    reply = json(404, { error: { code: 'NOT_FOUND', message: 'No upload u-3', requestId: 'r' } });
    const err = await waitForAnalysis('u-3', { client: api, notFoundGraceMs: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404, message: 'No upload u-3' });
  });
});

describe('error parsing', () => {
  it('turns the error envelope into an ApiError with status, code, message and request id', async () => {
    reply = { status: 400, body: JSON.stringify({ error: { code: 'BAD_REQUEST', message: 'Invalid body.alpha: must be at most 1', requestId: 'req-42', details: { issues: [] } } }) };
    const err = await createApi({ baseUrl: base })
      .search({ text: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'BAD_REQUEST', message: 'Invalid body.alpha: must be at most 1', requestId: 'req-42' });
  });

  it("reads API Gateway's own { message } replies", async () => {
    reply = { status: 404, body: JSON.stringify({ message: 'Not Found' }) };
    const err = await createApi({ baseUrl: base })
      .wardrobe('s')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 404, code: 'HTTP_404', message: 'Not Found' });
  });

  it('falls back to the x-request-id header and the status line when the body is not an envelope', async () => {
    reply = { status: 502, headers: { 'x-request-id': 'r-9', 'content-type': 'text/html' }, body: '<html><body>Bad gateway from a proxy that talks a lot</body></html>'.repeat(10) };
    const err = await createApi({ baseUrl: base })
      .getProduct('1')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: 'HTTP_502', requestId: 'r-9' });
    expect((err as ApiError).message).toMatch(/^502/);
  });

  it('reads S3 XML errors from a refused presigned PUT', async () => {
    reply = { status: 403, headers: { 'content-type': 'application/xml' }, body: '<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>' };
    const err = await createApi({ baseUrl: base })
      .putUpload({ uploadId: 'u', key: 'k', url: `${base}/b/k`, method: 'PUT', headers: {}, expiresAt: '' }, new Blob(['x']))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match' });
  });

  it('reports an unreachable API as a NETWORK error, not a crash', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await createApi({ baseUrl: `http://127.0.0.1:${port}` })
      .wardrobe('s')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 0, code: 'NETWORK' });
  });
});

describe('display helpers and routes', () => {
  it('formats INR with Indian digit grouping and computes discounts', () => {
    expect(formatPrice(123456, 'INR')).toBe('₹1,23,456');
    expect(formatPrice(999.6, 'INR')).toBe('₹1,000');
    expect(formatPrice(undefined)).toBe('');
    expect(discountPercent(2000, 1500)).toBe(25);
    expect(discountPercent(2000, 2000)).toBeUndefined();
  });

  it('matches the app routes', () => {
    expect(matchRoute('/')).toEqual({ name: 'search' });
    expect(matchRoute('/browse/')).toEqual({ name: 'browse' });
    expect(matchRoute('/p/15970')).toEqual({ name: 'product', id: '15970' });
    expect(matchRoute('/uploads/abc-1')).toEqual({ name: 'upload', id: 'abc-1' });
    expect(matchRoute('/wardrobe')).toEqual({ name: 'wardrobe' });
    expect(matchRoute('/nope/x')).toEqual({ name: 'notFound' });
  });
});
