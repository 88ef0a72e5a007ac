/** The uploads API contract (zod): POST /v1/uploads, POST /v1/admin/uploads, GET /v1/uploads/{uploadId}. */
import { z } from 'zod';
import { ProductFilters } from '#core';
import { ACCEPTED_MIME, IMAGE_LIMITS } from '#core/vision/image-check';
import { UPLOAD_PURPOSES } from '#core/vision/analysis';

export const SessionId = z.string().regex(/^[A-Za-z0-9_-]{8,128}$/, 'sessionId must be 8–128 letters, digits, - or _');

export const PresignBody = z
  .object({
    contentType: z.enum(ACCEPTED_MIME, { error: `contentType must be one of ${ACCEPTED_MIME.join(', ')}` }),
    contentLength: z
      .number()
      .int()
      .positive('contentLength must be at least 1 byte')
      .max(IMAGE_LIMITS.maxBytes, `contentLength must be at most ${IMAGE_LIMITS.maxBytes} bytes (5 MB)`)
      .describe('Exact size in bytes of the file that will be PUT; signed into the URL'),
    purpose: z.enum(UPLOAD_PURPOSES).describe('search: shop the look; wardrobe: add to my wardrobe; catalog: product image (admin)'),
    sessionId: SessionId.optional().describe('Anonymous shopper session; owns wardrobe items when not signed in'),
    productId: z.string().regex(/^\d+$/, 'productId must be numeric').optional().describe('catalog uploads: the product the image belongs to'),
    faceOptIn: z.boolean().default(false).describe('Opt in to face-aware styling advice (search and wardrobe uploads)'),
  })
  .strict();
export type PresignBody = z.infer<typeof PresignBody>;

export const UploadPath = z.object({ uploadId: z.uuid('uploadId must be a UUID') });

export const UploadQuery = ProductFilters.extend({
  topK: z.coerce.number().int().min(1).max(50).default(12),
}).strict();
