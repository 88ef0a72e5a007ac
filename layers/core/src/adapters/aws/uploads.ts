/**
 * The uploads bucket: presigned PUT URLs that sign Content-Type and Content-Length (so the client can neither
 * change the type nor send more bytes than it declared), and conditional reads for the vision worker.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bucketName } from '../../buckets.ts';
import type { ReadResult } from '../../vision/worker.ts';
import { presignS3Client, s3Client } from './clients.ts';
import { isMissing } from './s3-blob-store.ts';

export interface PresignInput {
  key: string;
  contentType: string;
  contentLength: number;
  expiresInSec: number;
  /** Sign as of this instant (tests make an already-expired URL with it). */
  signingDate?: Date;
  bucket?: string;
  client?: S3Client;
}

export interface PresignedPut {
  url: string;
  method: 'PUT';
  /** Send exactly these headers with the PUT: they are part of the signature. */
  headers: Record<string, string>;
  expiresAt: string;
}

export async function presignPut(input: PresignInput): Promise<PresignedPut> {
  const client = input.client ?? presignS3Client();
  const command = new PutObjectCommand({
    Bucket: input.bucket ?? bucketName('uploads'),
    Key: input.key,
    ContentType: input.contentType,
    ContentLength: input.contentLength,
  });
  const signingDate = input.signingDate ?? new Date();
  const url = await getSignedUrl(client, command, {
    expiresIn: input.expiresInSec,
    signingDate,
    // Without these the presigner would leave both headers unsigned (and hoist nothing): sign them explicitly.
    signableHeaders: new Set(['content-type', 'content-length']),
  });
  return {
    url,
    method: 'PUT',
    headers: { 'content-type': input.contentType, 'content-length': String(input.contentLength) },
    expiresAt: new Date(signingDate.getTime() + input.expiresInSec * 1000).toISOString(),
  };
}

/** GetObject with If-Match: the bytes the event announced, or `changed` when the key was overwritten since. */
export async function readIfMatch(key: string, eTag: string, opts: { bucket?: string; client?: S3Client } = {}): Promise<ReadResult> {
  const client = opts.client ?? s3Client();
  try {
    const want = eTag.replace(/"/g, '');
    const r = await client.send(new GetObjectCommand({ Bucket: opts.bucket ?? bucketName('uploads'), Key: key, IfMatch: want ? `"${want}"` : undefined }));
    const bytes = r.Body ? await r.Body.transformToByteArray() : new Uint8Array();
    // S3 answers a failed If-Match with 412; servers that ignore the header (s3rver) are caught by comparing here.
    if (want && r.ETag && r.ETag.replace(/"/g, '') !== want) return { changed: true };
    return { bytes };
  } catch (err) {
    const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.$metadata?.httpStatusCode === 412 || e.name === 'PreconditionFailed') return { changed: true };
    if (isMissing(err)) return { missing: true };
    throw err;
  }
}
