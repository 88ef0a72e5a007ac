/**
 * Where a finished analysis goes besides its record, by purpose. Both publishers are keyed by ids, so a replayed
 * event overwrites instead of adding: catalog → the product's `vision` field (+ its clean image) and the live
 * index; wardrobe → the shopper's item (itemId = uploadId).
 */
import type { Product } from '#core';
import type { AnalysisRecord } from '#core/vision/analysis';
import type { PipelineOutput } from '#core/vision/pipeline';
import type { Publisher } from '#core/vision/worker';
import type { WardrobeStore } from '#core/vision/wardrobe';
import type { BlobStore, CatalogRepo } from '#core';

export interface CatalogPublisherDeps {
  catalog: CatalogRepo;
  images: BlobStore;
  /** Adds (or replaces) the product in the live index and publishes a new index version. */
  index(product: Product, vector: Float32Array): Promise<unknown>;
}

/** The vision attributes of a product (the seed design's fields), with confidences. */
export function productVision(rec: AnalysisRecord, out: PipelineOutput, product: Product): Record<string, unknown> {
  const a = out.result.attributes;
  const confident = (k: string, min = 0.5) => (a[k] && a[k].confidence >= min ? a[k].value : undefined);
  const styleTags = [confident('usage'), confident('season'), confident('articleType')].filter((v): v is string => !!v && v !== 'NA');
  const fabric = product.attributes?.fabric;
  return {
    uploadId: rec.uploadId,
    analysedAt: out.result.analysedAt,
    dominantColours: out.result.colours.map((c) => ({ name: c.name, share: c.share, hex: c.hex })),
    dominantColour: out.result.dominantColour,
    pattern: a.pattern ? { value: a.pattern.value, confidence: a.pattern.confidence } : undefined,
    styleTags,
    // The images carry no fabric signal we can trust; materials come from the catalog's own record when it has one.
    materials: fabric && fabric !== 'NA' ? [{ value: fabric, source: 'catalog' }] : [],
    attributes: Object.fromEntries(Object.entries(a).map(([k, v]) => [k, { value: v.value, confidence: v.confidence }])),
    models: out.result.models,
  };
}

export function catalogPublisher(deps: CatalogPublisherDeps): Publisher {
  return {
    async publish(rec, out) {
      if (!rec.productId) throw new Error(`catalog upload ${rec.uploadId} names no product`);
      const product = await deps.catalog.get(rec.productId);
      if (!product) throw new Error(`product ${rec.productId} of catalog upload ${rec.uploadId} no longer exists`);
      let imageKeys = product.imageKeys;
      if (!rec.reanalysis) {
        if (!out.cleanJpeg) throw new Error(`catalog upload ${rec.uploadId}: the pipeline produced no clean image`);
        // The product image is the clean copy: upright, no EXIF/GPS. Keyed by upload: a replay writes the same key.
        const key = `products/${product.id}/${rec.uploadId}.jpg`;
        await deps.images.put(key, out.cleanJpeg, 'image/jpeg');
        imageKeys = [key, ...product.imageKeys.filter((k) => k !== key)];
      }
      const updated: Product = { ...product, imageKeys, vision: productVision(rec, out, product), updatedAt: new Date().toISOString() };
      await deps.catalog.put(updated);
      if (out.embedding) await deps.index(updated, out.embedding);
    },
  };
}

/** Where a wardrobe item's clean image lives in the uploads bucket: outside uploads/, so it triggers nothing. */
export const wardrobeImageKey = (uploadId: string) => `wardrobe/${uploadId}.jpg`;

export function wardrobePublisher(store: WardrobeStore, images: BlobStore): Publisher {
  return {
    async publish(rec, out) {
      if (!rec.ownerId) throw new Error(`wardrobe upload ${rec.uploadId} has no owner`);
      if (!out.cleanJpeg) throw new Error(`wardrobe upload ${rec.uploadId}: the pipeline produced no clean image`);
      const a = out.result.attributes;
      const now = new Date().toISOString();
      // The kept image is the clean copy (no EXIF/GPS); the original upload can expire with the bucket's lifecycle.
      const imageKey = wardrobeImageKey(rec.uploadId);
      await images.put(imageKey, out.cleanJpeg, 'image/jpeg');
      await store.put({
        ownerId: rec.ownerId,
        itemId: rec.uploadId,
        uploadId: rec.uploadId,
        imageKey,
        attributes: a,
        colours: out.result.colours,
        dominantColour: out.result.dominantColour,
        articleType: a.articleType?.value,
        baseColour: a.baseColour?.value ?? out.result.dominantColour,
        createdAt: rec.createdAt,
        updatedAt: now,
      });
    },
  };
}
