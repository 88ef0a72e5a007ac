/**
 * The one route table. The CDK stack turns it into API Gateway HTTP API routes and Lambda functions;
 * the local server (infra/local) turns it into node:http routes that deliver API Gateway v2 events
 * to the very same handler modules. Add a route here and both hosts get it.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** public: no authorizer. user: JWT required. admin: JWT required and the handler checks the admin group. */
export type RouteAuth = 'public' | 'user' | 'admin';

export interface FunctionDef {
  /** Module path from the repo root; it exports `handler`. */
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSec: number;
  /** node: NodejsFunction bundle. container: image Lambda with the native ML runtime (layers/ml-runtime). */
  packaging: 'node' | 'container';
  /** Which backing resources the function may touch; the stack grants exactly these. */
  uses: ReadonlyArray<'catalog' | 'sessions' | 'analyses' | 'wardrobe' | 'catalogBucket' | 'uploadsBucket' | 'artifactsBucket' | 'llm'>;
}

export const functions = {
  health: {
    entry: 'functions/health/handler.ts',
    description: 'Liveness and readiness probes',
    memoryMb: 256,
    timeoutSec: 10,
    packaging: 'node',
    uses: ['catalog', 'catalogBucket', 'artifactsBucket'],
  },
  products: {
    entry: 'functions/products/handler.ts',
    description: 'Product lookup and listing',
    memoryMb: 512,
    timeoutSec: 10,
    packaging: 'node',
    uses: ['catalog', 'catalogBucket'],
  },
  search: {
    entry: 'functions/search/handler.ts',
    description: 'Text, image and hybrid search; similar products (holds the HNSW index in memory)',
    memoryMb: 3008,
    timeoutSec: 29,
    packaging: 'node',
    uses: ['catalog', 'analyses', 'catalogBucket', 'uploadsBucket', 'artifactsBucket'],
  },
  indexer: {
    entry: 'functions/indexer/handler.ts',
    description: 'Builds the search index from the catalog and publishes it to the artifacts bucket',
    memoryMb: 4096,
    timeoutSec: 900,
    packaging: 'container',
    uses: ['catalog', 'catalogBucket', 'artifactsBucket'],
  },
  uploads: {
    entry: 'functions/uploads/handler.ts',
    description: 'Presigned photo uploads and their analysis status with shop-the-look results',
    memoryMb: 1536,
    timeoutSec: 15,
    packaging: 'node',
    uses: ['catalog', 'analyses', 'uploadsBucket', 'catalogBucket', 'artifactsBucket'],
  },
  vision: {
    entry: 'functions/vision/handler.ts',
    description: 'S3-triggered vision pipeline: check, detect (YOLOX), tag, colours, embed; catalog and wardrobe updates',
    memoryMb: 3008,
    timeoutSec: 120,
    packaging: 'container',
    uses: ['catalog', 'analyses', 'wardrobe', 'uploadsBucket', 'catalogBucket', 'artifactsBucket'],
  },
  wardrobe: {
    entry: 'functions/wardrobe/handler.ts',
    description: "A shopper's analysed wardrobe items",
    memoryMb: 256,
    timeoutSec: 10,
    packaging: 'node',
    uses: ['wardrobe'],
  },
  admin: {
    entry: 'functions/admin/handler.ts',
    description: 'Admin product operations: re-run the vision analysis of a product image',
    memoryMb: 512,
    timeoutSec: 15,
    packaging: 'node',
    uses: ['catalog', 'analyses', 'catalogBucket', 'uploadsBucket'],
  },
} as const satisfies Record<string, FunctionDef>;

export type FunctionId = keyof typeof functions;

export interface RouteDef {
  method: HttpMethod;
  /** API Gateway path syntax: /v1/products/{id} */
  path: string;
  fn: FunctionId;
  auth: RouteAuth;
}

export const routes: readonly RouteDef[] = [
  { method: 'GET', path: '/health', fn: 'health', auth: 'public' },
  { method: 'GET', path: '/ready', fn: 'health', auth: 'public' },
  { method: 'GET', path: '/v1/products', fn: 'products', auth: 'public' },
  { method: 'GET', path: '/v1/products/{id}', fn: 'products', auth: 'public' },
  { method: 'POST', path: '/v1/search', fn: 'search', auth: 'public' },
  { method: 'GET', path: '/v1/products/{id}/similar', fn: 'search', auth: 'public' },
  { method: 'POST', path: '/v1/admin/index/rebuild', fn: 'indexer', auth: 'admin' },
  { method: 'POST', path: '/v1/uploads', fn: 'uploads', auth: 'public' },
  { method: 'POST', path: '/v1/admin/uploads', fn: 'uploads', auth: 'admin' },
  { method: 'GET', path: '/v1/uploads/{uploadId}', fn: 'uploads', auth: 'public' },
  { method: 'GET', path: '/v1/wardrobe', fn: 'wardrobe', auth: 'public' },
  { method: 'POST', path: '/v1/products/{id}/analyze', fn: 'admin', auth: 'admin' },
];

/** API Gateway route key, e.g. "GET /v1/products/{id}". */
export const routeKey = (r: RouteDef) => `${r.method} ${r.path}`;

/** S3 ObjectCreated notifications: the stack wires them to Lambda; the local cloud delivers s3rver's events. */
export interface BucketNotificationDef {
  bucket: 'uploads' | 'catalog' | 'artifacts';
  prefix: string;
  fn: FunctionId;
}

export const bucketNotifications: readonly BucketNotificationDef[] = [
  // POST /v1/admin/index/rebuild drops a request here; the indexer builds outside API Gateway's 30 s limit.
  { bucket: 'artifacts', prefix: 'index/requests/', fn: 'indexer' },
  // Photos PUT through presigned URLs (POST /v1/uploads) are analysed by the vision pipeline.
  { bucket: 'uploads', prefix: 'uploads/', fn: 'vision' },
];
