/**
 * Child process of the bench: a fresh Node process (nothing warm) loads the current index from the local S3
 * the way a cold search Lambda does, and prints timings as JSON. Env: the local cloud's (AWS_ENDPOINT_URL_S3…).
 */
import { s3IndexStore } from '#core/adapters/aws/index-store';
import { IndexHolder } from '#core/index/holder';

const store = s3IndexStore();
// Warm the SDK's lazy imports and the connection once, as the Lambda init phase would.
await store.readPointer();
const t0 = performance.now();
const holder = new IndexHolder({ store, refreshSeconds: 3600 });
const index = await holder.get();
const ms = performance.now() - t0;
// BM25 is built off the load path (SearchIndex.lexical); time it on its own.
const t1 = performance.now();
void index.lexical;
const lexicalMs = performance.now() - t1;
process.stdout.write(JSON.stringify({ ms, lexicalMs, version: index.version, count: index.size }) + '\n');
process.exit(0);
