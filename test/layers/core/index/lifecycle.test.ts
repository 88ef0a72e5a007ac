/**
 * The index lifecycle against the local S3 (signature-checking s3rver): build, persist, load in a fresh
 * holder, refuse a corrupt artifact, swap to a newer version while searching, add, delete.
 */
import { describe, expect, it, vi } from 'vitest';
import { useLocalCloud } from '../../../support/local-cloud.ts';
import { s3IndexStore } from '#core/adapters/aws/index-store';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { publishIndex, loadIndex } from '#core/index/artifact-io';
import { deltasSince } from '#core/index/deltas';
import { IndexHolder, IndexNotReadyError } from '#core/index/holder';
import { SearchIndex } from '#core/index/search-index';
import { CorruptArtifactError, IndexManifest, IndexPointer, LEXICAL_TEXT_VERSION, sha256, type ArtifactFile } from '#core/index/artifact';
import type { IndexStore } from '#core/index/store';
import type { ByteRange } from '#core/ports';
import { randomUnitVector } from '#core/index/vectors';
import { roundToHalf } from '#core/index/half';
import { plainItem, type IdsFile } from '#core/index/item-columns';
import { syntheticIndex, syntheticItem } from './fixtures.ts';

const local = useLocalCloud({ api: false });

describe('index lifecycle in S3', () => {
  it('a holder with nothing published says the index is not ready', async () => {
    await expect(new IndexHolder({ store: s3IndexStore() }).get()).rejects.toBeInstanceOf(IndexNotReadyError);
  });

  it('publishes a version (files, manifest with checksums, pointer) and loads it in a fresh holder', async () => {
    expect(local.cloud.env.BUCKET_ARTIFACTS).toBeTruthy();
    const store = s3IndexStore();
    const { index, vectors } = syntheticIndex(400);
    const manifest = await publishIndex(store, index, { buildMs: 12 });
    expect(IndexManifest.parse(manifest)).toMatchObject({ count: 400, dim: 16, encoder: { id: 'test-encoder', version: '1' }, hnsw: { m: 16 } });

    const keys = await new S3BlobStore({ bucket: 'artifacts' }).list('index/');
    expect(keys).toEqual(expect.arrayContaining([`index/${manifest.version}/graph.bin`, `index/${manifest.version}/vectors.f16`, `index/${manifest.version}/items.bin`, `index/${manifest.version}/manifest.json`, 'index/current.json']));
    expect(IndexPointer.parse(await store.readPointer())).toMatchObject({ version: manifest.version });

    const holder = new IndexHolder({ store, refreshSeconds: 3600 });
    const loaded = await holder.get();
    expect(loaded.version).toBe(manifest.version);
    expect(loaded.size).toBe(400);
    expect(loaded.vectors.spare).toBe(1024 - 400); // the built capacity travels with the artifact: no growth on the next add
    expect(plainItem(loaded.items.get('10005')!)).toEqual(syntheticItem(5));
    const q = vectors.get('10042')!;
    expect(loaded.vectors.search(q, 5)).toEqual(index.vectors.search(q, 5));
    expect(loaded.lexical.search('Navy Shirts', 3).length).toBeGreaterThan(0);
    expect(holder.status()).toMatchObject({ loaded: true, version: manifest.version, count: 400 });
  });

  it('loads an artifact published before items.bin (format /2, its products in ids.json)', async () => {
    const store = s3IndexStore();
    const { index, vectors } = syntheticIndex(150, 16, 8);
    index.remove('10007'); // a removed label: null in ids.json
    const current = await publishIndex(store, index, { skipPointer: true });
    // The same version as the earlier format wrote it: ids.json, its columns as JSON, instead of items.bin.
    const items = [...index.items.values()];
    const dict = (field: 'gender' | 'masterCategory' | 'subCategory' | 'articleType' | 'baseColour' | 'season' | 'usage' | 'currency' | 'brand') => {
      const values = [...new Set(items.map((i) => i[field]))];
      return { values, codes: items.map((i) => values.indexOf(i[field])) };
    };
    const idsJson: IdsFile = {
      labels: Array.from({ length: 150 }, (_, label) => (label === 7 ? null : String(10000 + label))),
      count: items.length,
      id: items.map((i) => i.id),
      title: items.map((i) => i.title),
      price: items.map((i) => i.price),
      stock: items.map((i) => i.stock),
      imageKey: items.map((i) => i.imageKey ?? null),
      keywords: items.map((i) => i.keywords),
      colours: items.map((i) => i.colours),
      dict: { gender: dict('gender'), masterCategory: dict('masterCategory'), subCategory: dict('subCategory'), articleType: dict('articleType'), baseColour: dict('baseColour'), season: dict('season'), usage: dict('usage'), currency: dict('currency'), brand: dict('brand') },
    };
    const bytes = Buffer.from(JSON.stringify(idsJson));
    const { 'items.bin': _, ...files } = current.files;
    const old: IndexManifest = { ...current, format: 'lookbook-index/2', files: { ...files, 'ids.json': { sha256: sha256(bytes), bytes: bytes.byteLength } } };
    await store.putFile(current.version, 'ids.json', bytes);
    await store.putFile(current.version, 'manifest.json', Buffer.from(JSON.stringify(old)));

    const loaded = await loadIndex(store, current.version);
    expect(loaded.size).toBe(149);
    expect(loaded.has('10007')).toBe(false);
    expect([...loaded.items.values()].map(plainItem)).toEqual(items.map(plainItem));
    const q = vectors.get('10042')!;
    expect(loaded.vectors.search(q, 5)).toEqual(index.vectors.search(q, 5));
    // Without either file the version is refused, not half-loaded.
    const { 'ids.json': __, ...neither } = old.files;
    await store.putFile(current.version, 'manifest.json', Buffer.from(JSON.stringify({ ...old, files: neither })));
    await expect(loadIndex(store, current.version)).rejects.toThrow(/items.bin is not in its manifest/);
  });

  it('prepared for queries, a loaded index restores BM25 from lexical.bin, with later changes; without it, or from text made another way, BM25 is built, and so when it is corrupt', async () => {
    const store = s3IndexStore();
    const blobs = new S3BlobStore({ bucket: 'artifacts' });
    const { index } = syntheticIndex(120, 16, 4);
    const manifest = await publishIndex(store, index, { skipPointer: true });
    expect(manifest.files['lexical.bin']).toMatchObject({ text: LEXICAL_TEXT_VERSION });
    const queries = ['navy shirts', 'red dress women', 'casual', 'zebra', 'unknown words'];
    // Changes made after the load and before BM25 arrives (a delta applied on load) are replayed onto it.
    const change = (loaded: SearchIndex) => {
      loaded.add({ ...syntheticItem(3), title: 'Zebra Print Scarf' }, randomUnitVector(16, Math.random));
      loaded.remove('10004');
    };
    const restored = await loadIndex(store, manifest.version);
    change(restored);
    await restored.prepareQueries();
    const answers = queries.map((q) => restored.lexical.search(q, 5));
    expect(restored.lexicalBuildMs).toBeUndefined(); // restored, not built
    expect(answers[0].length).toBeGreaterThan(0);
    expect(answers[3].map((h) => h.id)).toEqual(['10003']);
    expect(answers.flat().map((h) => h.id)).not.toContain('10004');
    // An artifact published before lexical.bin existed, or by code that makes BM25 text another way; a corrupt one.
    const withEntry = async (entry: unknown) => blobs.put(`index/${manifest.version}/manifest.json`, Buffer.from(JSON.stringify({ ...manifest, files: { ...manifest.files, 'lexical.bin': entry } })));
    for (const entry of [undefined, { ...manifest.files['lexical.bin']!, text: 'lookbook-text/0' }, 'corrupt']) {
      if (entry === 'corrupt') {
        await withEntry(manifest.files['lexical.bin']);
        await blobs.put(`index/${manifest.version}/lexical.bin`, new Uint8Array([1, 2, 3, 4]));
      } else await withEntry(entry);
      const built = await loadIndex(store, manifest.version);
      change(built);
      await built.prepareQueries();
      expect(built.lexicalBuildMs).toBeGreaterThanOrEqual(0);
      expect(queries.map((q) => built.lexical.search(q, 5))).toEqual(answers);
      expect(built.lexicalRestoreError).toEqual(entry === 'corrupt' ? expect.stringMatching(/lexical\.bin does not match its manifest checksum/) : undefined);
    }
  });

  it('refuses a corrupt artifact and keeps serving the old version', async () => {
    const store = s3IndexStore();
    const holder = new IndexHolder({ store, refreshSeconds: 3600 });
    const good = await holder.get();

    const { index } = syntheticIndex(50, 16, 2);
    const bad = await publishIndex(store, index);
    // Corrupt the vectors after the manifest recorded their checksum.
    await new S3BlobStore({ bucket: 'artifacts' }).put(`index/${bad.version}/vectors.f16`, new Uint8Array([1, 2, 3, 4]));

    expect(await holder.refresh()).toBe(false);
    expect((await holder.get()).version).toBe(good.version);
    expect(holder.status().lastError).toMatch(/checksum/);
    await expect(loadIndex(store, bad.version)).rejects.toBeInstanceOf(CorruptArtifactError);
    await expect(new IndexHolder({ store }).get()).rejects.toBeInstanceOf(CorruptArtifactError);

    // Put the good version back as current for the next tests.
    await store.writePointer({ version: good.version, encoder: good.encoder, updatedAt: new Date().toISOString() });
  });

  it('swaps to a newer version while searches are in flight, on the refresh interval', async () => {
    const store = s3IndexStore();
    let clock = 0;
    const holder = new IndexHolder({ store, refreshSeconds: 60, now: () => clock });
    const before = await holder.get();
    const { index, vectors } = syntheticIndex(600, 16, 3);
    const newer = await publishIndex(store, index);

    // Requests keep running against whatever version they got while the swap happens.
    let running = true;
    const seen = new Set<string>();
    const searches = (async () => {
      let n = 0;
      while (running || n < 20) {
        const live = await holder.get();
        seen.add(live.version);
        expect(live.vectors.search(vectors.get('10001')!, 10)).toHaveLength(10);
        n++;
        await new Promise((r) => setImmediate(r));
      }
      return n;
    })();
    expect((await holder.get()).version).toBe(before.version); // interval not elapsed: no check yet
    clock += 61_000;
    await holder.get(); // starts the background refresh
    for (let i = 0; i < 200 && holder.status().version !== newer.version; i++) await new Promise((r) => setTimeout(r, 10));
    running = false;
    expect(await searches).toBeGreaterThanOrEqual(20);
    expect(holder.status()).toMatchObject({ version: newer.version, count: 600 });
    expect(seen.has(newer.version)).toBe(true);
  });

  it('adds and removes incrementally, publishes a new version, and other holders pick it up; removed never returned', async () => {
    const store = s3IndexStore();
    const writer = new IndexHolder({ store, refreshSeconds: 3600 });
    const reader = new IndexHolder({ store, refreshSeconds: 3600 });
    const base = await reader.get();
    const removed = '10001';
    const removedVector = base.vectors.vectorOf(removed)!;
    const fresh = { item: { ...syntheticItem(9999), id: '99999', title: 'Mustard Velvet Blazer' }, vector: randomUnitVector(16, Math.random) };

    const manifest = await writer.update({ add: [fresh], remove: [removed] });
    expect(manifest.parent).toBe(base.version);
    expect(manifest.count).toBe(base.size);

    expect(await reader.refresh()).toBe(true);
    const live = await reader.get();
    expect(live.version).toBe(manifest.version);
    expect(live.has('99999')).toBe(true);
    expect(live.vectors.search(fresh.vector, 1)[0].id).toBe('99999');
    expect(live.lexical.search('mustard velvet', 5).map((h) => h.id)).toEqual(['99999']);
    expect(live.has(removed)).toBe(false);
    expect(live.vectors.search(removedVector, 50).map((h) => h.id)).not.toContain(removed);
    expect(live.vectors.search(removedVector, 50, live.accept({ gender: 'Men' })).map((h) => h.id)).not.toContain(removed);
    expect(live.lexical.search(syntheticItem(1).title, 50).map((h) => h.id)).not.toContain(removed);
  });

  it('a writer-only holder leaves BM25, vocabulary and postings unbuilt; they are prepared once it serves a query', async () => {
    const store = s3IndexStore();
    const prepare = vi.spyOn(SearchIndex.prototype, 'prepareQueries');
    try {
      const writer = new IndexHolder({ store, refreshSeconds: 3600 });
      await writer.update({ add: [{ item: { ...syntheticItem(9998), id: '99998' }, vector: randomUnitVector(16, Math.random) }] });
      await new Promise((resolve) => setImmediate(resolve));
      expect(prepare).not.toHaveBeenCalled();
      const live = await writer.get();
      expect(live.has('99998')).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
      expect(prepare).toHaveBeenCalledTimes(1);
      expect(prepare.mock.contexts[0]).toBe(live);
    } finally {
      prepare.mockRestore();
    }
  });

  it('concurrent updates from several processes all land: a writer that loses the pointer race applies its change again', async () => {
    const store = s3IndexStore();
    const base = await new IndexHolder({ store, refreshSeconds: 3600 }).get();
    const writers = Array.from({ length: 3 }, () => new IndexHolder({ store, refreshSeconds: 3600 }));
    await Promise.all(writers.map((w) => w.get()));
    const added = writers.map((_, i) => ({ item: { ...syntheticItem(9000 + i), id: `8800${i}` }, vector: randomUnitVector(16, Math.random) }));
    const manifests = await Promise.all(writers.map((w, i) => w.update({ add: [added[i]], remove: [`1010${i}`] })));

    const live = await new IndexHolder({ store, refreshSeconds: 3600 }).get();
    const pointer = (await store.readPointer())!;
    expect(live.version).toBe(pointer.version);
    expect(manifests.every((m) => m.delta && pointer.deltas!.some((d) => d.version === m.version))).toBe(true);
    for (let i = 0; i < writers.length; i++) {
      expect(live.has(`8800${i}`)).toBe(true);
      expect(live.has(`1010${i}`)).toBe(false);
    }
    expect(live.size).toBe(base.size);
    // Each published version descends from the one before it: one chain, no lost branch.
    const parents = new Set(manifests.map((m) => m.parent));
    expect(parents.has(base.version)).toBe(true);
    expect(parents.size).toBe(writers.length);
  });

  it('a change is a delta of a few KB: warm holders fetch just it, a cold one loads base + chain, and a long chain is folded into a full version', async () => {
    const gets: string[] = [];
    const counting = (inner: IndexStore): IndexStore =>
      Object.assign(Object.create(inner) as IndexStore, {
        getFile: (version: string, file: ArtifactFile, range?: ByteRange) => (gets.push(file), inner.getFile(version, file, range)),
      });
    const store = s3IndexStore();
    await publishIndex(store, syntheticIndex(300, 16, 5).index); // a full version, no chain yet
    const writer = new IndexHolder({ store, refreshSeconds: 3600 });
    const reader = new IndexHolder({ store: counting(store), refreshSeconds: 3600 });
    const base = await reader.get();
    const fresh = (i: number) => ({ item: { ...syntheticItem(7000 + i), id: `7700${i}`, title: `Saffron Linen Kurta ${i}` }, vector: randomUnitVector(16, Math.random) });

    const first = await writer.update({ add: [fresh(0)], remove: ['10010'] });
    expect(first).toMatchObject({ delta: true, parent: base.version, count: base.size });
    const pointer = (await store.readPointer())!;
    expect(pointer).toMatchObject({ version: first.version, count: base.size });
    expect(pointer.deltas!.at(-1)!.bytes).toBeLessThan(4096);

    gets.length = 0;
    expect(await reader.refresh()).toBe(true);
    const live = await reader.get();
    expect(live).toBe(base); // caught up in place, not reloaded
    expect(gets).toEqual(['delta.json']);
    expect(live.version).toBe(first.version);
    expect(live.has('77000') && !live.has('10010')).toBe(true);
    expect(live.lexical.search('saffron linen', 3).map((h) => h.id)).toEqual(['77000']);

    // A cold process gets the same index from the base and the chain.
    const cold = await new IndexHolder({ store, refreshSeconds: 3600 }).get();
    expect(cold.version).toBe(first.version);
    const q = fresh(0).vector;
    expect(cold.vectors.search(q, 5)).toEqual(live.vectors.search(q, 5));
    expect(cold.vectors.vectorOf('77000')).toEqual(live.vectors.vectorOf('77000'));

    // A delta whose bytes do not match the pointer's checksum is refused; the loaded version stays.
    const broken = await writer.update({ add: [fresh(1)] });
    await new S3BlobStore({ bucket: 'artifacts' }).put(`index/${broken.version}/delta.json`, new TextEncoder().encode('{}'));
    expect(await reader.refresh()).toBe(false);
    expect(reader.status()).toMatchObject({ version: first.version });
    expect(reader.status().lastError).toMatch(/checksum/);

    // The chain grows to MAX_DELTAS (16), then the next change folds it into a full version.
    const updates = [];
    for (let i = 2; i < 18; i++) updates.push(await writer.update({ add: [fresh(i)] }));
    expect(updates.map((u) => u.delta)).toEqual([...Array(14).fill(true), false, true]); // 2 + 14 deltas, the fold, a new chain
    const full = updates[14];
    expect((await store.readPointer())!).toMatchObject({ base: full.version, deltas: [{ version: updates[15].version }] });
    expect(IndexManifest.parse(JSON.parse(new TextDecoder().decode(await store.getFile(full.version, 'manifest.json'))))).toMatchObject({ count: base.size + 16 }); // 17 added, 1 removed, the 18th after the fold
    // Every update left its delta.json, the fold too: what changed since a version is traced through the fold.
    const trail = await deltasSince(store, updates[0].version, (await store.readPointer())!);
    expect(trail!.map((d) => d.version)).toEqual(updates.slice(1).map((u) => u.version));
    // And every step of that trail is checked: the fold's manifest records its delta.json, each delta its parent's.
    const blobs = new S3BlobStore({ bucket: 'artifacts' });
    const deltaBytes = async (version: string) => (await store.getFile(version, 'delta.json'))!;
    const foldManifest = IndexManifest.parse(JSON.parse(new TextDecoder().decode(await store.getFile(full.version, 'manifest.json'))));
    expect(foldManifest.files['delta.json']).toEqual({ sha256: sha256(await deltaBytes(full.version)), bytes: (await deltaBytes(full.version)).byteLength });
    expect(trail!.at(-1)!.parentDelta).toEqual(foldManifest.files['delta.json']);
    expect(trail![3].parentDelta).toEqual({ sha256: sha256(await deltaBytes(updates[3].version)), bytes: (await deltaBytes(updates[3].version)).byteLength });
    // A folded delta (no longer in the pointer) replaced by another well-formed one is refused.
    const original = await deltaBytes(updates[5].version);
    const forged = { ...JSON.parse(new TextDecoder().decode(original)), remove: ['10001'] };
    await blobs.put(`index/${updates[5].version}/delta.json`, new TextEncoder().encode(JSON.stringify(forged)));
    await expect(deltasSince(store, updates[0].version, (await store.readPointer())!)).rejects.toThrow(/recorded checksum/);
    await blobs.put(`index/${updates[5].version}/delta.json`, original);
    // A trail that reaches a version built from the catalog (no delta.json) ends there; one through a corrupt delta is refused.
    expect(await deltasSince(store, 'not-a-version', { ...pointer, deltas: undefined, base: undefined, version: base.version })).toBeUndefined();
    await expect(deltasSince(store, 'not-a-version', (await store.readPointer())!)).rejects.toBeInstanceOf(CorruptArtifactError);
    const folded = await new IndexHolder({ store, refreshSeconds: 3600 }).get();
    expect(folded.size).toBe(base.size + 17);
    expect(folded.has('770017') && folded.has('77001')).toBe(true);
  });

  it('assembles graph and half-precision vectors in memory, bit for bit, and refuses a part or graph that does not match', async () => {
    const { index, vectors } = syntheticIndex(300, 16, 4);
    const manifest = await publishIndex(s3IndexStore(), index, { skipPointer: true });
    expect(manifest.files['vectors.f16'].bytes).toBe(300 * 16 * 2);
    const loaded = await loadIndex(s3IndexStore(), manifest.version);
    expect(loaded.vectors.search(vectors.get('10007')!, 1)[0].id).toBe('10007');
    // What was built is what loads, bit for bit (vectors are rounded to half precision when added).
    expect(Array.from(loaded.vectors.vectorOf('10007')!)).toEqual(Array.from(index.vectors.vectorOf('10007')!));
    expect(Array.from(loaded.vectors.vectorOf('10007')!)).toEqual(Array.from(roundToHalf(vectors.get('10007')!)));
    expect(loaded.vectors.exact(vectors.get('10009')!, 1)[0].id).toBe('10009');

    // An empty catalog publishes an index with no vector parts, and it loads.
    const none = await publishIndex(s3IndexStore(), syntheticIndex(0).index, { skipPointer: true });
    expect(none.files['vectors.f16'].parts).toEqual([]);
    expect((await loadIndex(s3IndexStore(), none.version)).size).toBe(0);

    // A vector part that no longer matches (here: past the end of a shortened object) is refused.
    const big = syntheticIndex(1100, 2048, 5).index; // 4.5 MB of vectors → 2 parts
    big.remove('10005'); // a removed element keeps its record in the graph: parts cover all 1,100
    const parted = await publishIndex(s3IndexStore(), big, { skipPointer: true });
    expect(parted.files['vectors.f16'].parts.map((p) => p.bytes)).toEqual([550 * 2048 * 2, 550 * 2048 * 2]);
    const whole = await loadIndex(s3IndexStore(), parted.version);
    expect(Array.from(whole.vectors.vectorOf('11099')!)).toEqual(Array.from(big.vectors.vectorOf('11099')!));
    expect([whole.size, whole.has('10005')]).toEqual([1099, false]);
    // A part streams into the index before its checksum is known: one flipped byte near its end still refuses the load.
    const artifacts = new S3BlobStore({ bucket: 'artifacts' });
    const f16 = `index/${parted.version}/vectors.f16`;
    const flipped = Uint8Array.from((await artifacts.get(f16))!);
    flipped[flipped.length - 3] ^= 1;
    await artifacts.put(f16, flipped);
    await expect(loadIndex(s3IndexStore(), parted.version)).rejects.toThrow(/bytes 2252800\+2252800 does not match its manifest checksum/);
    await artifacts.put(f16, new Uint8Array(16));
    await expect(loadIndex(s3IndexStore(), parted.version)).rejects.toBeInstanceOf(CorruptArtifactError);

    // A truncated graph is refused.
    await new S3BlobStore({ bucket: 'artifacts' }).put(`index/${manifest.version}/graph.bin`, new Uint8Array(1000));
    await expect(loadIndex(s3IndexStore(), manifest.version)).rejects.toThrow(/checksum/);
  });
});
