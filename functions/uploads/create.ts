/**
 * Creating an upload: choose the key (never the client's), write the `pending-upload` analysis record with a
 * conditional put, then presign. Shared by POST /v1/uploads (shoppers, admins) and POST /v1/products/{id}/analyze.
 */
import { randomUUID } from 'node:crypto';
import { type AnalysisRecord, type AnalysisStore, type UploadPurpose, uploadKey } from '#core/vision/analysis';
import { presignPut, type PresignedPut } from '#core/adapters/aws/uploads';

/** Minutes, not hours: a leaked URL is useful for a short while only. */
export const UPLOAD_URL_TTL_SEC = Number(process.env.UPLOAD_URL_TTL_SECONDS ?? 300);
/** Shopper search uploads are throwaway; wardrobe and catalog analyses are kept. */
const SEARCH_UPLOAD_TTL_SEC = 7 * 24 * 3600;

export interface NewUpload {
  purpose: UploadPurpose;
  contentType: string;
  contentLength: number;
  ownerId?: string;
  sessionId?: string;
  userId?: string;
  productId?: string;
  faceOptIn?: boolean;
  reanalysis?: boolean;
}

export function newRecord(input: NewUpload, now = new Date()): AnalysisRecord {
  const uploadId = randomUUID();
  return {
    uploadId,
    key: uploadKey(input.purpose, uploadId),
    purpose: input.purpose,
    ownerId: input.ownerId,
    sessionId: input.sessionId,
    userId: input.userId,
    productId: input.productId,
    reanalysis: input.reanalysis || undefined,
    faceOptIn: !!input.faceOptIn,
    contentType: input.contentType,
    contentLength: input.contentLength,
    status: 'pending-upload',
    version: 1,
    attempts: 0,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    expiresAt: input.purpose === 'search' ? Math.floor(now.getTime() / 1000) + SEARCH_UPLOAD_TTL_SEC : undefined,
  };
}

export async function createUpload(store: AnalysisStore, input: NewUpload): Promise<{ record: AnalysisRecord; put: PresignedPut }> {
  const record = newRecord(input);
  await store.create(record);
  const put = await presignPut({ key: record.key, contentType: record.contentType, contentLength: record.contentLength, expiresInSec: UPLOAD_URL_TTL_SEC });
  return { record, put };
}
