/**
 * Incremental index changes as deltas (index/<version>/delta.json): made and published by a writer, listed in
 * the pointer after the full version they stand on, fetched and applied by readers, and traced back through
 * their parents by a rebuild that must replay what was published while it ran.
 */
import { baseVersion, CorruptArtifactError, IndexDelta, newVersion, sha256, type FileEntry, type IndexedItem, type IndexPointer } from './artifact.ts';
import { loadIndex, PointerMovedError, readManifest, type LoadTimings } from './artifact-io.ts';
import { roundToHalf } from './half.ts';
import type { SearchIndex } from './search-index.ts';
import type { IndexStore } from './store.ts';

export interface IndexChangeSet {
  add: { item: IndexedItem; vector: Float32Array }[];
  remove: string[];
}

/**
 * The delta of `change` on top of the version `from` names, as it would be published now; publishDelta writes it.
 * Built first so that the writer can see its size before choosing between a delta and a full version.
 */
export function makeDelta(index: SearchIndex, change: IndexChangeSet, from: IndexPointer, now = new Date()): { delta: IndexDelta; bytes: Uint8Array } {
  const delta: IndexDelta = {
    format: 'lookbook-index-delta/1',
    version: newVersion(now),
    parent: from.version,
    base: baseVersion(from),
    encoder: { id: index.encoder.id, version: index.encoder.version },
    dim: index.dim,
    builtAt: now.toISOString(),
    remove: change.remove,
    add: change.add.map(({ item, vector }) => ({ item, vector: Array.from(roundToHalf(vector)) })),
    parentDelta: parentDeltaOf(index, from),
  };
  return { delta, bytes: Buffer.from(JSON.stringify(delta)) };
}

/** The checksum of the delta.json of the version `from` names: listed in the pointer, or in its manifest (a fold). */
function parentDeltaOf(index: SearchIndex, from: IndexPointer): FileEntry | undefined {
  const listed = from.deltas?.find((d) => d.version === from.version);
  const entry = listed ?? (index.manifest?.version === from.version ? index.manifest.files['delta.json'] : undefined);
  return entry && { sha256: entry.sha256, bytes: entry.bytes };
}

/**
 * Publishes a delta already applied to `index`: its file first, then the pointer (base + every delta so far),
 * moved only if it is still as read (`tag`), else PointerMovedError.
 */
export async function publishDelta(store: IndexStore, index: SearchIndex, made: { delta: IndexDelta; bytes: Uint8Array }, from: { pointer: IndexPointer; tag: string }): Promise<IndexPointer> {
  const { delta, bytes } = made;
  await store.putFile(delta.version, 'delta.json', bytes);
  const pointer: IndexPointer = {
    version: delta.version,
    encoder: delta.encoder,
    updatedAt: delta.builtAt,
    count: index.size,
    base: delta.base,
    deltas: [...(from.pointer.deltas ?? []), { version: delta.version, sha256: sha256(bytes), bytes: bytes.byteLength }],
  };
  if (!(await store.swapPointer(pointer, from.tag))) throw new PointerMovedError(delta.version);
  index.version = delta.version;
  return pointer;
}

/** The pointer's deltas after version `after` (all of them when it is the base), fetched at once and verified. */
export async function fetchDeltas(store: IndexStore, pointer: IndexPointer, after = baseVersion(pointer)): Promise<IndexDelta[]> {
  const refs = pointer.deltas ?? [];
  const from = after === baseVersion(pointer) ? 0 : refs.findIndex((d) => d.version === after) + 1;
  if (from === 0 && after !== baseVersion(pointer)) throw new Error(`${after} is not in the chain of ${pointer.version}`);
  return Promise.all(
    refs.slice(from).map(async (ref) => {
      const delta = await readDelta(store, ref.version, ref);
      if (!delta) throw new CorruptArtifactError(`${store.describe(ref.version, 'delta.json')} is missing`);
      return delta;
    }),
  );
}

/** A version's delta.json, checked against `ref` when the pointer lists it; undefined when there is none. */
async function readDelta(store: IndexStore, version: string, ref?: FileEntry): Promise<IndexDelta | undefined> {
  const bytes = await store.getFile(version, 'delta.json');
  if (!bytes) return undefined;
  const where = store.describe(version, 'delta.json');
  if (ref && (bytes.byteLength !== ref.bytes || sha256(bytes) !== ref.sha256)) throw new CorruptArtifactError(`${where} does not match its recorded checksum`);
  let parsed;
  try {
    parsed = IndexDelta.safeParse(JSON.parse(Buffer.from(bytes).toString('utf8')));
  } catch (err) {
    throw new CorruptArtifactError(`${where} is not JSON: ${(err as Error).message}`);
  }
  if (!parsed.success) throw new CorruptArtifactError(`${where} is invalid: ${parsed.error.message}`);
  return parsed.data;
}

/** Applies deltas in order; refuses (before changing anything) a delta that does not follow the index's version. */
export function applyDeltas(index: SearchIndex, deltas: readonly IndexDelta[]): void {
  let expected = index.version;
  for (const d of deltas) {
    if (d.parent !== expected || d.dim !== index.dim || d.add.some((a) => a.vector.length !== index.dim))
      throw new CorruptArtifactError(`delta ${d.version} (on ${d.parent}, ${d.dim}-d) does not follow ${expected} (${index.dim}-d)`);
    expected = d.version;
  }
  replayDeltas(index, deltas);
}

/** Applies the deltas' changes in order, wherever the index stands (a rebuild catching up with updates). */
export function replayDeltas(index: SearchIndex, deltas: readonly IndexDelta[]): void {
  for (const d of deltas) {
    for (const id of d.remove) index.remove(id);
    for (const { item, vector } of d.add) index.add(item, Float32Array.from(vector));
    index.version = d.version;
  }
}

/**
 * The changes published after version `from`, oldest first, traced back from the version `pointer` names: every
 * incremental update leaves its delta.json in its version's folder (also when it was published as a full version
 * folding a chain), each naming its parent. Undefined when the trail ends elsewhere (a rebuild replaced the index).
 * Each step is checked against its recorded checksum: the pointer's list, a fold's manifest, or the child's
 * parentDelta (deltas published before parentDelta existed are read unchecked where the pointer no longer lists them).
 */
export async function deltasSince(store: IndexStore, from: string | undefined, pointer: IndexPointer): Promise<IndexDelta[] | undefined> {
  const listed = new Map((pointer.deltas ?? []).map((d) => [d.version, d]));
  const trail: IndexDelta[] = [];
  let ref: FileEntry | undefined = listed.get(pointer.version) ?? (await foldedDeltaRef(store, pointer));
  for (let version: string | undefined = pointer.version; version !== from; ) {
    if (!version || trail.length > 10_000) return undefined;
    const delta = await readDelta(store, version, ref);
    if (!delta) return undefined; // a version built from the catalog, not by an update
    trail.push(delta);
    version = delta.parent;
    ref = listed.get(version) ?? delta.parentDelta;
  }
  return trail.reverse();
}

/**
 * The checksum a full version's manifest records for its delta.json (a fold), if the pointer names a full version;
 * none when that manifest cannot be read (the trail is then read unchecked there, as before manifests recorded it).
 */
async function foldedDeltaRef(store: IndexStore, pointer: IndexPointer): Promise<FileEntry | undefined> {
  if (pointer.version !== baseVersion(pointer)) return undefined;
  return readManifest(store, pointer.version).then(
    (manifest) => manifest.files['delta.json'],
    () => undefined,
  );
}

/** What a pointer names: its full version, loaded, with its deltas (fetched meanwhile) applied. */
export async function loadPointed(store: IndexStore, pointer: IndexPointer, timings: LoadTimings = {}): Promise<SearchIndex> {
  const [index, deltas] = await Promise.all([loadIndex(store, baseVersion(pointer), timings), fetchDeltas(store, pointer)]);
  applyDeltas(index, deltas);
  return index;
}
