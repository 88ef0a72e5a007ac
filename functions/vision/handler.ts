/**
 * The vision function: S3 ObjectCreated on uploads/ → analyse → record (+ catalog/wardrobe). A container Lambda
 * in the stack (onnxruntime, sharp, opencv.js); the local cloud delivers s3rver's events to the same handler.
 * Thin: the state machine is #core/vision/worker, the models are #core/vision/pipeline.
 */
import type { Context, S3Event } from 'aws-lambda';
import { DynamoAnalysisStore } from '#core/adapters/aws/analyses';
import { DynamoWardrobeStore } from '#core/adapters/aws/wardrobe';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { readIfMatch } from '#core/adapters/aws/uploads';
import type { AnalysisStore } from '#core/vision/analysis';
import { analyseImage, type VisionDeps } from '#core/vision/pipeline';
import { processObjectCreated, type Outcome, type Publisher } from '#core/vision/worker';
import { logger } from '#functions/lib/observability';
import { updateSearchIndex } from '#functions/search/runtime';
import { catalogPublisher, wardrobePublisher } from './publish.ts';
import { faceAnalyser, garmentModel, yoloxDetector } from './models.ts';

export interface VisionHandlerOptions {
  /** Replace models (tests inject a failing encoder here: a real failure path through the real worker). */
  deps?: () => Promise<Partial<VisionDeps>>;
  store?: AnalysisStore;
  publishers?: Partial<Record<'search' | 'wardrobe' | 'catalog', Publisher>>;
  maxAttempts?: number;
}

/** Models load inside the analysis, so a model that cannot load is a recorded, retried failure like any other. */
async function loadDeps(overrides?: () => Promise<Partial<VisionDeps>>): Promise<VisionDeps> {
  const o = overrides ? await overrides() : {};
  return {
    detector: o.detector ?? (await yoloxDetector()),
    model: 'model' in o ? o.model : await garmentModel(),
    face: o.face ?? faceAnalyser,
    now: o.now,
  };
}

/** S3 URL-encodes keys in events (spaces as '+'). */
const eventKey = (raw: string) => decodeURIComponent(raw.replace(/\+/g, ' '));

export function createVisionHandler(opts: VisionHandlerOptions = {}) {
  return async (event: S3Event, _context?: Context): Promise<{ outcomes: Outcome[] }> => {
    const publishers = opts.publishers ?? {
      catalog: catalogPublisher({
        catalog: new DynamoCatalogRepo(),
        images: new S3BlobStore({ bucket: 'catalog' }),
        index: (product, vector) => updateSearchIndex({ add: [{ product, vector }] }),
      }),
      wardrobe: wardrobePublisher(new DynamoWardrobeStore(), new S3BlobStore({ bucket: 'uploads' })),
    };
    const store = opts.store ?? new DynamoAnalysisStore();
    const outcomes: Outcome[] = [];
    let retry: unknown;
    for (const r of event.Records ?? []) {
      const key = eventKey(r.s3.object.key);
      try {
        const outcome = await processObjectCreated(
          { bucket: r.s3.bucket.name, key, eTag: r.s3.object.eTag ?? '', sequencer: r.s3.object.sequencer ?? '0', size: r.s3.object.size ?? 0 },
          {
            store,
            read: (k, eTag) => readIfMatch(k, eTag, { bucket: r.s3.bucket.name }),
            analyse: async (bytes, rec) => analyseImage(bytes, await loadDeps(opts.deps), { purpose: rec.purpose, declaredType: rec.contentType, faceOptIn: rec.faceOptIn }),
            publishers,
            maxAttempts: opts.maxAttempts,
            log: (msg, data) => logger.info(msg, data ?? {}),
          },
        );
        outcomes.push(outcome);
        logger.info('upload processed', { key, outcome });
      } catch (err) {
        // Retryable: the other records still run; the throw at the end makes the runtime retry the event.
        logger.warn('upload analysis failed', { key, error: (err as Error).message });
        retry ??= err;
      }
    }
    if (retry) throw retry;
    return { outcomes };
  };
}

export const handler = createVisionHandler();
