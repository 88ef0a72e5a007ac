/**
 * "Shop the look": products similar to a finished upload, through the search service (layers/core/src/search)
 * with the embedding the pipeline stored, so the crop the pipeline chose — not the whole photo — is the query.
 */
import type { ProductFilters } from '#core';
import { SearchService, type SearchResponse } from '#core/search/service';
import { SearchError } from '#core/search/errors';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { uploadLookup } from '#core/adapters/aws/analyses';
import { searchRuntime } from '#functions/search/runtime';

let service: { runtime: unknown; value: SearchService } | undefined;

async function shopService(): Promise<SearchService> {
  const rt = await searchRuntime();
  if (service?.runtime !== rt) {
    service = {
      runtime: rt,
      value: new SearchService({
        encoder: rt.encoder,
        index: rt.holder,
        catalog: new DynamoCatalogRepo(),
        images: new S3BlobStore({ bucket: 'catalog' }),
        uploads: new S3BlobStore({ bucket: 'uploads' }),
        uploadLookup: uploadLookup(),
      }),
    };
  }
  return service.value;
}

export async function shopTheLook(key: string, topK: number, filters: ProductFilters): Promise<{ similar?: SearchResponse; similarError?: string }> {
  try {
    const svc = await shopService();
    return { similar: await svc.search({ imageKey: key, topK, filters, lexical: false }) };
  } catch (err) {
    // The analysis is still worth returning when search is not ready (no index yet, encoder changed).
    if (err instanceof SearchError) return { similarError: err.message };
    throw err;
  }
}
