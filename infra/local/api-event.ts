/**
 * API Gateway HTTP API, payload format 2.0: route matching over functions/routes.ts paths, the event a Lambda
 * integration receives, and how the integration's result becomes an HTTP response.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export interface RouteLike {
  method: string;
  path: string;
}

interface CompiledRoute<R extends RouteLike> {
  route: R;
  regex: RegExp;
  params: string[];
  /** Literal characters; API Gateway prefers the most specific route. */
  specificity: number;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles "/v1/products/{id}" and greedy "/files/{key+}" into matchers. */
export function compileRoutes<R extends RouteLike>(routes: readonly R[]): CompiledRoute<R>[] {
  return routes
    .map((route) => {
      const params: string[] = [];
      const source = route.path.replace(/\{([^}]+)\}|[^{]+/g, (part, name: string | undefined) => {
        if (!name) return escapeRe(part);
        const greedy = name.endsWith('+');
        params.push(greedy ? name.slice(0, -1) : name);
        return greedy ? '(.+)' : '([^/]+)';
      });
      return { route, regex: new RegExp(`^${source}$`), params, specificity: route.path.replace(/\{[^}]+\}/g, '').length };
    })
    .sort((a, b) => b.specificity - a.specificity);
}

export interface RouteMatch<R extends RouteLike> {
  route: R;
  pathParameters: Record<string, string>;
}

/** `pathExists` tells a wrong method on a known path apart from an unknown path. */
export function matchRoute<R extends RouteLike>(
  compiled: CompiledRoute<R>[],
  method: string,
  rawPath: string,
): { match?: RouteMatch<R>; pathExists: boolean } {
  let pathExists = false;
  for (const c of compiled) {
    const m = c.regex.exec(rawPath);
    if (!m) continue;
    pathExists = true;
    if (c.route.method !== method) continue;
    const pathParameters: Record<string, string> = {};
    c.params.forEach((name, i) => {
      const value = m[i + 1]!;
      try {
        pathParameters[name] = decodeURIComponent(value);
      } catch {
        pathParameters[name] = value;
      }
    });
    return { match: { route: c.route, pathParameters }, pathExists };
  }
  return { pathExists };
}

/** Bodies API Gateway passes as text; everything else arrives base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type === 'application/xml' ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded' ||
    type.endsWith('+json') ||
    type.endsWith('+xml')
  );
}

export interface EventInput {
  method: string;
  /** Request target as received: path and query. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp: string;
  routeKey: string;
  pathParameters: Record<string, string>;
  claims?: Record<string, string>;
  scopes?: string[];
  domainName: string;
  apiId?: string;
}

export function buildEventV2(input: EventInput): APIGatewayProxyEventV2WithJWTAuthorizer {
  const q = input.url.indexOf('?');
  const rawPath = q < 0 ? input.url : input.url.slice(0, q);
  const rawQueryString = q < 0 ? '' : input.url.slice(q + 1);

  // Lowercase names; repeated headers joined by commas; cookies move to their own field.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) {
    if (value === undefined || name === 'cookie') continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const cookieHeader = input.headers.cookie;
  const cookies = cookieHeader ? (Array.isArray(cookieHeader) ? cookieHeader : [cookieHeader]).flatMap((c) => c.split(/;\s*/)).filter(Boolean) : undefined;

  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQueryString)) {
    queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
  }

  const text = isTextContentType(headers['content-type']);
  const hasBody = input.body.length > 0;
  const now = new Date();
  const apiId = input.apiId ?? 'local';
  return {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath,
    rawQueryString,
    cookies,
    headers,
    queryStringParameters: Object.keys(queryStringParameters).length ? queryStringParameters : undefined,
    pathParameters: Object.keys(input.pathParameters).length ? input.pathParameters : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId,
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: input.claims ?? {}, scopes: input.scopes ?? [] } },
      domainName: input.domainName,
      domainPrefix: input.domainName.split('.')[0]!,
      http: {
        method: input.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: input.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: input.routeKey,
      stage: '$default',
      time: formatApigwTime(now),
      timeEpoch: now.getTime(),
    },
    body: hasBody ? (text ? input.body.toString('utf8') : input.body.toString('base64')) : undefined,
    isBase64Encoded: hasBody && !text,
    stageVariables: undefined,
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "25/Nov/2026:13:20:00 +0000", API Gateway's requestContext.time format. */
function formatApigwTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * Payload 2.0 response rules: a structured result is used as given; anything else (a string, an object without
 * statusCode) is treated as a 200 JSON body.
 */
export function replyFromResult(result: unknown): HttpReply {
  const structured = typeof result === 'object' && result !== null && 'statusCode' in result;
  if (!structured) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { status: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: Buffer.from(body, 'utf8') };
  }
  const r = result as APIGatewayProxyStructuredResultV2;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const raw = r.body ?? '';
  return {
    status: r.statusCode ?? 200,
    headers,
    cookies: r.cookies ?? [],
    body: r.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8'),
  };
}
