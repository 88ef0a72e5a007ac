/**
 * Opaque pagination cursors: base64url(JSON) of where the next page starts. Callers must treat them as opaque;
 * we still validate every field on the way back in, because a cursor is user input (a tampered or stale
 * cursor must become a 400, never reach the database as garbage or crash the handler).
 */
import { z } from 'zod';

/** Thrown for cursors that do not decode or do not belong to the query they are used with. */
export class InvalidCursorError extends Error {
  constructor(message = 'cursor is not valid for this query') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

const MAX_CURSOR_CHARS = 2048;

export function encodeCursor(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export function decodeCursor<T extends z.ZodType>(cursor: string, schema: T): z.infer<T> {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError('cursor is not a valid page token');
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('cursor is not a valid page token');
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new InvalidCursorError('cursor is not valid for this query');
  return r.data;
}
