/**
 * The vision pipeline for one image: check → detect → crop → tag + colours → embed (→ face, opt-in only).
 * Pure with respect to storage: it takes bytes and returns the analysis; the worker (worker.ts) decides what is
 * written where. Every model is a dependency, so a test can inject a failing one and watch the real failure path.
 */
import type { Encoder } from '../ports.ts';
import type { AnalysisResult, AttributeGuess, StoredEmbedding, UploadPurpose } from './analysis.ts';
import { encodeEmbedding } from './analysis.ts';
import { checkImage, cropRgb, encodeJpeg, type ImageLimits, type RgbImage } from './image-check.ts';
import { chooseCrop, type Detector } from './detect.ts';
import { dominantColours, shrink } from './colours.ts';
import type { FaceAnalyser } from './face.ts';
import { noFace } from './face-advice.ts';

/**
 * The garment model: image features of a decoded crop, then attribute heads and the search embedding over those
 * same features (the trained encoder computes MobileNet + colour features once for both). `id`/`version` must be
 * the search encoder's, or shop-the-look cannot use the stored embedding.
 */
export interface FeatureModel<F = unknown> {
  readonly id: string;
  readonly version: string;
  features(img: RgbImage): Promise<F>;
  tag(features: F): Promise<Record<string, AttributeGuess>>;
  embed(features: F): Promise<Float32Array>;
}

/** Any Encoder (e.g. CLIP) as a FeatureModel: "features" are the JPEG bytes of the crop; no attribute heads. */
export function encoderAsFeatureModel(encoder: Encoder): FeatureModel<Uint8Array> {
  return {
    id: encoder.id,
    version: encoder.version,
    features: (img) => encodeJpeg(img),
    tag: async () => ({}),
    embed: (jpeg) => encoder.embedImage(jpeg),
  };
}

export interface VisionDeps {
  detector: Detector;
  model?: FeatureModel;
  /** Loaded lazily by the caller; only called for uploads that opted in. */
  face?: () => Promise<FaceAnalyser>;
  now?: () => number;
}

export interface AnalyseOptions {
  purpose: UploadPurpose;
  declaredType?: string;
  faceOptIn?: boolean;
  limits?: Partial<ImageLimits>;
}

export interface PipelineOutput {
  result: AnalysisResult;
  /** Catalog and wardrobe uploads: upright, metadata-free JPEG of the whole image (the image that is kept). */
  cleanJpeg?: Buffer;
  embedding?: Float32Array;
  storedEmbedding?: StoredEmbedding;
}

export class StageError extends Error {
  constructor(
    readonly stage: string,
    readonly cause: unknown,
  ) {
    super(`${stage} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StageError';
  }
}

export async function analyseImage(bytes: Uint8Array, deps: VisionDeps, opts: AnalyseOptions): Promise<PipelineOutput> {
  const now = deps.now ?? (() => performance.now());
  const timings: Record<string, number> = {};
  const t0 = now();
  const stage = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const s = now();
    try {
      return await fn();
    } catch (err) {
      // Image refusals keep their own type (permanent); anything else names the stage that broke.
      if (name === 'check') throw err;
      throw new StageError(name, err);
    } finally {
      timings[name] = Math.round((now() - s) * 10) / 10;
    }
  };

  const img = await stage('check', () => checkImage(bytes, { declaredType: opts.declaredType, limits: opts.limits }));
  const scale = img.width / img.rgb.width;
  const dets = await stage('detect', () => deps.detector.detect(img.rgb));
  // Catalog images are product shots by definition (often on a model, but the product is the whole frame).
  const crop = opts.purpose === 'catalog' ? { kind: 'whole' as const, box: { x: 0, y: 0, width: img.rgb.width, height: img.rgb.height } } : chooseCrop(dets, img.rgb.width, img.rgb.height);
  const { cropRgbImage, cleanJpeg } = await stage('crop', async () => ({
    cropRgbImage: crop.kind === 'whole' ? img.rgb : cropRgb(img.rgb, crop.box),
    // Kept images (product photo, wardrobe item) are this clean copy; a search upload keeps nothing of its own.
    cleanJpeg: opts.purpose === 'search' ? undefined : await encodeJpeg(img.rgb),
  }));
  const model = deps.model;
  const features = model ? await stage('features', () => model.features(cropRgbImage)) : undefined;
  const attributes = model ? roundTags(await stage('tag', () => model.tag(features))) : {};
  const colours = await stage('colours', () => dominantColours(cropRgbImage, { person: crop.kind === 'person' }));
  const embedding = model ? await stage('embed', () => model.embed(features)) : undefined;
  let face;
  if (opts.faceOptIn && opts.purpose !== 'catalog' && deps.face) {
    face = await stage('face', async () => {
      try {
        // 640 px is plenty for a face box and keeps the cascade fast.
        const small = shrink(img.rgb, 640);
        return await (await deps.face!()).analyse(small, img.width / small.width);
      } catch (err) {
        // Advice is an extra: a missing cascade must not fail the garment analysis.
        return noFace(`face detection unavailable (${(err as Error).message})`);
      }
    });
  }
  timings.total = Math.round((now() - t0) * 10) / 10;

  const sc = (v: number) => Math.round(v * scale * 10) / 10;
  const scaleBox = (b: { x: number; y: number; width: number; height: number }) => ({ x: sc(b.x), y: sc(b.y), width: sc(b.width), height: sc(b.height) });
  const models: Record<string, string> = { detector: `${deps.detector.id}@${deps.detector.version}` };
  if (model) models.encoder = `${model.id}@${model.version}`;
  if (face) models.face = 'opencv-haar-frontalface-default';

  return {
    cleanJpeg,
    embedding,
    storedEmbedding: embedding && model ? encodeEmbedding(embedding, model.id, model.version) : undefined,
    result: {
      image: { format: img.format, width: img.width, height: img.height, bytes: img.bytes },
      crop: { kind: crop.kind, box: scaleBox(crop.box) },
      detections: dets.slice(0, 20).map((d) => ({ ...d, box: scaleBox(d.box) })),
      attributes,
      colours: colours.colours,
      dominantColour: colours.dominant,
      face,
      models,
      timings,
      analysedAt: new Date().toISOString(),
    },
  };
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

function roundTags(tags: Record<string, AttributeGuess>): Record<string, AttributeGuess> {
  const out: Record<string, AttributeGuess> = {};
  for (const [k, t] of Object.entries(tags)) out[k] = { value: t.value, confidence: r3(t.confidence), top: t.top?.map((x) => ({ value: x.value, p: r3(x.p) })) };
  return out;
}
