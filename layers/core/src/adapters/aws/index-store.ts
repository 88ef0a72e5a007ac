/** The index artifacts in S3: the artifacts bucket (env BUCKET_ARTIFACTS), under index/. */
import { BlobIndexStore } from '../../index/store.ts';
import { S3BlobStore } from './s3-blob-store.ts';

export function s3IndexStore(): BlobIndexStore {
  return new BlobIndexStore(new S3BlobStore({ bucket: 'artifacts' }));
}
