/**
 * Child process of the bench: a fresh Node process answers one text query the way a cold search Lambda does
 * (searchRuntime: the encoder's models, the index holder and the service over the local cloud), and prints how
 * long that took from the import on. Env: the local cloud's (AWS_ENDPOINT_URL_S3…).
 */
const t0 = performance.now();
const { searchRuntime } = await import('../../functions/search/runtime.ts');
const { service } = await searchRuntime();
const response = await service.search({ text: 'navy blue slim fit shirt', topK: 10 });
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, results: response.results.length }) + '\n');
process.exit(0);

export {}; // a module: top-level await
