/**
 * Child process of the bench: a fresh Node process (nothing warm) loads the current index from the local S3
 * the way a cold search Lambda's IndexHolder does (loadPointed), and prints timings as JSON. Env: the local cloud's (AWS_ENDPOINT_URL_S3…).
 */
import { s3IndexStore } from '#core/adapters/aws/index-store';
import { loadPointed } from '#core/index/deltas';

const store = s3IndexStore();
// Warm the SDK's lazy imports and the connection once, as the Lambda init phase would.
await store.readPointer();
const pointer = await store.readPointer();
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const faults0 = process.resourceUsage().minorPageFault;
const steps: Record<string, number> = {};
const index = await loadPointed(store, pointer!, steps);
// Fresh memory costs a page fault per 4 KB page: microseconds each, far more on some VMs.
steps['page faults'] = process.resourceUsage().minorPageFault - faults0;
const ms = performance.now() - t0;
const cpuMs = (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000;
// What a text query needs beyond the load (BM25, restored from the artifact's lexical.bin or built; the intent
// vocabulary; attribute postings): the holder prepares it on the next tick. Timed on its own.
const t1 = performance.now();
await index.prepareQueries();
const prepareMs = performance.now() - t1;
const bm25Restored = index.lexicalBuildMs === undefined;
// A first "similar items" lookup (read a product's vector, walk the graph), with the caches cold.
const t2 = performance.now();
const probe = index.vectors.ids().next().value!;
index.vectors.search(index.vectors.vectorOf(probe)!, 10);
const firstSearchMs = performance.now() - t2;
process.stdout.write(JSON.stringify({ ms, cpuMs, steps, prepareMs, bm25Restored, firstSearchMs, version: index.version, count: index.size }) + '\n');
process.exit(0);
