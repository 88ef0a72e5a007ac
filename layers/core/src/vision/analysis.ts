/**
 * The analysis record of one upload (DynamoDB table `analyses`, key uploadId) and the small store port it is
 * written through. Lifecycle:
 *
 *   pending-upload  written when the URL is presigned (conditional put: a new uploadId only)
 *   pending         an ObjectCreated event claimed it (attempts, lease, the object's eTag + sequencer)
 *   done | failed   the whole result (or the reason) lands in ONE conditional write on `version`
 *
 * Every transition is a compare-and-set on `version`, so two deliveries of one event, or two events for one key,
 * cannot both write: the loser re-reads and sees a newer state. Results live in one nested `result` attribute
 * written together with `status: done`, so a reader never sees half an analysis.
 */
import type { Box } from './image-check.ts';
import type { Detection } from './detect.ts';
import type { NamedColour } from './colours.ts';
import type { FaceAdvice } from './face-advice.ts';

export const UPLOAD_PURPOSES = ['search', 'wardrobe', 'catalog'] as const;
export type UploadPurpose = (typeof UPLOAD_PURPOSES)[number];

export type AnalysisStatus = 'pending-upload' | 'pending' | 'done' | 'failed';

export interface AttributeGuess {
  value: string;
  confidence: number;
  /** Runner-up labels, best first. */
  top?: { value: string; p: number }[];
}

export interface StoredEmbedding {
  encoderId: string;
  encoderVersion: string;
  dim: number;
  /** Little-endian float32, base64 (a 512-d vector is 2.7 kB; DynamoDB items may hold 400 kB). */
  base64: string;
}

export interface AnalysisResult {
  image: { format: string; width: number; height: number; bytes: number };
  crop: { kind: 'person' | 'whole'; box: Box };
  /** Boxes in pixels of the upright original image. */
  detections: Detection[];
  attributes: Record<string, AttributeGuess>;
  colours: NamedColour[];
  dominantColour: string;
  face?: FaceAdvice;
  models: Record<string, string>;
  /** Milliseconds per stage. */
  timings: Record<string, number>;
  analysedAt: string;
}

export interface AnalysisRecord {
  uploadId: string;
  /** uploads/{purpose}/{uploadId}, chosen by the server. */
  key: string;
  purpose: UploadPurpose;
  /** Wardrobe owner: user sub or session id. */
  ownerId?: string;
  sessionId?: string;
  userId?: string;
  productId?: string;
  /** Re-analysis of an existing product image: keep the product's image keys as they are. */
  reanalysis?: boolean;
  faceOptIn: boolean;
  contentType: string;
  contentLength: number;
  status: AnalysisStatus;
  /** Compare-and-set counter; every write is conditional on it. */
  version: number;
  /** Processing attempts for the current object. */
  attempts: number;
  createdAt: string;
  updatedAt: string;
  /** DynamoDB TTL (epoch seconds): shopper uploads expire; catalog analyses stay. */
  expiresAt?: number;
  /** The object version this record is about (from the S3 event). */
  object?: { eTag: string; sequencer: string; size: number };
  /** A claim holds until then (epoch ms); a crashed worker's claim lapses. */
  leaseUntil?: number;
  error?: { reason: string; message: string; retryable: boolean };
  result?: AnalysisResult;
  /** The search embedding of the analysed crop, top-level where search's imageKey lookup reads it. */
  embedding?: StoredEmbedding;
}

export class AnalysisConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalysisConflictError';
  }
}

export interface AnalysisStore {
  /** Creates a new record; AnalysisConflictError if the uploadId exists. */
  create(record: AnalysisRecord): Promise<void>;
  get(uploadId: string): Promise<AnalysisRecord | undefined>;
  /** Replaces the record if its stored version is still `expectedVersion` (the new record carries version + 1); else undefined. */
  replace(record: AnalysisRecord, expectedVersion: number): Promise<AnalysisRecord | undefined>;
}

/** Applies a change as the next version (callers pass the result to store.replace with the old version). */
export function nextVersion(rec: AnalysisRecord, patch: Partial<AnalysisRecord>, now: Date): AnalysisRecord {
  return { ...rec, ...patch, version: rec.version + 1, updatedAt: now.toISOString() };
}

/**
 * S3 sequencers order events for one key: hex strings of varying length, compared after left-padding with
 * zeros (AWS S3 docs, "Event message structure").
 */
export function compareSequencers(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  const pa = a.toUpperCase().padStart(n, '0');
  const pb = b.toUpperCase().padStart(n, '0');
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

export const uploadKey = (purpose: UploadPurpose, uploadId: string) => `uploads/${purpose}/${uploadId}`;

const KEY = /^uploads\/(search|wardrobe|catalog)\/([0-9a-f-]{36})$/;

/** Parses a key we issued; undefined for anything else (such objects are never analysed). */
export function parseUploadKey(key: string): { purpose: UploadPurpose; uploadId: string } | undefined {
  const m = KEY.exec(key);
  return m ? { purpose: m[1] as UploadPurpose, uploadId: m[2] } : undefined;
}

export function encodeEmbedding(v: Float32Array, encoderId: string, encoderVersion: string): StoredEmbedding {
  const copy = new Float32Array(v);
  return { encoderId, encoderVersion, dim: v.length, base64: Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength).toString('base64') };
}

export function decodeEmbedding(e: StoredEmbedding): Float32Array {
  const b = Buffer.from(e.base64, 'base64');
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** The public view of a record (GET /v1/uploads/{id}): no owner ids, no embedding bytes. */
export function publicView(rec: AnalysisRecord) {
  const r = rec.result;
  return {
    uploadId: rec.uploadId,
    key: rec.key,
    purpose: rec.purpose,
    status: rec.status,
    productId: rec.productId,
    createdAt: rec.createdAt,
    updatedAt: rec.updatedAt,
    attempts: rec.attempts,
    error: rec.error ? { reason: rec.error.reason, message: rec.error.message } : undefined,
    analysis: r
      ? {
          image: r.image,
          crop: r.crop,
          detections: r.detections,
          attributes: r.attributes,
          colours: r.colours,
          dominantColour: r.dominantColour,
          face: r.face,
          models: r.models,
          timings: r.timings,
          analysedAt: r.analysedAt,
          embedding: rec.embedding ? { encoderId: rec.embedding.encoderId, encoderVersion: rec.embedding.encoderVersion, dim: rec.embedding.dim } : undefined,
        }
      : undefined,
  };
}
