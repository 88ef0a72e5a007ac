import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { startApiServer, type ApiServer } from '../../../infra/local/api-server.ts';
import { issueLocalToken } from '../../../infra/local/auth.ts';
import type { RouteDef } from '../../../functions/routes.ts';

const echo = { entry: path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/echo-handler.ts'), timeoutSec: 10, memoryMb: 256 };
const routes = [
  { method: 'GET', path: '/v1/items/{id}', fn: 'echo', auth: 'public' },
  { method: 'GET', path: '/v1/items', fn: 'echo', auth: 'public' },
  { method: 'POST', path: '/v1/items', fn: 'echo', auth: 'public' },
  { method: 'GET', path: '/v1/items/featured', fn: 'echo', auth: 'public' },
  { method: 'GET', path: '/v1/files/{key+}', fn: 'echo', auth: 'public' },
  { method: 'GET', path: '/v1/me', fn: 'echo', auth: 'user' },
  { method: 'POST', path: '/v1/admin/things', fn: 'echo', auth: 'admin' },
] as unknown as RouteDef[];

let server: ApiServer;
let webDir: string;
const call = (p: string, init?: RequestInit) => fetch(`${server.url}${p}`, init);
const echoed = async (res: Response) => (await res.json()) as { event: APIGatewayProxyEventV2WithJWTAuthorizer; context: Record<string, unknown> };

beforeAll(async () => {
  webDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lookbook-web-'));
  server = await startApiServer({ port: 0, routes, functions: { echo }, webDir, maxBodyBytes: 1024 * 1024 });
});
afterAll(async () => {
  await server.stop();
  await fs.rm(webDir, { recursive: true, force: true });
});

describe('API Gateway v2 events', () => {
  it('builds a payload 2.0 event with path parameters, query, headers and cookies', async () => {
    const res = await call('/v1/items/a%20b?x=1&y=two&x=3', { headers: { 'X-Custom': 'Hi', cookie: 'c1=v1; c2=v2' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-echo')).toBe('yes');
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    const { event, context } = await echoed(res);
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('GET /v1/items/{id}');
    expect(event.rawPath).toBe('/v1/items/a%20b');
    expect(event.rawQueryString).toBe('x=1&y=two&x=3');
    expect(event.pathParameters).toEqual({ id: 'a b' });
    expect(event.queryStringParameters).toEqual({ x: '1,3', y: 'two' });
    expect(event.headers['x-custom']).toBe('Hi');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.cookies).toEqual(['c1=v1', 'c2=v2']);
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBeUndefined();
    const rc = event.requestContext;
    expect(rc).toMatchObject({ stage: '$default', routeKey: 'GET /v1/items/{id}', accountId: expect.any(String), apiId: expect.any(String) });
    expect(rc.http).toMatchObject({ method: 'GET', path: '/v1/items/a%20b', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' });
    expect(rc.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(rc.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(typeof rc.timeEpoch).toBe('number');
    expect(res.headers.get('apigw-requestid')).toBe(rc.requestId);
    expect(context.functionName).toBe('lookbook-echo');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.remainingMs).toBeGreaterThan(0);
    expect(context.remainingMs).toBeLessThanOrEqual(10_000);
  });

  it('prefers a literal route over a parameter and supports greedy parameters', async () => {
    expect((await echoed(await call('/v1/items/featured'))).event.routeKey).toBe('GET /v1/items/featured');
    const { event } = await echoed(await call('/v1/files/a/b/c.jpg'));
    expect(event.pathParameters).toEqual({ key: 'a/b/c.jpg' });
  });

  it('passes JSON bodies as text and binary bodies base64-encoded', async () => {
    const text = await echoed(await call('/v1/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }));
    expect(text.event.isBase64Encoded).toBe(false);
    expect(text.event.body).toBe('{"a":1}');
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x10]);
    const bin = await echoed(await call('/v1/items', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes }));
    expect(bin.event.isBase64Encoded).toBe(true);
    expect(Buffer.from(bin.event.body!, 'base64')).toEqual(bytes);
  });

  it('decodes base64 results and treats a non-structured result as a 200 JSON body', async () => {
    const bin = await call('/v1/items?mode=binary');
    expect(bin.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await bin.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
    const plain = await call('/v1/items?mode=plain');
    expect(plain.status).toBe(200);
    expect(await plain.json()).toEqual({ hello: 'world' });
  });
});

describe('API Gateway errors', () => {
  it('answers an unknown route and a wrong method with API Gateway’s 404', async () => {
    const unknown = await call('/v1/nope');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'Not Found' });
    const wrongMethod = await call('/v1/items/1', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(404);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
  });

  it('turns a handler crash into a 500 without leaking the error', async () => {
    const res = await call('/v1/items?mode=throw');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: 'Internal Server Error' });
  });

  it('rejects a body above the payload limit with 413', async () => {
    const res = await call('/v1/items', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ message: 'Request Entity Too Large' });
  });

  it('answers CORS preflights and adds CORS headers', async () => {
    const pre = await call('/v1/items', { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
    expect((await call('/v1/items')).headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('JWT authorizer', () => {
  it('rejects protected routes without a valid token', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer nope' }, { authorization: `Bearer ${issueLocalToken({ sub: 'u1', expiresInSec: -10 })}` }]) {
      const res = await call('/v1/me', { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'Unauthorized' });
    }
    const tampered = issueLocalToken({ sub: 'u1' }).replace(/\.([^.]+)\./, (_, p: string) => `.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'admin' })).toString('base64url')}.`);
    expect((await call('/v1/me', { headers: { authorization: `Bearer ${tampered}` } })).status).toBe(401);
  });

  it('passes the claims the way the authorizer does', async () => {
    const token = issueLocalToken({ sub: 'user-42', groups: ['admin', 'staff'] });
    const { event } = await echoed(await call('/v1/admin/things', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' }));
    expect(event.requestContext.authorizer.jwt.claims).toMatchObject({ sub: 'user-42', 'cognito:groups': '[admin staff]', token_use: 'access' });
    expect(typeof event.requestContext.authorizer.jwt.claims.exp).toBe('string');
    expect(event.requestContext.authorizer.jwt.scopes).toEqual(['openid']);
  });

  it('issues local tokens at POST /_local/token', async () => {
    const res = await call('/_local/token', { method: 'POST', body: JSON.stringify({ sub: 'me', groups: ['admin'] }) });
    const { token } = (await res.json()) as { token: string };
    const { event } = await echoed(await call('/v1/me', { headers: { authorization: `Bearer ${token}` } }));
    expect(event.requestContext.authorizer.jwt.claims.sub).toBe('me');
  });
});

describe('web app on the same origin', () => {
  it('shows a placeholder before the web app is built', async () => {
    const res = await call('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('web app has not been built');
  });

  it('serves files from web/dist with an SPA fallback, and never leaves the folder', async () => {
    await fs.mkdir(path.join(webDir, 'assets'), { recursive: true });
    await fs.writeFile(path.join(webDir, 'index.html'), '<!doctype html><div id="root"></div>');
    await fs.writeFile(path.join(webDir, 'assets/app.js'), 'console.log(1)');
    const asset = await call('/assets/app.js');
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(await asset.text()).toBe('console.log(1)');
    const deep = await call('/search/red-dress');
    expect(await deep.text()).toContain('id="root"');
    expect((await call('/assets/missing.js')).status).toBe(404);
    const escape = await call('/..%2f..%2f..%2fetc%2fpasswd');
    expect(await escape.text()).not.toContain('root:');
  });
});
