/**
 * POST /v1/products/{id}/analyze (admin): re-run the vision pipeline on a product's current image. The image is
 * copied to a fresh uploads/catalog/{uploadId} key, so the run takes the very path an upload takes (event,
 * idempotent worker, record, index update); the caller polls GET /v1/uploads/{uploadId}.
 */
import { z } from 'zod';
import { DynamoAnalysisStore } from '#core/adapters/aws/analyses';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { IMAGE_MIME, sniffFormat } from '#core/vision/image-check';
import { ApiError, notFound } from '#functions/lib/errors';
import { httpRoute, requireAdmin } from '#functions/lib/http';
import { newRecord } from '#functions/uploads/create';

const AnalyzePath = z.object({ id: z.string().regex(/^\d+$/, 'id must be numeric') });

export const handler = httpRoute({ path: AnalyzePath }, async ({ path, claims }) => {
  requireAdmin(claims);
  const product = await new DynamoCatalogRepo().get(path.id);
  if (!product) throw notFound(`No product with id ${path.id}`);
  const imageKey = product.imageKeys[0];
  const bytes = imageKey ? await new S3BlobStore({ bucket: 'catalog' }).get(imageKey) : undefined;
  if (!bytes) throw new ApiError('UNPROCESSABLE', `Product ${path.id} has no image to analyse; upload one with POST /v1/admin/uploads`);
  const format = sniffFormat(bytes);
  const record = newRecord({
    purpose: 'catalog',
    productId: product.id,
    contentType: format ? IMAGE_MIME[format] : 'application/octet-stream',
    contentLength: bytes.length,
    reanalysis: true,
  });
  await new DynamoAnalysisStore().create(record);
  await new S3BlobStore({ bucket: 'uploads' }).put(record.key, bytes, record.contentType);
  return { status: 202, body: { uploadId: record.uploadId, productId: product.id, status: 'pending', sourceKey: imageKey, statusUrl: `/v1/uploads/${record.uploadId}` } };
});
