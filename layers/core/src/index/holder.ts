/**
 * Holds the live index of a warm process. Loads the current version once, then checks the pointer at most
 * every INDEX_REFRESH_SECONDS (default 60) on the request path and loads a newer version in the background;
 * the swap is one reference assignment, so requests in flight finish on the version they started with.
 * A corrupt or unreadable new version is refused and the old one kept.
 *
 * Incremental changes (catalog uploads, removals) are applied to the newest version and published as small
 * deltas, so the other warm processes pick them up on their next check by fetching just those; concurrent
 * writers never lose a change.
 */
import type { IndexedItem, IndexPointer } from './artifact.ts';
import { POINTER_RACE_ATTEMPTS, PointerMovedError, publishIndex } from './artifact-io.ts';
import { applyDeltas, fetchDeltas, loadPointed, makeDelta, publishDelta, type IndexChangeSet } from './deltas.ts';
import { SearchIndex, type EncoderRef } from './search-index.ts';
import type { IndexStore } from './store.ts';
import type { HnswParams } from './hnsw.ts';
import { keyedQueue } from '../serial.ts';

/**
 * A chain of deltas is folded into a full version when it would grow past this many deltas or bytes: a cold
 * start fetches the whole chain (in parallel) and applies it after loading the base.
 */
const MAX_DELTAS = 16;
const MAX_DELTA_BYTES = 4 << 20;

export interface IndexUpdate {
  version: string;
  parent?: string;
  count: number;
  /** Published as a delta on top of `parent` (else as a full version). */
  delta: boolean;
}

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
  /** Updates run one at a time ('update'), and so do syncs ('sync'). */
  private readonly serial = keyedQueue();
  private lastCheck = 0;
  private lastError: string | undefined;
  /**
   * Whether this process serves queries (get() was called). A writer-only process (the vision or admin function
   * publishing a catalog change) never needs BM25, the intent vocabulary or the attribute postings: ~0.4 s at 44k.
   */
  private serving = false;
  private readonly refreshMs: number;
  private readonly log: NonNullable<IndexHolderOptions['log']>;
  private readonly now: () => number;

  constructor(private readonly opts: IndexHolderOptions) {
    const seconds = opts.refreshSeconds ?? Number(process.env.INDEX_REFRESH_SECONDS ?? 60);
    this.refreshMs = (Number.isFinite(seconds) && seconds >= 0 ? seconds : 60) * 1000;
    this.log = opts.log ?? (() => undefined);
    this.now = opts.now ?? Date.now;
  }

  /** The live index; loads it on first use. Throws IndexNotReadyError when nothing has been published. */
  async get(): Promise<SearchIndex> {
    if (!this.serving) {
      this.serving = true;
      const loaded = this.current; // loaded or adopted by update(), which left queries unprepared
      if (loaded) setImmediate(() => void loaded.prepareQueries());
    }
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
   * Applies adds and removals to the newest published version and publishes the change: as a small delta on top
   * of it (index/<version>/delta.json), or, every MAX_DELTAS changes (or MAX_DELTA_BYTES), as a full version
   * that folds the chain in. The pointer moves only if no other writer moved it since it was read (a conditional
   * write); if one did, the change is applied again on top of that writer's version, so neither change is lost.
   * Changes in one process are serialised. `writer` names the encoder that embedded the change: a change is refused
   * on an index of another encoder, and when no index exists yet an empty one is created for it.
   */
  update(change: IndexChange, writer?: { encoder: EncoderRef; dim: number; params?: HnswParams }): Promise<IndexUpdate> {
    const changeSet = { add: change.add ?? [], remove: change.remove ?? [] };
    const run = async (): Promise<IndexUpdate> => {
      for (let attempt = 1; ; attempt++) {
        const { pointer, tag } = await this.opts.store.readPointerTagged();
        let index: SearchIndex;
        if (pointer) index = await this.catchUp(pointer);
        else if (writer) index = SearchIndex.empty(writer.encoder, writer.dim, writer.params);
        else throw new IndexNotReadyError();
        if (writer && (index.encoder.id !== writer.encoder.id || index.encoder.version !== writer.encoder.version))
          throw new Error(`the live index was built with encoder ${index.encoder.id} ${index.encoder.version}; this change was embedded with ${writer.encoder.id} ${writer.encoder.version}`);
        for (const id of changeSet.remove) index.remove(id);
        for (const { item, vector } of changeSet.add) index.add(item, vector);
        try {
          const published = await this.publishChange(index, changeSet, pointer, tag);
          this.adopt(index);
          this.log('index updated', { ...published, added: changeSet.add.length, removed: changeSet.remove.length, attempt });
          return published;
        } catch (err) {
          if (!(err instanceof PointerMovedError) || attempt >= POINTER_RACE_ATTEMPTS) throw err;
          this.log('index pointer moved during an update; applying the change again on the newer version', { attempt, unpublished: err.version });
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * attempt));
        }
      }
    };
    return this.serial('update', run);
  }

  /** Publishes a change already applied to `index`: as a delta on the pointer's chain, or as a full version folding it. */
  private async publishChange(index: SearchIndex, change: IndexChangeSet, pointer: IndexPointer | undefined, tag: string | undefined): Promise<IndexUpdate> {
    const store = this.opts.store;
    const made = pointer && makeDelta(index, change, pointer);
    const chain = pointer?.deltas ?? [];
    if (made && tag && chain.length < MAX_DELTAS && chain.reduce((a, d) => a + d.bytes, made.bytes.byteLength) <= MAX_DELTA_BYTES) {
      await publishDelta(store, index, made, { pointer: pointer!, tag });
      return { version: made.delta.version, parent: pointer!.version, count: index.size, delta: true };
    }
    // A fold still leaves its delta.json: a rebuild that ran meanwhile traces changes through it (deltasSince).
    if (made) await store.putFile(made.delta.version, 'delta.json', made.bytes);
    const manifest = await publishIndex(store, index, { parent: pointer?.version, swapFrom: { tag }, version: made?.delta.version, delta: made?.bytes });
    return { version: manifest.version, parent: pointer?.version, count: manifest.count, delta: false };
  }

  private async loadCurrent(): Promise<SearchIndex> {
    this.lastCheck = this.now();
    const pointer = await this.opts.store.readPointer();
    if (!pointer) throw new IndexNotReadyError();
    const started = this.now();
    const index = await loadPointed(this.opts.store, pointer);
    setImmediate(() => void index.prepareQueries()); // off the cold-start path
    this.current = index;
    this.lastError = undefined;
    this.log('index loaded', { version: index.version, count: index.size, ms: this.now() - started });
    return index;
  }

  /**
   * Brings this process to what `pointer` names: when the live index is on the same chain (its base, or one of its
   * deltas), only the newer deltas are fetched and applied to it in place; otherwise the version loads whole and
   * replaces it. Serialised, so a refresh and an update never apply the same deltas twice.
   */
  private catchUp(pointer: IndexPointer): Promise<SearchIndex> {
    const run = async () => {
      const live = this.current;
      if (live?.version === pointer.version) return live;
      const started = this.now();
      const onChain = live && pointer.base && (live.version === pointer.base || pointer.deltas?.some((d) => d.version === live.version));
      if (onChain) {
        const from = live.version;
        applyDeltas(live, await fetchDeltas(this.opts.store, pointer, from));
        this.lastError = undefined;
        this.log('index caught up', { from, to: live.version, count: live.size, ms: this.now() - started });
        return live;
      }
      const next = await loadPointed(this.opts.store, pointer);
      if (this.serving) await next.prepareQueries(); // before the swap, so text queries never wait on the new version
      this.current = next;
      this.lastError = undefined;
      this.log('index swapped', { from: live?.version, to: next.version, count: next.size, ms: this.now() - started });
      return next;
    };
    return this.serial('sync', run);
  }

  private async doRefresh(): Promise<boolean> {
    this.lastCheck = this.now();
    try {
      const pointer = await this.opts.store.readPointer();
      if (!pointer || pointer.version === this.current?.version) return false;
      await this.catchUp(pointer);
      return true;
    } catch (err) {
      this.lastError = (err as Error).message;
      this.log('index refresh refused; keeping the loaded version', { version: this.current?.version, error: this.lastError });
      if (!this.current) throw err;
      return false;
    }
  }
}
