/**
 * The local S3: @20minutes/s3rver (a maintained fork of s3rver that checks SigV4 signatures) in-process on
 * 127.0.0.1. It stores objects on disk only, so an "in-memory" cloud gets a temporary directory removed on stop.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import S3rver from '@20minutes/s3rver';
import { keyedQueue } from '#core/serial';

/** s3rver's built-in account: the only key pair its signature check accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** The raw shape s3rver emits on its `event` emitter (a record set shaped like S3's). */
export interface S3rverEvent {
  Records: Array<{
    eventName: string;
    eventTime: string;
    awsRegion: string;
    requestParameters: { sourceIPAddress: string };
    responseElements: Record<string, string>;
    s3: { bucket: { name: string }; object: { key: string; size?: number; eTag?: string; sequencer: string } };
  }>;
}

export interface LocalS3 {
  url: string;
  port: number;
  onEvent(listener: (event: S3rverEvent) => void): void;
  stop(): Promise<void>;
}

// s3rver signs "PUT /bucket/" (what the SDK v3 sends for bucket operations such as CreateBucket) as "/bucket":
// the trailing slash is dropped from the canonical URI and the signature never matches. We put it back, keyed by
// the request's header object (the one value both our middleware and its signer see), instead of turning
// signature checks off.
const rawPaths = new WeakMap<object, string>();
let signerPatched = false;
function patchSigner(): void {
  if (signerPatched) return;
  signerPatched = true;
  const require = createRequire(import.meta.url);
  const v4 = require('@20minutes/s3rver/lib/signature/v4') as {
    getStringToSign: (req: { headers: object; uri: string }, sig: unknown) => string;
  };
  const original = v4.getStringToSign;
  v4.getStringToSign = (req, sig) => {
    const raw = rawPaths.get(req.headers);
    const fixed = raw?.endsWith('/') && !req.uri.endsWith('/') ? { ...req, uri: `${req.uri}/` } : req;
    return original(fixed, sig);
  };
}

// s3rver ignores If-Match / If-None-Match on PUT; S3 honours them (conditional writes: 412 when the condition
// fails, 404 for If-Match on a missing object). The index pointer's compare-and-swap relies on them, so PUTs are
// checked here, after s3rver's own authentication, and serialised per key so that check and write are one step.
let conditionalPutPatched = false;
function patchConditionalPut(): void {
  if (conditionalPutPatched) return;
  conditionalPutPatched = true;
  const require = createRequire(import.meta.url);
  type Ctx = { params: { bucket: string; key: string }; headers: Record<string, string | undefined>; store: S3rver['store'] };
  const objects = require('@20minutes/s3rver/lib/controllers/object') as { putObject: (ctx: Ctx) => Promise<void> };
  const S3Error = require('@20minutes/s3rver/lib/models/error') as new (code: string, message: string, detail?: object) => Error;
  const original = objects.putObject;
  const serial = keyedQueue();
  const unquote = (etag: string) => etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  const check = async (ctx: Ctx) => {
    const ifMatch = ctx.headers['if-match'];
    const ifNoneMatch = ctx.headers['if-none-match'];
    if (ifMatch === undefined && ifNoneMatch === undefined) return;
    const current = await ctx.store.getMetadata(ctx.params.bucket, ctx.params.key).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (ifMatch !== undefined && !current) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: ctx.params.key });
    if (ifMatch !== undefined && unquote(ifMatch) !== unquote(current!.etag))
      throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
    if (ifNoneMatch !== undefined && current)
      throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
  };
  objects.putObject = (ctx) =>
    serial(`${ctx.params.bucket}/${ctx.params.key}`, async () => {
      await check(ctx);
      await original(ctx);
    });
}

// s3rver replaces an object by truncating its file, writing it again, then its metadata: a GET in between read a
// short or empty body under the old length (a reader of index/current.json saw "Unexpected end of JSON input",
// another an aborted response). S3 replaces objects atomically. Here the content is written to a temporary file and
// renamed into place, and per key a GET's metadata read and file open never interleave with a PUT; a body then
// streams from the file it opened, whatever replaces it meanwhile.
let temporaries = 0;
function atomicObjects(store: S3rver['store']): void {
  const serial = keyedQueue();
  store.putContent = async (objectPath, content) => {
    const chunks: Buffer[] = [];
    if (Buffer.isBuffer(content)) chunks.push(content);
    else for await (const chunk of content) chunks.push(Buffer.from(chunk as Uint8Array));
    const body = Buffer.concat(chunks);
    const temporary = `${objectPath}.${process.pid}-${++temporaries}.partial`;
    await fs.writeFile(temporary, body);
    await fs.rename(temporary, objectPath);
    return [body.length, createHash('md5').update(body).digest('hex')];
  };
  const getObject = store.getObject.bind(store);
  store.getObject = (bucket, key, options) => serial(`${bucket}/${key}`, () => getObject(bucket, key, options));
  const putObject = store.putObject.bind(store);
  store.putObject = (object) => serial(`${object.bucket}/${object.key}`, () => putObject(object));
}

// s3rver answers HEAD /bucket (HeadBucket, the readiness probe) with its GET route, i.e. a full listing that
// reads every object's metadata and throws the body away: ~1 s for the 3,000-image catalog. Inside a HeadBucket
// the listing is cut to nothing; existence and signature are still checked by s3rver itself.
const headBucket = new AsyncLocalStorage<boolean>();
const isBucketOnly = (p: string) => /^\/[^/]+\/?$/.test(p);

export async function startLocalS3(opts: { directory?: string; port?: number; host?: string } = {}): Promise<LocalS3> {
  patchSigner();
  patchConditionalPut();
  const temp = opts.directory ? undefined : await fs.mkdtemp(path.join(os.tmpdir(), 'lookbook-s3-'));
  const directory = opts.directory ?? temp!;
  await fs.mkdir(directory, { recursive: true });
  const server = new S3rver({
    address: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    silent: true,
    directory,
    vhostBuckets: false,
    allowMismatchedSignatures: false,
  });
  server.middleware.unshift(async (ctx, next) => {
    rawPaths.set(ctx.headers, ctx.path);
    if (ctx.method === 'HEAD' && isBucketOnly(ctx.path)) await headBucket.run(true, next);
    else await next();
  });
  const store = server.store;
  atomicObjects(store);
  const listObjects = store.listObjects.bind(store);
  store.listObjects = (bucket, options) =>
    headBucket.getStore() ? Promise.resolve({ objects: [], commonPrefixes: [], isTruncated: false }) : listObjects(bucket, options);
  const address: AddressInfo = await server.run();
  let stopped = false;
  return {
    url: `http://${address.address}:${address.port}`,
    port: address.port,
    onEvent: (listener) => server.on('event', listener),
    async stop() {
      if (stopped) return;
      stopped = true;
      // SDK clients keep sockets alive; close them or close() waits for their idle timeout.
      const closing = server.close();
      server.httpServer?.closeAllConnections();
      await closing;
      if (temp) await fs.rm(temp, { recursive: true, force: true });
    },
  };
}
