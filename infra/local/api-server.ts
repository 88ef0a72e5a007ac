/**
 * API Gateway (HTTP API) + Lambda, locally: a node:http server built from the route table in functions/routes.ts.
 * Each request becomes a payload-2.0 event for the very handler module the stack deploys; the JWT authorizer,
 * the 10 MB payload limit, CORS and API Gateway's own error bodies are emulated. Non-API GETs serve the web app.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { routes as defaultRoutes, functions as defaultFunctions, routeKey, type RouteDef } from '#functions/routes';
import { buildEventV2, compileRoutes, matchRoute, replyFromResult } from './api-event.ts';
import { authorizerClaims, bearerToken, issueLocalToken, verifyLocalToken } from './auth.ts';
import { invoke, lambdaContext, repoRoot, type LocalFunction } from './lambda.ts';
import { listenLocal, type Listening } from './listen.ts';
import { serveWeb } from './web-static.ts';

/** API Gateway's request payload limit. */
export const API_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface ApiServerOptions {
  port?: number;
  host?: string;
  routes?: readonly RouteDef[];
  functions?: Record<string, LocalFunction>;
  /** Built web app; default web/dist in the repo. */
  webDir?: string;
  maxBodyBytes?: number;
  /** Access-Control-Allow-Origin for API responses (the stack allows the web origin). */
  corsOrigin?: string;
  /** POST /_local/token {sub, groups} → a local JWT, standing in for the Cognito hosted UI. Default on. */
  tokenEndpoint?: boolean;
  log?: (msg: string) => void;
}

export type ApiServer = Listening;

const CORS_HEADERS = 'authorization,content-type,x-request-id';

function apigwError(res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}) {
  const body = JSON.stringify({ message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

class BodyTooLarge extends Error {}

/**
 * Reads the body; above `limit` it keeps reading (and dropping) up to 8× the limit so the client gets to read
 * the 413 instead of a reset connection, then rejects with BodyTooLarge.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > 8 * limit) req.destroy();
    });
    req.on('end', () => (size > limit ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
    req.on('close', () => size > limit && reject(new BodyTooLarge()));
  });
}

export async function startApiServer(opts: ApiServerOptions = {}): Promise<ApiServer> {
  const routes = opts.routes ?? defaultRoutes;
  const fns: Record<string, LocalFunction> = opts.functions ?? defaultFunctions;
  const compiled = compileRoutes(routes);
  const apiPrefixes = new Set(routes.map((r) => r.path.split('/')[1]));
  const webDir = opts.webDir ?? path.join(repoRoot, 'web/dist');
  const maxBody = opts.maxBodyBytes ?? API_MAX_BODY_BYTES;
  const corsOrigin = opts.corsOrigin ?? '*';
  const log = opts.log ?? (() => undefined);
  const methods = [...new Set(routes.map((r) => r.method))].join(',');

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const rawPath = url.split('?')[0]!;
    const cors = { 'access-control-allow-origin': corsOrigin, 'access-control-expose-headers': 'x-request-id' };

    if (method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.writeHead(204, { ...cors, 'access-control-allow-methods': methods, 'access-control-allow-headers': CORS_HEADERS, 'access-control-max-age': '600' });
      return void res.end();
    }

    if (opts.tokenEndpoint !== false && method === 'POST' && rawPath === '/_local/token') {
      let input: { sub?: string; groups?: string[] };
      try {
        input = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8') || '{}') as typeof input;
      } catch {
        return apigwError(res, 400, 'Body must be JSON: {"sub": "...", "groups": ["admin"]}', cors);
      }
      const token = issueLocalToken({ sub: input.sub ?? 'local-user', groups: input.groups ?? [] });
      const body = JSON.stringify({ token, tokenType: 'Bearer' });
      res.writeHead(200, { 'content-type': 'application/json', ...cors });
      return void res.end(body);
    }

    const { match, pathExists } = matchRoute(compiled, method, rawPath);
    if (!match) {
      const isApiPath = apiPrefixes.has(rawPath.split('/')[1]);
      if ((method === 'GET' || method === 'HEAD') && !isApiPath) return serveWeb(webDir, rawPath, method, res);
      // HTTP APIs answer an unrouted method with the same 404 as an unknown path.
      return apigwError(res, 404, 'Not Found', pathExists ? { ...cors, allow: routes.filter((r) => compiled.some((c) => c.route === r && c.regex.test(rawPath))).map((r) => r.method).join(',') } : cors);
    }

    const route = match.route;
    let claims: Record<string, string> | undefined;
    let scopes: string[] | undefined;
    if (route.auth !== 'public') {
      const verified = verifyLocalToken(bearerToken(req.headers.authorization) ?? '');
      if (!verified) return apigwError(res, 401, 'Unauthorized', { ...cors, 'www-authenticate': 'Bearer' });
      claims = authorizerClaims(verified);
      scopes = typeof verified.scope === 'string' ? verified.scope.split(' ').filter(Boolean) : undefined;
    }

    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      return apigwError(res, 413, 'Request Entity Too Large', { ...cors, connection: 'close' });
    }

    const fn = fns[route.fn];
    if (!fn) throw new Error(`route ${routeKey(route)} names unknown function ${route.fn}`);
    const event = buildEventV2({
      method,
      url,
      headers: req.headers,
      body,
      sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
      routeKey: routeKey(route),
      pathParameters: match.pathParameters,
      claims,
      scopes,
      domainName: req.headers.host ?? '127.0.0.1',
    });
    const functionName = `lookbook-${route.fn}`;
    const context = lambdaContext(functionName, fn);
    let result: unknown;
    try {
      result = await invoke(functionName, fn, event, context);
    } catch (err) {
      log(`[api] ${functionName} failed on ${routeKey(route)}: ${(err as Error).stack ?? err}`);
      return apigwError(res, 500, 'Internal Server Error', { ...cors, 'apigw-requestid': event.requestContext.requestId });
    }
    const reply = replyFromResult(result);
    const headers: Record<string, string | string[]> = { ...cors, 'apigw-requestid': event.requestContext.requestId, ...reply.headers };
    if (reply.cookies.length) headers['set-cookie'] = reply.cookies;
    headers['content-length'] = String(reply.body.length);
    res.writeHead(reply.status, headers);
    res.end(method === 'HEAD' ? undefined : reply.body);
  }

  const server = http.createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => log(`[api] ${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
    handle(req, res).catch((err: unknown) => {
      log(`[api] ${req.method} ${req.url} crashed: ${(err as Error).stack ?? err}`);
      if (!res.headersSent) apigwError(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });
  return listenLocal(server, opts);
}
