/**
 * Photo handling in the browser: validate, optionally shrink, and either inline as base64 (small search photos)
 * or upload through a presigned PUT (POST /v1/uploads → fetch PUT → key). Big phone photos are shrunk first
 * so uploads stay fast on mobile data; the vision pipeline doesn't need more than ~1600 px.
 */
import { api, ApiError, isPending, MAX_UPLOAD_BYTES, UPLOAD_TYPES, type ApiClient, type UploadAnalysis, type UploadContentType, type UploadPurpose, type UploadTicket } from './api.ts';

/** Search photos up to this size go inline as imageBase64 (the API's JSON body limit is 1 MB). */
export const INLINE_MAX_BYTES = 600 * 1024;
const MAX_SIDE = 1600;

export function checkPhoto(file: File): string | undefined {
  if (!UPLOAD_TYPES.includes(file.type as UploadContentType)) return `“${file.name}” is not a JPEG, PNG or WebP image.`;
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (file.size > MAX_UPLOAD_BYTES * 4) return `“${file.name}” is ${(file.size / 1e6).toFixed(1)} MB; photos up to 20 MB are accepted (large ones are resized before upload).`;
  return undefined;
}

/** Re-encodes large photos as JPEG with the long side ≤ 1600 px; small ones are returned unchanged. */
export async function shrinkPhoto(file: File): Promise<Blob> {
  if (file.size <= INLINE_MAX_BYTES || typeof createImageBitmap !== 'function') return file;
  try {
    const bmp = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bmp.width * scale);
    canvas.height = Math.round(bmp.height * scale);
    canvas.getContext('2d')?.drawImage(bmp, 0, 0, canvas.width, canvas.height);
    bmp.close();
    const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', 0.88));
    return blob && blob.size < file.size ? blob : file;
  } catch {
    return file;
  }
}

export async function toBase64(blob: Blob): Promise<string> {
  const buf = new Uint8Array(await blob.arrayBuffer());
  let bin = '';
  for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode(...buf.subarray(i, i + 0x8000));
  return btoa(bin);
}

export async function uploadPhoto(
  blob: Blob,
  purpose: UploadPurpose,
  extra: { sessionId?: string; faceOptIn?: boolean } = {},
  client: ApiClient = api,
): Promise<UploadTicket> {
  const contentType = (UPLOAD_TYPES.includes(blob.type as UploadContentType) ? blob.type : 'image/jpeg') as UploadContentType;
  if (blob.size > MAX_UPLOAD_BYTES) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `The photo is ${(blob.size / 1e6).toFixed(1)} MB after resizing; the limit is 5 MB.`);
  const ticket = await client.createUpload({ contentType, contentLength: blob.size, purpose, ...extra });
  await client.putUpload(ticket, blob);
  rememberPreview(ticket.uploadId, blob);
  return ticket;
}

/**
 * Photos this browser uploaded, so the analysis and wardrobe pages can show them: the full photo for this tab
 * (an object URL) and a small JPEG thumbnail in localStorage for later visits. Uploaded photos live in a private
 * bucket and the API returns no URL for them.
 */
const previews = new Map<string, string>();
const THUMB_PREFIX = 'lookbook.thumb.';
const MAX_THUMBS = 60;

function rememberPreview(uploadId: string, blob: Blob) {
  if (typeof URL.createObjectURL !== 'function') return;
  previews.set(uploadId, URL.createObjectURL(blob));
  void saveThumbnail(uploadId, blob);
}

async function saveThumbnail(uploadId: string, blob: Blob) {
  if (typeof createImageBitmap !== 'function' || typeof localStorage === 'undefined') return;
  try {
    const bmp = await createImageBitmap(blob);
    const scale = Math.min(1, 360 / Math.max(bmp.width, bmp.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bmp.width * scale);
    canvas.height = Math.round(bmp.height * scale);
    canvas.getContext('2d')?.drawImage(bmp, 0, 0, canvas.width, canvas.height);
    bmp.close();
    const keys = Object.keys(localStorage).filter((k) => k.startsWith(THUMB_PREFIX));
    // Oldest first out (keys carry no time, so keep a small bounded set).
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_THUMBS + 1))) localStorage.removeItem(k);
    localStorage.setItem(THUMB_PREFIX + uploadId, canvas.toDataURL('image/jpeg', 0.8));
  } catch {
    // Storage full or disabled: the pages fall back to a placeholder.
  }
}

export function localPreview(uploadId: string): string | undefined {
  const live = previews.get(uploadId);
  if (live) return live;
  try {
    return localStorage.getItem(THUMB_PREFIX + uploadId) ?? undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });

/**
 * Polls GET /v1/uploads/{id} until the analysis is done or failed, backing off from 400 ms to 2 s.
 * A 404 right after the PUT may just mean the S3 event hasn't been handled yet, so it counts as pending
 * for a grace period; after that the id is taken to be unknown and the 404 is reported.
 */
export async function waitForAnalysis(
  uploadId: string,
  opts: { signal?: AbortSignal; timeoutMs?: number; notFoundGraceMs?: number; onUpdate?: (a: UploadAnalysis) => void; client?: ApiClient } = {},
): Promise<UploadAnalysis> {
  const client = opts.client ?? api;
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? 60_000);
  const grace = opts.notFoundGraceMs ?? 3_000;
  let delay = 400;
  for (;;) {
    try {
      const a = await client.getUpload(uploadId, opts.signal);
      opts.onUpdate?.(a);
      if (!isPending(a.status)) return a;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404 && Date.now() - started < grace)) throw err;
    }
    if (Date.now() > deadline) throw new ApiError(504, 'TIMEOUT', 'The photo is taking longer than usual to analyse. Its page will keep checking.');
    await sleep(delay, opts.signal);
    delay = Math.min(2000, Math.round(delay * 1.5));
  }
}
