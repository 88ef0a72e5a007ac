/**
 * The edge: middy + zod in, JSON out. Every HTTP handler is built with httpRoute(), so validation,
 * the error envelope, request-id logging and CORS-safe JSON are the same on every route.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { ApiError, badRequest, errorEnvelope, forbidden } from './errors.ts';
import { logger } from './observability.ts';

export type HttpEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  path: P;
  event: HttpEvent;
  context: Context;
  claims: Record<string, unknown> | undefined;
}

export interface RouteSchemas<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  body?: B;
  query?: Q;
  path?: P;
  /** Largest accepted body in bytes (after base64 decoding); 413 above it. */
  maxBodyBytes?: number;
}

export interface RouteReply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

/** Turns a zod error into a 400 that names the bad field(s). */
export function validationError(where: string, err: z.ZodError): ApiError {
  // Unknown keys carry their names in `keys`, not in `path`: name them so the 400 points at the field.
  const issues = err.issues.map((i) => {
    const keys = i.code === 'unrecognized_keys' ? i.keys : [];
    return { field: [where, ...i.path, ...keys.slice(0, 1)].join('.'), message: i.message };
  });
  const first = issues[0];
  return badRequest(`Invalid ${first?.field ?? where}: ${first?.message ?? 'invalid value'}`, { issues });
}

export function parseWith<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(where, r.error);
  return r.data;
}

function readBody(event: HttpEvent, maxBytes: number): unknown {
  if (event.body == null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > maxBytes) throw new ApiError('PAYLOAD_TOO_LARGE', `Request body is ${raw.byteLength} bytes; the limit is ${maxBytes}`);
  const type = event.headers?.['content-type'] ?? '';
  if (type && !type.includes('json')) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got ${type}`);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw badRequest('Request body is not valid JSON');
  }
}

export function claimsOf(event: HttpEvent): Record<string, unknown> | undefined {
  return event.requestContext?.authorizer?.jwt?.claims as Record<string, unknown> | undefined;
}

/** Admin = member of the Cognito "admin" group (claim cognito:groups). */
export function isAdmin(claims: Record<string, unknown> | undefined): boolean {
  const groups = claims?.['cognito:groups'];
  const list = Array.isArray(groups) ? groups : typeof groups === 'string' ? groups.replace(/[[\]]/g, '').split(/[ ,]+/) : [];
  return list.includes('admin');
}

export function requireAdmin(claims: Record<string, unknown> | undefined): void {
  if (!isAdmin(claims)) throw forbidden('This operation needs the admin role');
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode: status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Middy middleware factory: maps any thrown error to the shared envelope; only < 500 messages are shown. */
export function errorEnvelopeMiddleware() {
  return {
    onError: async (request: middy.Request<HttpEvent, HttpResult, Error, Context>) => {
      const requestId = request.context?.awsRequestId;
      const { status, body } = errorEnvelope(request.error, requestId);
      if (status >= 500) logger.error('request failed', { error: request.error as Error });
      else logger.info('request rejected', { status, code: body.error.code, reason: body.error.message });
      request.response = json(status, body, { 'x-request-id': requestId ?? '' });
    },
  };
}

export function httpRoute<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, P extends z.ZodType = z.ZodUndefined>(
  schemas: RouteSchemas<B, Q, P>,
  fn: (input: RouteInput<z.infer<B>, z.infer<Q>, z.infer<P>>) => Promise<RouteReply>,
) {
  const base = async (event: HttpEvent, context: Context): Promise<HttpResult> => {
    const body = schemas.body ? parseWith(schemas.body, readBody(event, schemas.maxBodyBytes ?? DEFAULT_MAX_BODY) ?? {}, 'body') : undefined;
    const query = schemas.query ? parseWith(schemas.query, event.queryStringParameters ?? {}, 'query') : undefined;
    const path = schemas.path ? parseWith(schemas.path, event.pathParameters ?? {}, 'path') : undefined;
    const reply = await fn({ body, query, path, event, context, claims: claimsOf(event) } as RouteInput<z.infer<B>, z.infer<Q>, z.infer<P>>);
    return json(reply.status ?? 200, reply.body, { 'x-request-id': context.awsRequestId, ...reply.headers });
  };
  return middy<HttpEvent, HttpResult, Error, Context>(base)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpHeaderNormalizer())
    .use(errorEnvelopeMiddleware());
}
