/**
 * The Cognito user pool + API Gateway JWT authorizer, locally: HS256 tokens signed with a dev secret (AWS uses
 * RS256 with the pool's JWKS; the authorizer's checks — signature, issuer, audience, expiry — are the same).
 * Claims reach the handler the way the authorizer passes them: every value a string, arrays as "[a b]".
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export const LOCAL_ISSUER = 'https://cognito-idp.local/lookbook-local';
export const LOCAL_CLIENT_ID = 'lookbook-local-client';

const secret = () => process.env.LOOKBOOK_JWT_SECRET ?? 'lookbook-local-dev-secret';
const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const sign = (input: string) => createHmac('sha256', secret()).update(input).digest();

export interface LocalTokenInput {
  sub: string;
  groups?: string[];
  username?: string;
  scopes?: string[];
  /** Lifetime in seconds; negative values make expired tokens for tests. */
  expiresInSec?: number;
}

/** A Cognito-like access token for local use and tests. */
export function issueLocalToken(input: LocalTokenInput): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: input.sub,
    iss: LOCAL_ISSUER,
    client_id: LOCAL_CLIENT_ID,
    aud: LOCAL_CLIENT_ID,
    token_use: 'access',
    username: input.username ?? input.sub,
    'cognito:groups': input.groups ?? [],
    scope: (input.scopes ?? ['openid']).join(' '),
    jti: randomUUID(),
    iat: now,
    exp: now + (input.expiresInSec ?? 3600),
  };
  const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${b64url(sign(head))}`;
}

/** Verified raw claims, or undefined for anything the authorizer would reject. */
export function verifyLocalToken(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string };
    if (header.alg !== 'HS256') return undefined;
    const expected = sign(`${h}.${p}`);
    const given = Buffer.from(s, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    if (claims.iss !== LOCAL_ISSUER) return undefined;
    if (claims.client_id !== LOCAL_CLIENT_ID && claims.aud !== LOCAL_CLIENT_ID) return undefined;
    if (typeof claims.exp !== 'number' || claims.exp <= now) return undefined;
    if (typeof claims.nbf === 'number' && claims.nbf > now) return undefined;
    return claims;
  } catch {
    return undefined;
  }
}

/** The authorizer's view of claims: strings only, arrays flattened to "[a b]". */
export function authorizerClaims(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(claims)) {
    out[k] = Array.isArray(v) ? `[${v.join(' ')}]` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** Token from an "Authorization: Bearer …" header (the authorizer's identity source). */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}
