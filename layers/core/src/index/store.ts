/**
 * Where index artifacts live: the IndexStore port, and its implementation over any BlobStore (the S3
 * artifacts bucket in AWS and in the local cloud: adapters/aws/index-store.ts).
 */
import type { BlobStore, ByteRange } from '../ports.ts';
import { IndexPointer, type ArtifactFile } from './artifact.ts';

export interface IndexStore {
  readPointer(): Promise<IndexPointer | undefined>;
  writePointer(pointer: IndexPointer): Promise<void>;
  /** The pointer with a tag naming its state (no tag: no pointer yet), for swapPointer. */
  readPointerTagged(): Promise<{ pointer?: IndexPointer; tag?: string }>;
  /** Writes the pointer only if it is still in the state `tag` names; false when another writer moved it first. */
  swapPointer(pointer: IndexPointer, tag: string | undefined): Promise<boolean>;
  putFile(version: string, file: ArtifactFile, body: Uint8Array): Promise<void>;
  /** A file, or bytes [start, end) of it. */
  getFile(version: string, file: ArtifactFile, range?: ByteRange): Promise<Uint8Array | undefined>;
  /** The same bytes as they arrive (BlobStore.stream). */
  streamFile(version: string, file: ArtifactFile, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Where a file lives, for logs and error messages. */
  describe(version: string, file: ArtifactFile): string;
}

const CONTENT_TYPES: Record<ArtifactFile, string> = {
  'graph.bin': 'application/octet-stream',
  'vectors.f16': 'application/octet-stream',
  'items.bin': 'application/octet-stream',
  'ids.json': 'application/json',
  'lexical.bin': 'application/octet-stream',
  'manifest.json': 'application/json',
  'delta.json': 'application/json',
};

const parsePointer = (bytes: Uint8Array) => IndexPointer.parse(JSON.parse(Buffer.from(bytes).toString('utf8')));

export class BlobIndexStore implements IndexStore {
  constructor(
    private readonly blobs: BlobStore,
    private readonly prefix = 'index',
  ) {}

  async readPointer(): Promise<IndexPointer | undefined> {
    const bytes = await this.blobs.get(this.pointerKey);
    return bytes && parsePointer(bytes);
  }

  async writePointer(pointer: IndexPointer): Promise<void> {
    await this.blobs.put(this.pointerKey, Buffer.from(JSON.stringify(pointer)), 'application/json');
  }

  async readPointerTagged(): Promise<{ pointer?: IndexPointer; tag?: string }> {
    const got = await this.blobs.getTagged(this.pointerKey);
    return got ? { pointer: parsePointer(got.body), tag: got.etag } : {};
  }

  swapPointer(pointer: IndexPointer, tag: string | undefined): Promise<boolean> {
    return this.blobs.putIf(this.pointerKey, Buffer.from(JSON.stringify(pointer)), tag === undefined ? 'absent' : { etag: tag }, 'application/json');
  }

  private get pointerKey(): string {
    return `${this.prefix}/current.json`;
  }

  putFile(version: string, file: ArtifactFile, body: Uint8Array): Promise<void> {
    return this.blobs.put(this.key(version, file), body, CONTENT_TYPES[file]);
  }

  getFile(version: string, file: ArtifactFile, range?: ByteRange): Promise<Uint8Array | undefined> {
    return this.blobs.get(this.key(version, file), range);
  }

  streamFile(version: string, file: ArtifactFile, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined> {
    return this.blobs.stream(this.key(version, file), range);
  }

  describe(version: string, file: ArtifactFile): string {
    return this.key(version, file);
  }

  private key(version: string, file: ArtifactFile): string {
    if (!/^[\w.-]+$/.test(version)) throw new Error(`bad index version name: ${version}`);
    return `${this.prefix}/${version}/${file}`;
  }
}
