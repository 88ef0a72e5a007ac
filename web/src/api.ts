/**
 * Typed client for the Lookbook HTTP API (functions/routes.ts). The shapes mirror the handlers' zod schemas;
 * the web app is served on the same origin as the API, so the default base URL is "" (relative paths).
 * Every non-2xx reply is turned into an ApiError carrying the envelope { error: { code, message, requestId } }.
 */

// ---------- shared shapes ----------

export interface ProductFilters {
  gender?: string;
  masterCategory?: string;
  subCategory?: string;
  articleType?: string;
  baseColour?: string;
  season?: string;
  usage?: string;
  priceMin?: number;
  priceMax?: number;
  inStock?: boolean;
}

export interface Product {
  id: string;
  sku?: string;
  title: string;
  brand: string;
  gender: string;
  ageGroup?: string;
  masterCategory: string;
  subCategory: string;
  articleType: string;
  baseColour: string;
  colours?: string[];
  season?: string;
  year?: number;
  usage?: string;
  price: number;
  discountedPrice?: number;
  currency: string;
  attributes?: Record<string, string>;
  description?: string;
  sizes?: string[];
  stock?: number;
  imageKeys?: string[];
  /** Browser-loadable image URL(s) the products route adds (presigned, local static path or CloudFront). */
  imageUrl?: string;
  imageUrls?: string[];
  vision?: Record<string, unknown>;
  createdAt?: string;
  updatedAt?: string;
}

export interface ProductPage {
  items: Product[];
  count?: number;
  /** Opaque; null on the last page. */
  cursor?: string | null;
}

export interface ListProductsQuery extends Omit<ProductFilters, 'articleType'> {
  /** articleType, exact catalog value (served by the byCategoryPrice index). */
  category?: string;
  /** 1..100, default 24. */
  limit?: number;
  cursor?: string;
}

// ---------- search ----------

export interface SearchRequest {
  text?: string;
  imageKey?: string;
  imageBase64?: string;
  /** Weight of the image in the fused query vector, 0..1 (API default 0.5). */
  alpha?: number;
  topK?: number;
  filters?: ProductFilters;
  /** false turns the BM25 leg off. */
  lexical?: boolean;
}

export type SearchType = 'text' | 'image' | 'hybrid';

export interface SearchResult {
  productId: string;
  title: string;
  brand: string;
  price: number;
  currency: string;
  imageUrl?: string | null;
  articleType: string;
  baseColour: string;
  /** Cosine for vector-only rankings, the RRF score when BM25 is fused. */
  score: number;
  gender?: string;
  discountedPrice?: number;
}

export interface SearchResponse {
  results: SearchResult[];
  tookMs: number;
  searchType: SearchType;
  alphaUsed: number;
  indexVersion?: string;
  /** Whether the BM25 leg was fused in. */
  lexical?: boolean;
  /** What the words (and photo) named in catalog terms, e.g. { attributes: { baseColour: ['Red'] }, phrases: ['red'] }. */
  intent?: { attributes: Record<string, string[]>; phrases: string[]; fromImage?: string[] };
}

export interface SimilarResponse {
  productId?: string;
  results: SearchResult[];
  tookMs?: number;
  indexVersion?: string;
}

// ---------- uploads ----------

export type UploadPurpose = 'search' | 'wardrobe' | 'catalog';
export type UploadContentType = 'image/jpeg' | 'image/png' | 'image/webp';
export const UPLOAD_TYPES: readonly UploadContentType[] = ['image/jpeg', 'image/png', 'image/webp'];
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

export interface CreateUploadRequest {
  contentType: UploadContentType;
  contentLength: number;
  purpose: UploadPurpose;
  /** The browser's anonymous session (8–128 of A-Z a-z 0-9 - _): owns wardrobe items when not signed in. */
  sessionId?: string;
  /** Catalog uploads (admin route only): the product the image belongs to. */
  productId?: string;
  /** Explicit opt-in to face-aware styling (search and wardrobe uploads); face crops are never stored. */
  faceOptIn?: boolean;
}

export interface UploadTicket {
  uploadId: string;
  key: string;
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: string;
  statusUrl?: string;
}

/** pending-upload: URL issued, no object yet; pending: being analysed. */
export type AnalysisStatus = 'pending-upload' | 'pending' | 'done' | 'failed';
export const isPending = (s: AnalysisStatus | string) => s === 'pending' || s === 'pending-upload';

export interface AttributeGuess {
  value: string;
  confidence: number;
}

export interface ColourShare {
  name: string;
  /** Fraction of garment pixels, 0..1. */
  share: number;
  hex?: string;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Detection {
  label: string;
  score: number;
  /** Pixels of the upright original image. */
  box: Box;
}

export interface FaceAdvice {
  detected: boolean;
  faces?: number;
  shape?: string;
  confidence: 'none' | 'low' | 'medium';
  necklines: string[];
  accessories: string[];
  /** How rough the estimate is, in plain words. */
  caveat: string;
}

export interface AnalysisResult {
  image: { format?: string; width: number; height: number; bytes?: number };
  /** The region that was tagged: the largest person, or the whole image for product shots. */
  crop?: { kind: 'person' | 'whole'; box: Box };
  detections: Detection[];
  attributes: Record<string, AttributeGuess>;
  colours: ColourShare[];
  dominantColour?: string;
  face?: FaceAdvice;
  models?: Record<string, string>;
  /** Milliseconds per stage. */
  timings?: Record<string, number>;
  analysedAt?: string;
}

/** GET /v1/uploads/{uploadId} */
export interface UploadAnalysis {
  uploadId: string;
  key?: string;
  purpose?: UploadPurpose;
  status: AnalysisStatus;
  productId?: string;
  createdAt?: string;
  updatedAt?: string;
  error?: { reason: string; message: string };
  analysis?: AnalysisResult;
  /** A browser-loadable URL of the uploaded photo, if the API provides one. */
  imageUrl?: string;
  /** "Shop the look": a search with the stored embedding of the tagged crop, when done. */
  similar?: SearchResponse;
  /** Why shop-the-look is missing (e.g. the index isn't built yet); the analysis itself is still valid. */
  similarError?: string;
}

// ---------- wardrobe ----------

export interface WardrobeItem {
  ownerId: string;
  itemId: string;
  uploadId: string;
  /** The original upload in the uploads bucket. */
  imageKey?: string;
  /** A browser-loadable URL of the photo, if the API provides one. */
  imageUrl?: string;
  attributes: Record<string, AttributeGuess>;
  colours: ColourShare[];
  dominantColour?: string;
  articleType?: string;
  baseColour?: string;
  createdAt: string;
  updatedAt?: string;
}

export interface WardrobeResponse {
  ownerId: string;
  count?: number;
  items: WardrobeItem[];
}

// ---------- errors ----------

export interface ErrorEnvelope {
  error: { code: string; message: string; requestId?: string; details?: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Reads the error envelope of a failed reply; falls back to the status line when the body isn't one. */
export async function parseError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let env: Partial<ErrorEnvelope> | undefined;
  try {
    env = JSON.parse(text) as Partial<ErrorEnvelope>;
  } catch {
    env = undefined;
  }
  const e = env?.error;
  const requestId = res.headers.get('x-request-id') ?? undefined;
  if (e && typeof e.message === 'string') {
    return new ApiError(res.status, e.code ?? 'ERROR', e.message, e.requestId ?? requestId, e.details);
  }
  // API Gateway's own replies (no route, throttled, unauthorised, too large) are { message }.
  const gw = (env as { message?: unknown } | undefined)?.message;
  if (typeof gw === 'string') return new ApiError(res.status, `HTTP_${res.status}`, gw, requestId);
  // S3 errors are XML (<Code>SignatureDoesNotMatch</Code>); other proxies send text or nothing.
  const s3Code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  const s3Msg = /<Message>([^<]+)<\/Message>/.exec(text)?.[1];
  const message = s3Msg ?? (text.trim() && text.length < 300 ? text.trim() : `${res.status} ${res.statusText || 'request failed'}`);
  return new ApiError(res.status, s3Code ?? `HTTP_${res.status}`, message, requestId);
}

// ---------- request building ----------

type QueryValue = string | number | boolean | undefined | null;

/** base + path + query string, skipping empty values (so "?gender=" is never sent). */
export function buildUrl(base: string, path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '' || (typeof v === 'number' && Number.isNaN(v))) continue;
    params.set(k, String(v));
  }
  const qs = params.toString();
  return `${base.replace(/\/$/, '')}${path}${qs ? `?${qs}` : ''}`;
}

/** Drops empty strings, NaN and false-y booleans so the server's strict filter schema only sees real choices. */
export function cleanFilters(f: ProductFilters | undefined): ProductFilters | undefined {
  if (!f) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    if (typeof v === 'number' && Number.isNaN(v)) continue;
    out[k] = v;
  }
  return Object.keys(out).length ? (out as ProductFilters) : undefined;
}

/** Search request body: trims text, omits what isn't given, and only sends alpha when both modalities are. */
export function buildSearchBody(req: SearchRequest): SearchRequest {
  const body: SearchRequest = {};
  const text = req.text?.trim();
  if (text) body.text = text;
  if (req.imageKey) body.imageKey = req.imageKey;
  else if (req.imageBase64) body.imageBase64 = req.imageBase64;
  const hasImage = Boolean(body.imageKey || body.imageBase64);
  if (text && hasImage && req.alpha !== undefined) body.alpha = Math.min(1, Math.max(0, req.alpha));
  if (req.topK !== undefined) body.topK = req.topK;
  const filters = cleanFilters(req.filters);
  if (filters) body.filters = filters;
  if (req.lexical === false) body.lexical = false;
  return body;
}

export interface ApiClientOptions {
  /** API origin; "" = same origin (the default: the local server and CloudFront serve both). */
  baseUrl?: string;
  fetch?: typeof fetch;
}

export type ApiClient = ReturnType<typeof createApi>;

export function createApi(opts: ApiClientOptions = {}) {
  const base = opts.baseUrl ?? '';
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function call<T>(method: 'GET' | 'POST', path: string, init: { query?: Record<string, QueryValue>; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(buildUrl(base, path, init.query), {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
      });
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') throw err;
      throw new ApiError(0, 'NETWORK', 'Could not reach the Lookbook API. Check your connection and try again.');
    }
    if (!res.ok) throw await parseError(res);
    return (await res.json()) as T;
  }

  return {
    search: (req: SearchRequest, signal?: AbortSignal) => call<SearchResponse>('POST', '/v1/search', { body: buildSearchBody(req), signal }),

    getProduct: (id: string, signal?: AbortSignal) => call<Product>('GET', `/v1/products/${encodeURIComponent(id)}`, { signal }),

    listProducts: (q: ListProductsQuery = {}, signal?: AbortSignal) =>
      call<ProductPage>('GET', '/v1/products', { query: { ...q }, signal }),

    similar: (id: string, q: { topK?: number } & ProductFilters = {}, signal?: AbortSignal) =>
      call<SimilarResponse>('GET', `/v1/products/${encodeURIComponent(id)}/similar`, { query: { ...q }, signal }),

    createUpload: (req: CreateUploadRequest) => call<UploadTicket>('POST', '/v1/uploads', { body: req }),

    /** Status and analysis; `topK` and filters shape the shop-the-look products. */
    getUpload: (uploadId: string, signal?: AbortSignal, q: { topK?: number } & ProductFilters = {}) =>
      call<UploadAnalysis>('GET', `/v1/uploads/${encodeURIComponent(uploadId)}`, { query: { ...q }, signal }),

    wardrobe: (ownerId: string, signal?: AbortSignal) => call<WardrobeResponse>('GET', '/v1/wardrobe', { query: { ownerId }, signal }),

    /** PUTs the file to the presigned URL with exactly the signed headers (content type and length are signed). */
    async putUpload(ticket: UploadTicket, file: Blob): Promise<void> {
      let res: Response;
      try {
        res = await doFetch(ticket.url, { method: ticket.method ?? 'PUT', headers: uploadHeaders(ticket), body: file });
      } catch {
        throw new ApiError(0, 'NETWORK', 'The photo upload did not reach storage. Try again.');
      }
      if (!res.ok) throw await parseError(res);
    },
  };
}

/** Headers for the presigned PUT; the browser sets Content-Length itself (it is a forbidden header). */
export function uploadHeaders(ticket: Pick<UploadTicket, 'headers'>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ticket.headers ?? {})) {
    if (k.toLowerCase() === 'content-length' || k.toLowerCase() === 'host') continue;
    out[k] = v;
  }
  return out;
}

export const api = createApi();
