/** GET /v1/wardrobe?sessionId= | ?ownerId= (or the signed-in user): the shopper's analysed wardrobe items. */
import { z } from 'zod';
import { DynamoWardrobeStore } from '#core/adapters/aws/wardrobe';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { badRequest } from '#functions/lib/errors';
import { httpRoute } from '#functions/lib/http';
import { SessionId } from '#functions/uploads/schemas';

const WardrobeQuery = z
  .object({
    ownerId: z.string().min(1).max(128).optional().describe('A session id or user sub'),
    sessionId: SessionId.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(100),
  })
  .strict();

export const handler = httpRoute({ query: WardrobeQuery }, async ({ query, claims }) => {
  const ownerId = query.ownerId ?? query.sessionId ?? (typeof claims?.sub === 'string' ? claims.sub : undefined);
  if (!ownerId) throw badRequest('Invalid query.sessionId: name the wardrobe with sessionId or ownerId');
  const items = await new DynamoWardrobeStore().list(ownerId, query.limit);
  items.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  // The uploads bucket is private (no CDN): always a presigned GET, never IMAGE_BASE_URL.
  const images = new S3BlobStore({ bucket: 'uploads', publicBaseUrl: '' });
  const withUrls = await Promise.all(items.map(async (i) => ({ ...i, imageUrl: await images.urlFor(i.imageKey, 900) })));
  return { body: { ownerId, count: items.length, items: withUrls } };
});
