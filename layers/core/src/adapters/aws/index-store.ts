/** The index artifacts in S3: the artifacts bucket (env BUCKET_ARTIFACTS), under index/. */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { bucketName } from '../../buckets.ts';
import type { ArtifactFile } from '../../index/artifact.ts';
import { BlobIndexStore, type DownloadedFile } from '../../index/store.ts';
import { s3Client } from './clients.ts';
import { isMissing, S3BlobStore } from './s3-blob-store.ts';

/** BlobIndexStore plus a streaming download: the graph goes from the socket to the temp file, hashed on the way. */
export class S3IndexStore extends BlobIndexStore {
  constructor(
    private readonly client: S3Client = s3Client(),
    private readonly bucket: string = bucketName('artifacts'),
  ) {
    super(new S3BlobStore({ bucketName: bucket, client }));
  }

  async downloadToFile(version: string, file: ArtifactFile, dest: string): Promise<DownloadedFile | undefined> {
    let body: Readable;
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.describe(version, file) }));
      body = r.Body as Readable;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    await pipeline(
      body,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          bytes += chunk.byteLength;
          yield chunk;
        }
      },
      // Big writes: with the default 16 KB buffer the disk's back-pressure slowed the socket down.
      createWriteStream(dest, { highWaterMark: 4 << 20 }),
    );
    return { sha256: hash.digest('hex'), bytes };
  }
}

export function s3IndexStore(): S3IndexStore {
  return new S3IndexStore();
}
