import type { ReactNode } from 'react';
import { ApiError } from '../api.ts';

function title(e: ApiError | undefined): string {
  if (!e) return 'Something went wrong';
  if (e.status === 0) return 'You seem to be offline';
  if (e.status === 404) return 'Not found';
  if (e.status === 503) return 'Not available right now';
  if (e.status === 429) return 'Too many requests';
  if (e.status >= 400 && e.status < 500) return 'Please check your request';
  return 'Something went wrong';
}

/** Shows the API's own message (and request id, for support) instead of a generic failure. */
export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const e = error instanceof ApiError ? error : undefined;
  const message = e?.message ?? (error instanceof Error ? error.message : String(error));
  return (
    <div className="notice error" role="alert">
      <strong>{title(e)}</strong>
      <p>{message}</p>
      {e?.requestId && <p className="muted small">Request id: <code>{e.requestId}</code></p>}
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="notice empty" role="status">
      <strong>{title}</strong>
      {children}
    </div>
  );
}

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return (
    <span className="spinner" role="status" aria-label={label}>
      <span aria-hidden="true" />
    </span>
  );
}
