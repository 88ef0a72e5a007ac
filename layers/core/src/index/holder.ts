/**
 * Holds the live index of a warm process. Loads the current version once, then checks the pointer at most
 * every INDEX_REFRESH_SECONDS (default 60) on the request path and loads a newer version in the background;
 * the swap is one reference assignment, so requests in flight finish on the version they started with.
 * A corrupt or unreadable new version is refused and the old one kept.
 *
 * Incremental changes (catalog uploads, removals) are applied to the newest version and published as a new
 * one, so the other warm processes pick them up on their next check; concurrent writers never lose a change.
 */
import { tmpdir } from 'node:os';
import type { IndexedItem, IndexManifest } from './artifact.ts';
import { loadIndex, PointerMovedError, publishIndex } from './artifact-io.ts';
import { SearchIndex, type EncoderRef } from './search-index.ts';
import type { IndexStore } from './store.ts';
import type { HnswParams } from './hnsw.ts';

/** Conditional pointer writes lost in a row before an update gives up (each loss means another writer won). */
const UPDATE_ATTEMPTS = 5;

export class IndexNotReadyError extends Error {
  constructor(message = 'The search index has not been built yet') {
    super(message);
    this.name = 'IndexNotReadyError';
  }
}

export interface IndexHolderOptions {
  store: IndexStore;
  /** Seconds between pointer checks; default env INDEX_REFRESH_SECONDS or 60. */
  refreshSeconds?: number;
  tmpDir?: string;
  log?: (message: string, data?: Record<string, unknown>) => void;
  now?: () => number;
}

export interface IndexChange {
  add?: { item: IndexedItem; vector: Float32Array }[];
  remove?: string[];
}

export interface HolderStatus {
  loaded: boolean;
  version?: string;
  count?: number;
  encoder?: EncoderRef;
  lastCheckAt?: string;
  lastError?: string;
}

export class IndexHolder {
  private current: SearchIndex | undefined;
  private firstLoad: Promise<SearchIndex> | undefined;
  private refreshing: Promise<boolean> | undefined;
  private updates: Promise<unknown> = Promise.resolve();
  private lastCheck = 0;
  private lastError: string | undefined;
  private readonly refreshMs: number;
  private readonly tmpDir: string;
  private readonly log: NonNullable<IndexHolderOptions['log']>;
  private readonly now: () => number;

  constructor(private readonly opts: IndexHolderOptions) {
    const seconds = opts.refreshSeconds ?? Number(process.env.INDEX_REFRESH_SECONDS ?? 60);
    this.refreshMs = (Number.isFinite(seconds) && seconds >= 0 ? seconds : 60) * 1000;
    this.tmpDir = opts.tmpDir ?? tmpdir();
    this.log = opts.log ?? (() => undefined);
    this.now = opts.now ?? Date.now;
  }

  /** The live index; loads it on first use. Throws IndexNotReadyError when nothing has been published. */
  async get(): Promise<SearchIndex> {
    if (!this.current) {
      this.firstLoad ??= this.loadCurrent().finally(() => (this.firstLoad = undefined));
      return this.firstLoad;
    }
    if (this.now() - this.lastCheck >= this.refreshMs && !this.refreshing) {
      // In the background: this request is served by the version it found.
      void this.refresh().catch(() => undefined);
    }
    return this.current;
  }

  /** The index if loaded, without triggering anything (health checks). */
  peek(): SearchIndex | undefined {
    return this.current;
  }

  status(): HolderStatus {
    return {
      loaded: !!this.current,
      version: this.current?.version,
      count: this.current?.size,
      encoder: this.current?.encoder,
      lastCheckAt: this.lastCheck ? new Date(this.lastCheck).toISOString() : undefined,
      lastError: this.lastError,
    };
  }

  /** Checks the pointer now and swaps to the version it names if that differs. Resolves true on a swap. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Serves an index built in this process (the indexer, bootstrap) without downloading it again. */
  adopt(index: SearchIndex): void {
    this.current = index;
    this.lastCheck = this.now();
  }

  /**
   * Applies adds and removals to the newest published version and publishes the result as a new version. The
   * pointer moves only if no other writer moved it since it was read (a conditional write); if one did, the
   * change is applied again on top of that writer's version, so neither change is lost. Changes in one process
   * are serialised. When no index exists yet, `bootstrap` says how to create an empty one.
   */
  update(change: IndexChange, bootstrap?: { encoder: EncoderRef; dim: number; params?: HnswParams }): Promise<IndexManifest> {
    const run = async () => {
      for (let attempt = 1; ; attempt++) {
        const { pointer, tag } = await this.opts.store.readPointerTagged();
        let index: SearchIndex;
        if (pointer) index = pointer.version === this.current?.version ? this.current : await this.swapTo(pointer.version);
        else if (bootstrap) index = SearchIndex.empty(bootstrap.encoder, bootstrap.dim, bootstrap.params);
        else throw new IndexNotReadyError();
        for (const id of change.remove ?? []) index.remove(id);
        for (const { item, vector } of change.add ?? []) index.add(item, vector);
        try {
          const manifest = await publishIndex(this.opts.store, index, { parent: pointer?.version, swapFrom: { tag } });
          this.adopt(index);
          this.log('index updated', { version: manifest.version, parent: pointer?.version, added: change.add?.length ?? 0, removed: change.remove?.length ?? 0, count: manifest.count, attempt });
          return manifest;
        } catch (err) {
          if (!(err instanceof PointerMovedError) || attempt >= UPDATE_ATTEMPTS) throw err;
          this.log('index pointer moved during an update; applying the change again on the newer version', { attempt, unpublished: err.version });
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * attempt));
        }
      }
    };
    const next = this.updates.then(run, run);
    this.updates = next.catch(() => undefined);
    return next;
  }

  private async loadCurrent(): Promise<SearchIndex> {
    this.lastCheck = this.now();
    const pointer = await this.opts.store.readPointer();
    if (!pointer) throw new IndexNotReadyError();
    const started = this.now();
    const index = await loadIndex(this.opts.store, pointer.version, this.tmpDir);
    index.warmLexical();
    this.current = index;
    this.lastError = undefined;
    this.log('index loaded', { version: index.version, count: index.size, ms: this.now() - started });
    return index;
  }

  private async swapTo(version: string): Promise<SearchIndex> {
    const started = this.now();
    const next = await loadIndex(this.opts.store, version, this.tmpDir);
    // Build BM25 and the intent vocabulary before the swap so text queries never wait on the new version.
    void next.lexical;
    void next.intent;
    const previous = this.current?.version;
    this.current = next;
    this.lastError = undefined;
    this.log('index swapped', { from: previous, to: next.version, count: next.size, ms: this.now() - started });
    return next;
  }

  private async doRefresh(): Promise<boolean> {
    this.lastCheck = this.now();
    try {
      const pointer = await this.opts.store.readPointer();
      if (!pointer || pointer.version === this.current?.version) return false;
      await this.swapTo(pointer.version);
      return true;
    } catch (err) {
      this.lastError = (err as Error).message;
      this.log('index refresh refused; keeping the loaded version', { version: this.current?.version, error: this.lastError });
      if (!this.current) throw err;
      return false;
    }
  }
}
