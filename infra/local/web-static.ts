/**
 * The CloudFront + S3 website part, locally: the built web app (web/dist) on the API's origin, with the SPA
 * fallback CloudFront's error response gives (unknown paths → index.html), or a placeholder page before a build.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lookbook (local)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:.1em .3em}</style>
</head><body>
<h1>Lookbook is running</h1>
<p>The web app has not been built yet (<code>web/dist</code> is missing). The API is live on this origin:</p>
<ul><li><a href="/health">/health</a></li><li><a href="/ready">/ready</a></li><li><a href="/v1/products">/v1/products</a></li></ul>
</body></html>
`;

async function fileIfExists(file: string): Promise<Buffer | undefined> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() ? await fs.readFile(file) : undefined;
  } catch {
    return undefined;
  }
}

/** Serves GET/HEAD `urlPath` from `webDir`; always answers (a file, index.html, or the placeholder). */
export async function serveWeb(webDir: string, urlPath: string, method: string, res: ServerResponse): Promise<void> {
  const send = (status: number, type: string, body: Buffer, cache: string) => {
    res.writeHead(status, { 'content-type': type, 'content-length': body.length, 'cache-control': cache });
    res.end(method === 'HEAD' ? undefined : body);
  };
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    decoded = '/';
  }
  const root = path.resolve(webDir);
  const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
  // Never leave webDir ("/../../etc/passwd" normalises inside it, but check anyway).
  if (file.startsWith(root + path.sep) && !decoded.endsWith('/')) {
    const body = await fileIfExists(file);
    if (body) {
      const immutable = decoded.startsWith('/assets/');
      return send(200, TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream', body, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
  }
  // A missing asset (it has an extension) is a 404, not the app shell: a broken script tag should fail loudly.
  if (path.extname(decoded) && path.extname(decoded) !== '.html') return send(404, TYPES['.txt']!, Buffer.from('Not Found\n'), 'no-cache');
  const index = await fileIfExists(path.join(root, 'index.html'));
  if (index) return send(200, TYPES['.html']!, index, 'no-cache');
  return send(200, TYPES['.html']!, Buffer.from(PLACEHOLDER), 'no-cache');
}
