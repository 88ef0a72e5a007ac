// Minimal typings for the two local AWS servers (neither ships its own).

declare module 'dynalite' {
  import type { Server } from 'node:http';
  interface DynaliteOptions {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
    verbose?: boolean;
  }
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}

declare module '@20minutes/s3rver' {
  import type { EventEmitter } from 'node:events';
  import type { AddressInfo } from 'node:net';
  import type { Server } from 'node:http';
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    serviceEndpoint?: string;
  }
  class S3rver extends EventEmitter {
    constructor(options: S3rverOptions);
    /** Koa middleware stack; entries added before run() see every request first. */
    middleware: Array<(ctx: { method: string; path: string; headers: Record<string, string | string[] | undefined> }, next: () => Promise<void>) => Promise<void>>;
    store: {
      listObjects(bucket: string, options: object): Promise<{ objects: unknown[]; commonPrefixes: unknown[]; isTruncated: boolean }>;
      /** Rejects with ENOENT when the object does not exist; `etag` is quoted. */
      getMetadata(bucket: string, key: string): Promise<{ etag: string }>;
      /** Resolves once the metadata is read and the content file is open (the body streams afterwards). */
      getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<unknown>;
      putObject(object: { bucket: string; key: string }): Promise<{ size: number; md5: string }>;
      /** Writes an object's content file; resolves [size, md5 hex]. */
      putContent(objectPath: string, content: Buffer | NodeJS.ReadableStream): Promise<[number, string]>;
    };
    httpServer?: Server;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
  export = S3rver;
}
