/**
 * What a warm search (or indexer) process keeps between requests: the encoder (ONNX sessions), the index
 * holder (the loaded HNSW graph) and the service over the AWS adapters. Re-created when the AWS endpoints or
 * bucket names change (the local cloud restarting in one process), never per request.
 */
import type { Encoder, Product } from '#core';
import { indexedItem } from '#core/index/artifact';
import { createEncoder } from '#core/encoders/registry';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { s3IndexStore } from '#core/adapters/aws/index-store';
import { uploadLookup } from '#core/adapters/aws/analyses';
import { IndexHolder } from '#core/index/holder';
import { SearchService } from '#core/search/service';
import { logger } from '#functions/lib/observability';

let encoder: Promise<Encoder> | undefined;

export function searchEncoder(): Promise<Encoder> {
  encoder ??= (async () => {
    // encoders/registry.ts: the trained encoder by default, CLIP with LOOKBOOK_ENCODER=clip.
    const e = await createEncoder();
    logger.info('encoder ready', { id: e.id, version: e.version, dim: e.dim });
    return e;
  })();
  encoder.catch(() => (encoder = undefined));
  return encoder;
}

export interface SearchRuntime {
  holder: IndexHolder;
  service: SearchService;
  encoder: Encoder;
}

let runtime: { key: string; value: Promise<SearchRuntime> } | undefined;
let holder: { key: string; value: IndexHolder } | undefined;

const envKey = () => [process.env.AWS_ENDPOINT_URL_S3, process.env.AWS_ENDPOINT_URL_DYNAMODB, process.env.BUCKET_ARTIFACTS, process.env.TABLE_CATALOG].join('|');

/** The process-wide index holder (also read by the readiness check). */
export function indexHolder(): IndexHolder {
  const key = envKey();
  if (holder?.key !== key) {
    holder = { key, value: new IndexHolder({ store: s3IndexStore(), log: (message, data) => logger.info(message, data ?? {}) }) };
  }
  return holder.value;
}

export function searchRuntime(): Promise<SearchRuntime> {
  // IMAGE_BASE_URL (CloudFront in the stack) changes how result image URLs are made, not the index.
  const key = `${envKey()}|${process.env.IMAGE_BASE_URL ?? ''}`;
  if (runtime?.key !== key) {
    const value = (async () => {
      const enc = await searchEncoder();
      const h = indexHolder();
      const service = new SearchService({
        encoder: enc,
        index: h,
        catalog: new DynamoCatalogRepo(),
        images: new S3BlobStore({ bucket: 'catalog' }),
        uploads: new S3BlobStore({ bucket: 'uploads' }),
        uploadLookup: uploadLookup(),
      });
      return { holder: h, service, encoder: enc };
    })();
    value.catch(() => (runtime = undefined));
    runtime = { key, value };
  }
  return runtime.value;
}

/**
 * Incremental index change from any function (catalog uploads, product removals): applied to the newest version
 * and published as a delta (IndexHolder.update) that every warm search function picks up on its next check.
 */
export async function updateSearchIndex(change: { add?: { product: Product; vector: Float32Array }[]; remove?: string[] }) {
  const enc = await searchEncoder();
  return indexHolder().update(
    { add: change.add?.map(({ product, vector }) => ({ item: indexedItem(product), vector })), remove: change.remove },
    { encoder: { id: enc.id, version: enc.version }, dim: enc.dim },
  );
}
