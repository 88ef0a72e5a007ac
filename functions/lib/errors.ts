/**
 * One error catalogue for every route: a code maps to an HTTP status, and every error response
 * has the same envelope { error: { code, message, requestId, details? } }.
 * Only errors below 500 show their message to callers.
 */
export const errorStatus = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = errorStatus[code];
  }
}

export const badRequest = (message: string, details?: unknown) => new ApiError('BAD_REQUEST', message, details);
export const notFound = (message: string) => new ApiError('NOT_FOUND', message);
export const forbidden = (message: string) => new ApiError('FORBIDDEN', message);

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; requestId?: string; details?: unknown };
}

export function errorEnvelope(err: unknown, requestId?: string): { status: number; body: ErrorEnvelope } {
  if (err instanceof ApiError) {
    return { status: err.status, body: { error: { code: err.code, message: err.message, requestId, details: err.details } } };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal error', requestId } } };
}
