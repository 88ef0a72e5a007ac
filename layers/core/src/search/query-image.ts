/**
 * The query image: from `imageBase64` or from `imageKey` (a finished upload, issue 4), checked before the
 * encoder sees it. The happy path only sniffs magic bytes and reads the header (cheap); a full strict decode
 * (vision/image-check) runs only when the encoder fails, to turn a bad file into a clear 400.
 */
import sharp from 'sharp';
import type { BlobStore } from '../ports.ts';
import type { LabelScore } from '../ranking/lookalike-vote.ts';
import { checkImage, IMAGE_LIMITS, sniffFormat } from '../vision/image-check.ts';
import { isImageRejected } from '../vision/errors.ts';
import { SearchError } from './errors.ts';

export const MAX_QUERY_IMAGE_BYTES = IMAGE_LIMITS.maxBytes; // 5 MB decoded

/** What the vision pipeline knows about an upload (its analyses record). */
export interface UploadAnalysis {
  status: 'pending' | 'done' | 'failed' | string;
  error?: string;
  /** The stored image embedding, when the pipeline kept one for this encoder. */
  embedding?: { encoderId: string; encoderVersion: string; vector: number[] };
  /** The garment attributes the pipeline read (top label per head). */
  attributes?: Record<string, string>;
  /** Per head, the pipeline's best labels with probabilities. */
  labels?: Record<string, LabelScore[]>;
}

export type UploadLookup = (uploadId: string) => Promise<UploadAnalysis | undefined>;

const UPLOAD_KEY = /^uploads\/(search|wardrobe|catalog)\/([A-Za-z0-9_-]{8,64})$/;

export function parseUploadKey(key: string): { purpose: string; uploadId: string } {
  const m = UPLOAD_KEY.exec(key);
  if (!m) throw new SearchError('invalid', `imageKey must be the key of an upload (uploads/{purpose}/{uploadId}), got "${key.slice(0, 120)}"`);
  return { purpose: m[1], uploadId: m[2] };
}

export function decodeBase64Image(b64: string): Uint8Array {
  const clean = b64.replace(/^data:[\w/+.-]+;base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean)) throw new SearchError('invalid', 'imageBase64 is not valid base64');
  const approx = Math.floor((clean.length * 3) / 4);
  if (approx > MAX_QUERY_IMAGE_BYTES + 3) throw new SearchError('too-large', `The image is about ${approx} bytes; the limit is ${MAX_QUERY_IMAGE_BYTES} bytes (5 MB)`);
  const bytes = Buffer.from(clean, 'base64');
  if (bytes.length === 0) throw new SearchError('invalid', 'imageBase64 is empty');
  return bytes;
}

/** Cheap checks: size, magic bytes, a readable header with sane dimensions. */
export async function precheckImage(bytes: Uint8Array): Promise<void> {
  if (bytes.length > MAX_QUERY_IMAGE_BYTES) throw new SearchError('too-large', `The image is ${bytes.length} bytes; the limit is ${MAX_QUERY_IMAGE_BYTES} bytes (5 MB)`);
  if (!sniffFormat(bytes)) throw new SearchError('unsupported-media', 'The image is not a JPEG, PNG or WebP file (unknown magic bytes)');
  let w = 0;
  let h = 0;
  try {
    ({ width: w = 0, height: h = 0 } = await sharp(bytes, { limitInputPixels: false }).metadata());
  } catch (err) {
    throw new SearchError('invalid', `The image cannot be read: ${(err as Error).message.split('\n')[0]}`);
  }
  if (w * h > IMAGE_LIMITS.maxPixels || w > IMAGE_LIMITS.maxSide || h > IMAGE_LIMITS.maxSide) {
    throw new SearchError('invalid', `The image declares ${w}×${h} pixels; the limit is ${IMAGE_LIMITS.maxPixels} pixels`);
  }
  if (w < IMAGE_LIMITS.minSide || h < IMAGE_LIMITS.minSide) throw new SearchError('invalid', `The image is ${w}×${h}; at least ${IMAGE_LIMITS.minSide} px a side is needed`);
}

/** After the encoder failed: is it the file's fault (→ 400 with the reason) or ours (rethrow)? */
export async function explainImageFailure(bytes: Uint8Array, err: unknown): Promise<never> {
  try {
    await checkImage(bytes);
  } catch (rejection) {
    if (isImageRejected(rejection)) throw new SearchError('invalid', rejection.message);
  }
  throw err;
}

export interface ResolvedUpload {
  bytes?: Uint8Array;
  vector?: Float32Array;
  attributes?: Record<string, string>;
  labels?: Record<string, LabelScore[]>;
}

/** A finished upload's bytes (or stored embedding); 404 for an unknown upload, 400 for one not done. */
export async function resolveUpload(key: string, uploads: BlobStore | undefined, lookup: UploadLookup | undefined, encoder: { id: string; version: string }): Promise<ResolvedUpload> {
  const { uploadId } = parseUploadKey(key);
  if (!uploads) throw new SearchError('invalid', 'Search by imageKey is not available here');
  if (lookup) {
    const analysis = await lookup(uploadId);
    if (!analysis) throw new SearchError('not-found', `No upload ${uploadId}: upload the image first (POST /v1/uploads)`);
    if (analysis.status === 'failed') throw new SearchError('invalid', `Upload ${uploadId} was refused by the analysis: ${analysis.error ?? 'failed'}`);
    if (analysis.status !== 'done') throw new SearchError('invalid', `Upload ${uploadId} is not finished yet (status ${analysis.status}); retry when GET /v1/uploads/${uploadId} says done`);
    const e = analysis.embedding;
    if (e && e.encoderId === encoder.id && e.encoderVersion === encoder.version && e.vector.length > 0) return { vector: Float32Array.from(e.vector), attributes: analysis.attributes, labels: analysis.labels };
  }
  const bytes = await uploads.get(key);
  if (!bytes) throw new SearchError('not-found', `No uploaded image at ${key}`);
  return { bytes };
}
