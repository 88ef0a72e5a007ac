/**
 * fetchArtifacts over a temp mirror and a temp manifest: verified installs, refused mismatches (nothing left
 * behind), fast re-runs, directory entries, upstream downloads from a local HTTP server (port 0).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactFetchError, artifactPath, datasetDir, directoryContentDigest, directoryDigest, fetchArtifacts, loadManifest } from '../../models/artifacts.ts';

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const A = 'model bytes A';
const B = 'label bytes B';
const served = 'downloaded bytes';

let root: string;
let mirror: string;
let server: http.Server;
let base: string;

function file(name: string, content: string, over: Record<string, unknown> = {}) {
  return { name, kind: 'file', file: `${name}.bin`, mirrorPath: `models/${name}.bin`, sha256: sha(content), bytes: content.length, licence: 'MIT', upstream: 'https://example.com/upstream', ...over };
}

async function manifest(name: string, artifacts: unknown[]): Promise<string> {
  const f = path.join(root, `${name}.json`);
  await writeFile(f, JSON.stringify({ version: 1, artifacts }));
  return f;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'lookbook-artifacts-'));
  mirror = path.join(root, 'mirror');
  await mkdir(path.join(mirror, 'models'), { recursive: true });
  await mkdir(path.join(mirror, 'datasets/imgs'), { recursive: true });
  await writeFile(path.join(mirror, 'models/a.bin'), A);
  await writeFile(path.join(mirror, 'models/b.bin'), B);
  for (const [n, c] of [['1.jpg', 'one'], ['2.jpg', 'two!'], ['3.jpg', 'three']]) await writeFile(path.join(mirror, 'datasets/imgs', n!), c!);
  server = http.createServer((req, res) => {
    if (req.url === '/remote.bin') res.end(served);
    else res.writeHead(404).end('no');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(root, { recursive: true, force: true });
});

describe('fetchArtifacts', () => {
  it('installs verified files, refuses a sha256 mismatch and leaves nothing of it behind', async () => {
    const cache = path.join(root, 'cache1');
    const m = await manifest('m1', [file('a', A), file('b', B, { sha256: sha('something else') })]);
    const err = (await fetchArtifacts({ manifest: m, mirror, cacheDir: cache, download: false }).catch((e) => e)) as ArtifactFetchError;
    expect(err).toBeInstanceOf(ArtifactFetchError);
    expect(err.failures.map((f) => f.name)).toEqual(['b']);
    expect(err.message).toContain(`expected ${sha('something else')}, got ${sha(B)}`);
    expect(await readFile(path.join(cache, 'a.bin'), 'utf8')).toBe(A);
    expect(existsSync(path.join(cache, 'b.bin'))).toBe(false);
    expect((await readdir(cache)).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('skips what is already installed and repairs a corrupted copy', async () => {
    const cache = path.join(root, 'cache2');
    const m = await manifest('m2', [file('a', A)]);
    expect((await fetchArtifacts({ manifest: m, mirror, cacheDir: cache }))[0]!.status).toBe('copied');
    expect((await fetchArtifacts({ manifest: m, mirror, cacheDir: cache }))[0]!.status).toBe('present');
    await writeFile(path.join(cache, 'a.bin'), 'tampered');
    expect((await fetchArtifacts({ manifest: m, mirror, cacheDir: cache }))[0]!.status).toBe('copied');
    expect(await readFile(path.join(cache, 'a.bin'), 'utf8')).toBe(A);
  });

  it('installs a directory entry checked by its name/size and content digests', async () => {
    const cache = path.join(root, 'cache3');
    const src = path.join(mirror, 'datasets/imgs');
    const shape = await directoryDigest(src);
    const entry = { name: 'imgs', kind: 'directory', file: 'datasets/imgs', mirrorPath: 'datasets/imgs', files: 3, bytes: shape.bytes, digest: shape.digest, contentDigest: await directoryContentDigest(src), licence: 'x', upstream: 'https://example.com/imgs' };
    const good = await manifest('m3', [entry]);
    expect((await fetchArtifacts({ manifest: good, mirror, cacheDir: cache }))[0]!.status).toBe('copied');
    expect((await readdir(path.join(cache, 'datasets/imgs'))).sort()).toEqual(['1.jpg', '2.jpg', '3.jpg']);
    expect((await fetchArtifacts({ manifest: good, mirror, cacheDir: cache }))[0]!.status).toBe('present');

    const bad = await manifest('m3bad', [{ ...entry, name: 'imgs2', file: 'datasets/imgs2', contentDigest: sha('nope') }]);
    await expect(fetchArtifacts({ manifest: bad, mirror, cacheDir: cache })).rejects.toThrow(/imgs2: content digest mismatch, expected [0-9a-f]{64}, got [0-9a-f]{64}; not installed/);
    expect(existsSync(path.join(cache, 'datasets/imgs2'))).toBe(false);
  });

  it('downloads from the upstream URL when the mirror lacks a file, and verifies it too', async () => {
    const cache = path.join(root, 'cache4');
    const remote = file('remote', served, { mirrorPath: 'models/not-mirrored.bin', url: `${base}/remote.bin` });
    const m = await manifest('m4', [remote]);
    expect((await fetchArtifacts({ manifest: m, mirror, cacheDir: cache }))[0]!.status).toBe('downloaded');
    expect(await readFile(path.join(cache, 'remote.bin'), 'utf8')).toBe(served);

    const wrong = await manifest('m4b', [{ ...remote, name: 'remote2', file: 'remote2.bin', sha256: sha('other') }]);
    await expect(fetchArtifacts({ manifest: wrong, mirror, cacheDir: cache })).rejects.toThrow(/remote2: sha256 mismatch/);
    const gone = await manifest('m4c', [{ ...remote, name: 'remote3', file: 'remote3.bin', url: `${base}/missing.bin` }]);
    await expect(fetchArtifacts({ manifest: gone, mirror, cacheDir: cache })).rejects.toThrow(/HTTP 404/);
    const offline = await manifest('m4d', [{ ...remote, name: 'remote4', file: 'remote4.bin', url: undefined }]);
    await expect(fetchArtifacts({ manifest: offline, mirror, cacheDir: cache })).rejects.toThrow(/not in the mirror .* no direct download/);
  });

  it('installs optional artifacts only when asked, and rejects unknown names', async () => {
    const cache = path.join(root, 'cache5');
    const m = await manifest('m5', [file('a', A), file('b', B, { optional: true })]);
    expect((await fetchArtifacts({ manifest: m, mirror, cacheDir: cache })).map((r) => r.name)).toEqual(['a']);
    expect((await fetchArtifacts({ manifest: m, mirror, cacheDir: cache, includeOptional: true })).map((r) => r.name)).toEqual(['a', 'b']);
    expect((await fetchArtifacts({ manifest: m, mirror, cacheDir: cache, only: ['b'] })).map((r) => r.name)).toEqual(['b']);
    await expect(fetchArtifacts({ manifest: m, mirror, cacheDir: cache, only: ['zzz'] })).rejects.toThrow(/unknown artifact\(s\): zzz/);
  });
});

describe('the project manifest', () => {
  it('names every upstream artifact with checksum, size, licence and upstream', () => {
    const m = loadManifest();
    const names = m.artifacts.map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['mobilenetv2-12-int8', 'imagenet-labels', 'yolox-nano', 'coco-labels', 'clip-bpe-vocab', 'fashion-catalog', 'fashion-images-hires', 'fashion-images-small']));
    expect(m.artifacts.find((a) => a.name === 'fashion-images-small')?.optional).toBe(true);
  });

  it('places models where modelFile() looks and the dataset under datasets/', () => {
    const env = { LOOKBOOK_MODEL_DIR: '/opt/models' };
    expect(artifactPath('yolox-nano', { env })).toBe('/opt/models/yolox_nano.onnx');
    expect(datasetDir(env)).toBe('/opt/models/datasets/fashion-product-images');
    expect(artifactPath('fashion-catalog', { env })).toBe('/opt/models/datasets/fashion-product-images/catalog.jsonl.gz');
  });
});
