/**
 * POST /v1/uploads (public: search | wardrobe), POST /v1/admin/uploads (admin: catalog, the same handler) and
 * GET /v1/uploads/{uploadId}: presigned PUTs, and the analysis with "shop the look" once it is done.
 */
import type { Context } from 'aws-lambda';
import { AnalysisConflictError, publicView } from '#core/vision/analysis';
import { DynamoAnalysisStore } from '#core/adapters/aws/analyses';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { ApiError, badRequest, forbidden, notFound } from '#functions/lib/errors';
import { httpRoute, isAdmin, requireAdmin, type HttpEvent } from '#functions/lib/http';
import { createUpload } from './create.ts';
import { PresignBody, UploadPath, UploadQuery } from './schemas.ts';
import { shopTheLook } from './shop-the-look.ts';

const ADMIN_ROUTE = 'POST /v1/admin/uploads';
const IMAGE_URL_TTL_SEC = 900;

const presign = httpRoute({ body: PresignBody }, async ({ body, event, claims }) => {
  const adminRoute = event.routeKey === ADMIN_ROUTE;
  if (adminRoute) requireAdmin(claims);
  if (body.purpose === 'catalog') {
    if (!adminRoute || !isAdmin(claims)) throw forbidden('Catalog uploads need the admin role: use POST /v1/admin/uploads with an admin token');
    if (!body.productId) throw badRequest('Invalid body.productId: catalog uploads name the product the image belongs to');
    if (body.faceOptIn) throw badRequest('Invalid body.faceOptIn: face-aware styling is for search and wardrobe uploads only');
    if (!(await new DynamoCatalogRepo().get(body.productId))) throw notFound(`No product with id ${body.productId}`);
  } else if (body.productId) {
    throw badRequest('Invalid body.productId: only catalog uploads name a product');
  }
  const userId = typeof claims?.sub === 'string' ? claims.sub : undefined;
  const ownerId = userId ?? body.sessionId;
  if (body.purpose === 'wardrobe' && !ownerId) throw badRequest('Invalid body.sessionId: a wardrobe upload needs a sessionId (or a signed-in user)');

  let created;
  try {
    created = await createUpload(new DynamoAnalysisStore(), {
      purpose: body.purpose,
      contentType: body.contentType,
      contentLength: body.contentLength,
      ownerId: body.purpose === 'catalog' ? undefined : ownerId,
      sessionId: body.sessionId,
      userId,
      productId: body.productId,
      faceOptIn: body.faceOptIn,
    });
  } catch (err) {
    if (err instanceof AnalysisConflictError) throw new ApiError('CONFLICT', 'Upload id collision; retry');
    throw err;
  }
  const { record, put } = created;
  return {
    status: 201,
    body: { uploadId: record.uploadId, key: record.key, url: put.url, method: put.method, headers: put.headers, expiresAt: put.expiresAt, statusUrl: `/v1/uploads/${record.uploadId}` },
  };
});

const status = httpRoute({ path: UploadPath, query: UploadQuery }, async ({ path, query }) => {
  const rec = await new DynamoAnalysisStore().get(path.uploadId);
  if (!rec) throw notFound(`No upload ${path.uploadId}`);
  // A short-lived GET URL of the photo once it is in the bucket (the web app shows it beside the analysis).
  const imageUrl = rec.status === 'pending-upload' ? undefined : await new S3BlobStore({ bucket: 'uploads', publicBaseUrl: '' }).urlFor(rec.key, IMAGE_URL_TTL_SEC);
  const view = { ...publicView(rec), imageUrl };
  if (rec.status !== 'done' || rec.purpose === 'catalog') return { body: view };
  const { topK, ...filters } = query;
  return { body: { ...view, ...(await shopTheLook(rec.key, topK, filters)) } };
});

export const handler = (event: HttpEvent, context: Context) =>
  (event.requestContext?.http?.method ?? 'POST') === 'GET' ? status(event, context) : presign(event, context);
