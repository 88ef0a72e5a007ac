/**
 * BlobStore over one S3 bucket. urlFor() gives a URL a browser can load: `${IMAGE_BASE_URL}/${key}` when the
 * bucket sits behind CloudFront (set by the stack), otherwise a presigned GET (private bucket, local cloud).
 */
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { bucketName, type BucketId } from '../../buckets.ts';
import type { BlobStore, ByteRange, PutCondition } from '../../ports.ts';
import { presignS3Client, s3Client } from './clients.ts';

export interface S3BlobStoreOptions {
  /** Logical bucket (env BUCKET_<ID>) or an explicit physical name. */
  bucket?: BucketId;
  bucketName?: string;
  client?: S3Client;
  presignClient?: S3Client;
  /** CloudFront (or any static) origin serving this bucket's keys; default env IMAGE_BASE_URL. */
  publicBaseUrl?: string;
}

const DEFAULT_EXPIRY_SEC = 3600;

/** S3 (and s3rver) say "no such object" in several ways: by error name or plain 404. */
export const isMissing = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
};

/**
 * A body of known length, copied into one buffer as its chunks arrive (the SDK's transformToByteArray keeps the
 * chunks and joins them at the end: for an index part that is a second pass over megabytes after the last byte).
 */
async function collect(body: Readable, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let at = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (at + chunk.byteLength > length) throw new Error(`S3 body longer than its Content-Length ${length}`);
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return at === length ? out : out.subarray(0, at);
}

/**
 * A conditional write that lost: 412 (the condition did not hold), 409 (a concurrent conditional write won the
 * race) or, for If-Match on an object deleted meanwhile, 404 NoSuchKey.
 */
const lostRace = (err: unknown, ifMatch: boolean) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'PreconditionFailed' || e?.name === 'ConditionalRequestConflict' || [409, 412].includes(e?.$metadata?.httpStatusCode ?? 0) || (ifMatch && e?.name === 'NoSuchKey');
};

export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly presignClient: S3Client;
  private readonly publicBaseUrl: string | undefined;

  constructor(opts: S3BlobStoreOptions = {}) {
    this.bucket = opts.bucketName ?? bucketName(opts.bucket ?? 'catalog');
    this.client = opts.client ?? s3Client();
    this.presignClient = opts.presignClient ?? presignS3Client();
    const base = opts.publicBaseUrl ?? process.env.IMAGE_BASE_URL;
    this.publicBaseUrl = base ? base.replace(/\/+$/, '') : undefined;
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    return (await this.fetch(key, range))?.body;
  }

  async stream(key: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined> {
    const r = await this.getObject(key, range);
    if (!r) return undefined;
    if (r.Body instanceof Readable) return r.Body;
    return Readable.from([r.Body ? await r.Body.transformToByteArray() : new Uint8Array()]);
  }

  async getTagged(key: string): Promise<{ body: Uint8Array; etag: string } | undefined> {
    const got = await this.fetch(key);
    if (got && !got.etag) throw new Error(`s3://${this.bucket}/${key} came without an ETag`);
    return got && { body: got.body, etag: got.etag! };
  }

  private async fetch(key: string, range?: ByteRange): Promise<{ body: Uint8Array; etag?: string } | undefined> {
    const r = await this.getObject(key, range);
    if (!r) return undefined;
    if (!r.Body) return { body: new Uint8Array(), etag: r.ETag };
    const body = r.ContentLength !== undefined && r.Body instanceof Readable ? await collect(r.Body, r.ContentLength) : await r.Body.transformToByteArray();
    return { body, etag: r.ETag };
  }

  /** GetObject; undefined when the object does not exist, no Body for a range that starts past its end. */
  private async getObject(key: string, range?: ByteRange): Promise<Partial<GetObjectCommandOutput> | undefined> {
    try {
      return await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range && `bytes=${range.start}-${range.end - 1}` }));
    } catch (err) {
      if (isMissing(err)) return undefined;
      // A range that starts past the end (the object is shorter than expected) has no bytes.
      if (range && (err as { name?: string }).name === 'InvalidRange') return {};
      throw err;
    }
  }

  async put(key: string, body: Uint8Array, contentType?: string, metadata?: Record<string, string>): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, Metadata: metadata }));
  }

  async putIf(key: string, body: Uint8Array, expected: PutCondition, contentType?: string): Promise<boolean> {
    const condition = expected === 'absent' ? { IfNoneMatch: '*' } : { IfMatch: expected.etag };
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ...condition }));
      return true;
    } catch (err) {
      if (lostRace(err, expected !== 'absent')) return false;
      throw err;
    }
  }

  async head(key: string): Promise<{ size: number; contentType?: string; metadata?: Record<string, string> } | undefined> {
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: r.ContentLength ?? 0, contentType: r.ContentType, metadata: r.Metadata };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  async urlFor(key: string, expiresInSec = DEFAULT_EXPIRY_SEC): Promise<string> {
    if (this.publicBaseUrl) return `${this.publicBaseUrl}/${key.split('/').map(encodeURIComponent).join('/')}`;
    return getSignedUrl(this.presignClient, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresInSec });
  }
}
