/**
 * Upstream artifacts (models/manifest.json): where they live once fetched, and how they get there.
 *
 * fetchArtifacts() installs every artifact into the cache (models/.cache, or env LOOKBOOK_MODEL_DIR — the same
 * place modelFile() reads) from a mirror folder (env LOOKBOOK_MIRROR, default ../shared next to the repo) or,
 * for files the mirror lacks, from the upstream `url`. Nothing is installed unless its sha256 (directories: both
 * digests, see the manifest's $comment) matches: files are written to a temp name, verified, then renamed, so a
 * mismatch leaves nothing behind and the error says expected vs actual. Installed artifacts that still verify
 * are skipped, so a second run is quick.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { modelFile, repoRoot } from '#core/model-files';

const Sha = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex sha256');
const Common = {
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** Destination, relative to the cache directory. */
  file: z.string().min(1).refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes('..'), 'must be a relative path inside the cache'),
  /** Source, relative to the mirror root. */
  mirrorPath: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  licence: z.string().min(1),
  upstream: z.string().url(),
  /** Direct download whose bytes match sha256 (absent when the artifact was converted or assembled). */
  url: z.string().url().optional(),
  optional: z.boolean().optional(),
  description: z.string().optional(),
};
export const FileArtifact = z.object({ kind: z.literal('file'), sha256: Sha, ...Common }).strict();
export const DirectoryArtifact = z.object({ kind: z.literal('directory'), files: z.number().int().nonnegative(), digest: Sha, contentDigest: Sha, ...Common }).strict();
export const Artifact = z.discriminatedUnion('kind', [FileArtifact, DirectoryArtifact]);
export type Artifact = z.infer<typeof Artifact>;
export const Manifest = z.object({ $comment: z.string().optional(), version: z.literal(1), artifacts: z.array(Artifact).min(1) }).strict();
export type Manifest = z.infer<typeof Manifest>;

export const DEFAULT_MANIFEST = path.join(repoRoot, 'models/manifest.json');
export const DATASET = 'datasets/fashion-product-images';

/** The cache directory: env LOOKBOOK_MODEL_DIR, default models/.cache (as modelFile()). */
export const cacheDir = (env: Record<string, string | undefined> = process.env) => path.dirname(modelFile('_', env));
export const defaultMirror = (env: Record<string, string | undefined> = process.env) => path.resolve(repoRoot, env.LOOKBOOK_MIRROR ?? '../shared');

/** Where the fetched Kaggle dataset lives (catalog.jsonl.gz, images-hires/, images-60x80/): the importer's --source. */
export const datasetDir = (env: Record<string, string | undefined> = process.env) => path.join(cacheDir(env), DATASET);

/** Synchronous on purpose: the manifest is tiny and artifactPath() callers are synchronous. */
export function loadManifest(file = DEFAULT_MANIFEST): Manifest {
  return Manifest.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Installed path of an artifact by manifest name, e.g. artifactPath('yolox-nano'). */
export function artifactPath(name: string, opts: { manifest?: string; env?: Record<string, string | undefined> } = {}): string {
  const a = loadManifest(opts.manifest).artifacts.find((x) => x.name === name);
  if (!a) throw new Error(`no artifact named "${name}" in ${opts.manifest ?? DEFAULT_MANIFEST}`);
  return path.join(cacheDir(opts.env), a.file);
}

export class ArtifactIntegrityError extends Error {
  constructor(
    readonly artifact: string,
    readonly expected: string,
    readonly actual: string,
    what = 'sha256',
  ) {
    super(`${artifact}: ${what} mismatch, expected ${expected}, got ${actual}; not installed`);
    this.name = 'ArtifactIntegrityError';
  }
}

export class ArtifactFetchError extends Error {
  constructor(readonly failures: Array<{ name: string; error: Error }>) {
    super(`${failures.length} artifact(s) not installed:\n${failures.map((f) => `  - ${f.error.message}`).join('\n')}`);
    this.name = 'ArtifactFetchError';
  }
}

export type FetchStatus = 'present' | 'copied' | 'downloaded';
export interface FetchResult {
  name: string;
  status: FetchStatus;
  path: string;
  bytes: number;
}

export interface FetchProgress {
  name: string;
  phase: 'checking' | 'copying' | 'downloading' | 'verifying' | 'done';
  done?: number;
  total?: number;
  status?: FetchStatus;
}

export interface FetchOptions {
  /** Names to fetch (optional ones included when named). Default: every non-optional artifact. */
  only?: string[];
  /** Also fetch optional artifacts (the 44k small images). */
  includeOptional?: boolean;
  manifest?: string;
  mirror?: string;
  cacheDir?: string;
  /** Allow upstream downloads for files the mirror lacks (default true). */
  download?: boolean;
  fetchImpl?: typeof fetch;
  onProgress?: (p: FetchProgress) => void;
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), h);
  return h.digest('hex');
}

/** sha256 over sorted "<name>\t<size>\n" lines: cheap structure check of an image folder. */
export async function directoryDigest(dir: string): Promise<{ files: number; bytes: number; digest: string }> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  const h = createHash('sha256');
  let bytes = 0;
  for (const n of names) {
    const { size } = await stat(path.join(dir, n));
    bytes += size;
    h.update(`${n}\t${size}\n`);
  }
  return { files: names.length, bytes, digest: h.digest('hex') };
}

/** sha256 over sorted "<name>\t<sha256 of the file>\n" lines. */
export async function directoryContentDigest(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  const h = createHash('sha256');
  for (const n of names) h.update(`${n}\t${createHash('sha256').update(await readFile(path.join(dir, n))).digest('hex')}\n`);
  return h.digest('hex');
}

const tempName = (dest: string) => `${dest}.partial-${process.pid}-${Date.now()}`;

async function installFile(a: z.infer<typeof FileArtifact>, dest: string, mirror: string, o: FetchOptions): Promise<FetchStatus> {
  const src = path.join(mirror, a.mirrorPath);
  const tmp = tempName(dest);
  let status: FetchStatus;
  try {
    if (existsSync(src)) {
      o.onProgress?.({ name: a.name, phase: 'copying', total: a.bytes });
      await copyFile(src, tmp);
      status = 'copied';
    } else if (a.url && o.download !== false) {
      o.onProgress?.({ name: a.name, phase: 'downloading', total: a.bytes });
      const res = await (o.fetchImpl ?? fetch)(a.url);
      if (!res.ok || !res.body) throw new Error(`${a.name}: download from ${a.url} failed: HTTP ${res.status}`);
      await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(tmp));
      status = 'downloaded';
    } else {
      throw new Error(`${a.name}: not in the mirror (${src})${a.url ? ' and downloads are off' : ` and it has no direct download; get it from ${a.upstream}`}`);
    }
    o.onProgress?.({ name: a.name, phase: 'verifying' });
    const actual = await sha256File(tmp);
    if (actual !== a.sha256) throw new ArtifactIntegrityError(a.name, a.sha256, actual);
    await chmod(tmp, 0o644);
    await rename(tmp, dest);
    return status;
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Hard-links each file when the filesystem allows it (same device, owner rules), copies otherwise. */
async function installDirectory(a: z.infer<typeof DirectoryArtifact>, dest: string, mirror: string, o: FetchOptions): Promise<FetchStatus> {
  const src = path.join(mirror, a.mirrorPath);
  if (!existsSync(src)) throw new Error(`${a.name}: not in the mirror (${src}); get it from ${a.upstream}`);
  const tmp = tempName(dest);
  try {
    await mkdir(tmp, { recursive: true });
    const names = (await readdir(src)).filter((n) => !n.startsWith('.')).sort();
    let canLink = true;
    let done = 0;
    for (const n of names) {
      const from = path.join(src, n);
      const to = path.join(tmp, n);
      if (canLink) {
        try {
          await link(from, to);
        } catch {
          canLink = false;
        }
      }
      if (!canLink) {
        await copyFile(from, to);
        await chmod(to, 0o644);
      }
      if (++done % 500 === 0) o.onProgress?.({ name: a.name, phase: 'copying', done, total: names.length });
    }
    o.onProgress?.({ name: a.name, phase: 'verifying' });
    const shape = await directoryDigest(tmp);
    if (shape.digest !== a.digest) throw new ArtifactIntegrityError(a.name, `${a.files} files / ${a.digest}`, `${shape.files} files / ${shape.digest}`, 'name/size digest');
    const content = await directoryContentDigest(tmp);
    if (content !== a.contentDigest) throw new ArtifactIntegrityError(a.name, a.contentDigest, content, 'content digest');
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
    return 'copied';
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Is the installed copy still the manifest's artifact? Files: sha256. Directories: the name/size digest. */
async function isInstalled(a: Artifact, dest: string): Promise<boolean> {
  if (!existsSync(dest)) return false;
  if (a.kind === 'file') return (await stat(dest)).size === a.bytes && (await sha256File(dest)) === a.sha256;
  return (await directoryDigest(dest)).digest === a.digest;
}

export async function fetchArtifacts(opts: FetchOptions = {}): Promise<FetchResult[]> {
  const manifest = loadManifest(opts.manifest);
  const mirror = path.resolve(opts.mirror ?? defaultMirror());
  const cache = path.resolve(opts.cacheDir ?? cacheDir());
  const unknown = (opts.only ?? []).filter((n) => !manifest.artifacts.some((a) => a.name === n));
  if (unknown.length) throw new Error(`unknown artifact(s): ${unknown.join(', ')}; the manifest has ${manifest.artifacts.map((a) => a.name).join(', ')}`);
  const wanted = manifest.artifacts.filter((a) => (opts.only ? opts.only.includes(a.name) : !a.optional || opts.includeOptional));

  const results: FetchResult[] = [];
  const failures: Array<{ name: string; error: Error }> = [];
  for (const a of wanted) {
    const dest = path.join(cache, a.file);
    try {
      await mkdir(path.dirname(dest), { recursive: true });
      opts.onProgress?.({ name: a.name, phase: 'checking' });
      const status: FetchStatus = (await isInstalled(a, dest)) ? 'present' : a.kind === 'file' ? await installFile(a, dest, mirror, opts) : await installDirectory(a, dest, mirror, opts);
      results.push({ name: a.name, status, path: dest, bytes: a.bytes });
      opts.onProgress?.({ name: a.name, phase: 'done', status });
    } catch (err) {
      failures.push({ name: a.name, error: err as Error });
    }
  }
  if (failures.length) throw new ArtifactFetchError(failures);
  // A small receipt for humans and for `npm start` (what was installed, from where).
  await writeFile(path.join(cache, '.fetched.json'), JSON.stringify({ at: new Date().toISOString(), mirror, results }, null, 2)).catch(() => undefined);
  return results;
}
