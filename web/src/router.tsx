/**
 * Client routing on the history API (no router dependency): a location hook, a path matcher and a Link that
 * keeps modifier-clicks (new tab) working. The servers fall back to index.html for these paths.
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());

function subscribe(l: () => void) {
  listeners.add(l);
  window.addEventListener('popstate', l);
  return () => {
    listeners.delete(l);
    window.removeEventListener('popstate', l);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  if (!opts.replace) window.scrollTo({ top: 0 });
  emit();
}

export function useLocation(): { path: string; query: URLSearchParams; href: string } {
  const href = useSyncExternalStore(subscribe, snapshot, () => '/');
  const url = new URL(href, 'http://x');
  return { path: url.pathname, query: url.searchParams, href };
}

export type Route =
  | { name: 'search' }
  | { name: 'browse' }
  | { name: 'product'; id: string }
  | { name: 'upload'; id: string }
  | { name: 'wardrobe' }
  | { name: 'notFound' };

export function matchRoute(path: string): Route {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/' || p === '/search') return { name: 'search' };
  if (p === '/browse') return { name: 'browse' };
  if (p === '/wardrobe') return { name: 'wardrobe' };
  let m = /^\/p\/([^/]+)$/.exec(p);
  if (m) return { name: 'product', id: decodeURIComponent(m[1]) };
  m = /^\/uploads\/([^/]+)$/.exec(p);
  if (m) return { name: 'upload', id: decodeURIComponent(m[1]) };
  return { name: 'notFound' };
}

export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
