/**
 * The indexer: builds the search index from the catalog and publishes it (index/<version>/… + the pointer).
 *
 *  - POST /v1/admin/index/rebuild (admin): `?wait=true` builds inline (small catalogs, local runs); otherwise it
 *    drops a request object under index/requests/ in the artifacts bucket and answers 202 — the bucket
 *    notification runs the build in this function with its own 15-minute budget, outside API Gateway's 30 s.
 *  - S3 ObjectCreated under index/requests/: runs the build.
 *  - Direct invoke: { action: 'rebuild' } | { action: 'add' | 'remove', productIds: string[] }.
 */
import { randomUUID } from 'node:crypto';
import type { Context, S3Event } from 'aws-lambda';
import { z } from 'zod';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { s3IndexStore } from '#core/adapters/aws/index-store';
import { buildIndex, type BuildReport } from '#core/search/build-index';
import { httpRoute, requireAdmin, type HttpEvent } from '#functions/lib/http';
import { logger } from '#functions/lib/observability';
import { indexHolder, searchEncoder, updateSearchIndex } from '#functions/search/runtime';

export const REQUEST_PREFIX = 'index/requests/';

async function rebuild(): Promise<BuildReport> {
  const encoder = await searchEncoder();
  const report = await buildIndex({
    catalog: new DynamoCatalogRepo(),
    images: new S3BlobStore({ bucket: 'catalog' }),
    encoder,
    store: s3IndexStore(),
    log: (m) => logger.info(m),
  });
  // A warm process that also serves search switches at once.
  indexHolder().adopt(report.index);
  return report;
}

const summary = (r: BuildReport) => ({ version: r.manifest.version, count: r.manifest.count, scanned: r.scanned, skipped: r.skipped.length, buildMs: r.ms, skippedSample: r.skipped.slice(0, 10) });

const RebuildQuery = z.object({ wait: z.enum(['true', 'false']).optional() }).strict();

const rebuildRoute = httpRoute({ query: RebuildQuery }, async ({ query, claims }) => {
  requireAdmin(claims);
  if (query.wait === 'true') return { body: { status: 'done', ...summary(await rebuild()) } };
  const requestId = randomUUID();
  await new S3BlobStore({ bucket: 'artifacts' }).put(`${REQUEST_PREFIX}${requestId}.json`, Buffer.from(JSON.stringify({ requestId, requestedAt: new Date().toISOString() })), 'application/json');
  return { status: 202, body: { status: 'accepted', requestId, message: 'The index is being rebuilt; index/current.json names the new version when it is done' } };
});

const DirectEvent = z.discriminatedUnion('action', [
  z.object({ action: z.literal('rebuild') }),
  z.object({ action: z.enum(['add', 'remove']), productIds: z.array(z.string().regex(/^\d+$/)).min(1).max(1000) }),
]);

const isS3Event = (e: unknown): e is S3Event => Array.isArray((e as S3Event)?.Records) && (e as S3Event).Records.every((r) => r?.s3?.object?.key !== undefined);
const isHttp = (e: unknown): e is HttpEvent => typeof (e as HttpEvent)?.requestContext?.http?.method === 'string';

export async function handler(event: unknown, context: Context): Promise<unknown> {
  if (isHttp(event)) return rebuildRoute(event, context);
  if (isS3Event(event)) {
    const requests = event.Records.filter((r) => decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')).startsWith(REQUEST_PREFIX));
    if (requests.length === 0) return { status: 'ignored' };
    // Several requests in one batch need one build.
    return { status: 'done', ...summary(await rebuild()) };
  }
  const parsed = DirectEvent.safeParse(event);
  if (!parsed.success) throw new Error(`indexer: unknown event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const e = parsed.data;
  if (e.action === 'rebuild') return { status: 'done', ...summary(await rebuild()) };
  if (e.action === 'remove') {
    const manifest = await updateSearchIndex({ remove: e.productIds });
    return { status: 'done', version: manifest.version, count: manifest.count };
  }
  const products = await new DynamoCatalogRepo().getMany(e.productIds);
  const encoder = await searchEncoder();
  const images = new S3BlobStore({ bucket: 'catalog' });
  const add = [];
  for (const product of products) {
    const bytes = product.imageKeys[0] ? await images.get(product.imageKeys[0]) : undefined;
    if (bytes) add.push({ product, vector: await encoder.embedImage(bytes) });
  }
  const manifest = await updateSearchIndex({ add });
  return { status: 'done', version: manifest.version, count: manifest.count, added: add.length, missing: e.productIds.length - add.length };
}
