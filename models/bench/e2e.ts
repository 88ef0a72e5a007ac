/**
 * End to end: a local cloud (dynalite + s3rver + the API adapter), an index of the real catalog's metadata with
 * synthetic clustered vectors published to the local S3, cold loads in fresh processes (from a local S3 in a
 * process of its own, s3-process.ts), then POST /v1/search through the local API: client round trip and the
 * server's own tookMs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Encoder } from '#core';
import type { IndexedItem } from '#core/index/artifact';
import { publishIndex } from '#core/index/artifact-io';
import { SearchIndex } from '#core/index/search-index';
import { withHeadroom } from '#core/search/build-index';
import { IndexHolder } from '#core/index/holder';
import type { HnswParams } from '#core/index/hnsw';
import { s3IndexStore } from '#core/adapters/aws/index-store';
import { repoRoot } from '#core/model-files';
import { startLocalCloud } from '../../infra/local/cloud.ts';
import { childServer, childStdout, lastLine } from './child.ts';
import { row, timings, type Dataset, type Timing } from './synthetic.ts';

export interface Measured {
  client: Timing;
  server: Timing;
  /** p50 of each step of the server time (SearchResponse.timings). */
  breakdown: Record<string, number>;
}

export interface E2eResult {
  publishMs: number;
  indexBytes: number;
  coldLoadMs: number[];
  /** The same cold loads with glibc's default malloc (GLIBC_TUNABLES unset in the loading process). */
  coldLoadDefaultMallocMs: number[];
  /** A fresh process answering its first text query as a cold search function does: encoder, index load, query preparation. */
  coldSearchMs: number[];
  /** SearchIndex.prepareQueries after each cold load (BM25 restored or built, intent vocabulary, attribute postings). */
  prepareMs: number[];
  bm25Restored: boolean;
  firstSearchMs: number[];
  freshMemoryMs: number[];
  coldLoadCpuMs: number[];
  coldLoadSteps: Record<string, number>[];
  text: Measured;
  image?: Measured;
  textNoLexical: Measured;
  textPresigned: Measured;
  /** One-product index updates: publish (a delta + the conditional pointer write) and a warm holder's pick-up. */
  update: { publish: Timing; pickUp: Timing };
}

export async function benchE2e(opts: { encoder: Encoder; items: IndexedItem[]; ds: Dataset; params: HnswParams; texts: string[]; images: Buffer[]; coldRuns: number; log: (m: string) => void }): Promise<E2eResult> {
  const { encoder, items, ds } = opts;
  if (ds.dim !== encoder.dim) throw new Error(`dataset dim ${ds.dim} ≠ encoder dim ${encoder.dim}`);
  // A data directory, so that a local S3 in a process of its own can serve the cold-start children the same objects.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lookbook-bench-cloud-'));
  const cloud = await startLocalCloud({ api: true, port: 0, quiet: true, dataDir });
  let s3Process: { ready: { url: string }; stop: () => void } | undefined;
  try {
    const index = SearchIndex.empty({ id: encoder.id, version: encoder.version }, ds.dim, opts.params, withHeadroom(items.length));
    items.forEach((item, i) => index.add(item, row(ds, i % ds.n)));
    const t0 = performance.now();
    const manifest = await publishIndex(s3IndexStore(), index);
    const publishMs = Math.round(performance.now() - t0);
    const indexBytes = Object.values(manifest.files).reduce((a, f) => a + f.bytes, 0);
    opts.log(`e2e: published ${manifest.count} items (${(indexBytes / 1e6).toFixed(1)} MB: graph, binary16 vectors, items, BM25) in ${publishMs} ms`);

    const coldLoadMs: number[] = [];
    const coldLoadDefaultMallocMs: number[] = [];
    const coldSearchMs: number[] = [];
    const prepareMs: number[] = [];
    let bm25Restored = true;
    const firstSearchMs: number[] = [];
    const freshMemoryMs: number[] = [];
    const coldLoadCpuMs: number[] = [];
    const coldLoadSteps: Record<string, number>[] = [];
    // A fresh process running one of the bench's child scripts, its JSON result. Asynchronous on purpose: the rest
    // of the local cloud (DynamoDB) runs in this process's event loop.
    s3Process = await childServer<{ url: string }>(['--import', 'tsx', path.join(repoRoot, 'models/bench/s3-process.ts'), path.join(dataDir, 's3')], { cwd: repoRoot });
    const childEnv = { ...cloud.env, AWS_ENDPOINT_URL_S3: s3Process.ready.url };
    const child = async <T>(script: string, env: NodeJS.ProcessEnv = process.env): Promise<T> =>
      JSON.parse(lastLine(await childStdout(['--import', 'tsx', path.join(repoRoot, 'models/bench', script)], `${script} failed`, { env: { ...env, ...childEnv }, cwd: repoRoot }))) as T;
    type ColdLoad = { ms: number; prepareMs: number; bm25Restored: boolean; firstSearchMs: number; cpuMs: number; steps: Record<string, number> };
    const { GLIBC_TUNABLES: _, ...defaultMalloc } = process.env;
    // One load not counted: the new S3 process's first requests run unoptimised code (S3 itself is always warm).
    await child<ColdLoad>('cold-load.ts');
    for (let i = 0; i < opts.coldRuns; i++) {
      const parsed = await child<ColdLoad>('cold-load.ts');
      coldLoadCpuMs.push(Math.round(parsed.cpuMs));
      coldLoadSteps.push(parsed.steps);
      coldLoadMs.push(Math.round(parsed.ms));
      prepareMs.push(Math.round(parsed.prepareMs));
      bm25Restored &&= parsed.bm25Restored;
      firstSearchMs.push(Math.round(parsed.firstSearchMs * 10) / 10);
      coldLoadDefaultMallocMs.push(Math.round((await child<ColdLoad>('cold-load.ts', defaultMalloc)).ms));
      freshMemoryMs.push(await firstTouchMs(defaultMalloc));
      const search = await child<{ ms: number; results: number }>('cold-search.ts');
      if (!search.results) throw new Error('the cold search child found nothing');
      coldSearchMs.push(Math.round(search.ms));
    }
    opts.log(`e2e: cold loads ${coldLoadMs.join(', ')} ms (default malloc ${coldLoadDefaultMallocMs.join(', ')} ms; CPU ${coldLoadCpuMs.join(', ')} ms; ${JSON.stringify(coldLoadSteps[0])}); query preparation ${prepareMs.join(', ')} ms (BM25 ${bm25Restored ? 'restored' : 'built'}); first searches ${firstSearchMs.join(', ')} ms; cold first text queries ${coldSearchMs.join(', ')} ms; 64 MB first touch ${freshMemoryMs.join(', ')} ms`);

    // Catalog uploads at this size: each one published as a delta by one process, picked up by another warm one.
    const reader = new IndexHolder({ store: s3IndexStore(), refreshSeconds: 3600 });
    // A loaded index prepares its queries (BM25…) on the next tick; done here, so that work is not charged to
    // the writer's first update, which shares this event loop (two Lambdas in AWS).
    await (await reader.get()).prepareQueries();
    const writer = new IndexHolder({ store: s3IndexStore(), refreshSeconds: 3600 });
    writer.adopt(index);
    const updateMs: number[] = [];
    const pickUpMs: number[] = [];
    for (let i = 0; i < 9; i++) {
      const t = performance.now();
      await writer.update({ add: [{ item: { ...items[i], id: `bench-upload-${i}` }, vector: row(ds, i) }] });
      updateMs.push(performance.now() - t);
      const t2 = performance.now();
      if (!(await reader.refresh())) throw new Error('the warm reader did not pick up the delta');
      pickUpMs.push(performance.now() - t2);
    }
    opts.log(`e2e: one-product updates published in ${updateMs.map(Math.round).join(', ')} ms, picked up in ${pickUpMs.map(Math.round).join(', ')} ms`);

    // The search function in this process gets the same encoder (registry) and loads the index from S3.
    const api = cloud.urls.api!;
    const call = async (body: unknown) => {
      const t = performance.now();
      const r = await fetch(`${api}/v1/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await r.json()) as { tookMs?: number; timings?: Record<string, number>; error?: { message: string } };
      if (json.timings) for (const [k, v] of Object.entries(json.timings)) (parts[k] ??= []).push(v);
      if (r.status !== 200) throw new Error(`search answered ${r.status}: ${json.error?.message}`);
      return { client: performance.now() - t, server: json.tookMs ?? NaN };
    };
    let parts: Record<string, number[]> = {};
    const run = async (bodies: unknown[]) => {
      for (const b of bodies.slice(0, 5)) await call(b);
      parts = {};
      const client: number[] = [];
      const server: number[] = [];
      for (const b of bodies) {
        const r = await call(b);
        client.push(r.client);
        server.push(r.server);
      }
      const breakdown = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, timings(v).p50]));
      opts.log(`e2e: server time p50 by step ${JSON.stringify(breakdown)}`);
      return { client: timings(client), server: timings(server), breakdown };
    };
    // As deployed: the stack sets IMAGE_BASE_URL (CloudFront), so result image URLs are string concatenation.
    const previousBase = process.env.IMAGE_BASE_URL;
    process.env.IMAGE_BASE_URL = 'https://images.example.cloudfront.net';
    const text = await run(opts.texts.map((t) => ({ text: t, topK: 20 })));
    const textNoLexical = await run(opts.texts.map((t) => ({ text: t, topK: 20, lexical: false })));
    const image = opts.images.length ? await run(opts.images.map((b) => ({ imageBase64: b.toString('base64'), topK: 20 }))) : undefined;
    // Locally: a presigned GET per result image (the AWS SDK presigner, ~1 ms each on this machine).
    if (previousBase === undefined) delete process.env.IMAGE_BASE_URL;
    else process.env.IMAGE_BASE_URL = previousBase;
    const textPresigned = await run(opts.texts.map((t) => ({ text: t, topK: 20 })));
    return {
      textPresigned, publishMs, indexBytes, coldLoadMs, coldLoadDefaultMallocMs, coldSearchMs, prepareMs, bm25Restored, firstSearchMs, freshMemoryMs, coldLoadCpuMs, coldLoadSteps, text, textNoLexical, image, update: { publish: timings(updateMs), pickUp: timings(pickUpMs) } };
  } finally {
    s3Process?.stop();
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * What touching fresh memory costs on this machine: a new process fills a new 64 MB buffer (page faults and
 * zeroing, ~16k pages). Loads are dominated by it on some VMs, so the bench reports it beside them.
 */
async function firstTouchMs(env: NodeJS.ProcessEnv): Promise<number> {
  const script = 'const t = performance.now(); Buffer.alloc(64 << 20, 1); process.stdout.write(String(performance.now() - t));';
  return Math.round(Number(await childStdout(['-e', script], 'first-touch child failed', { env })));
}
