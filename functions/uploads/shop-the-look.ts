/**
 * "Shop the look": products similar to a finished upload, through the search service (layers/core/src/search)
 * with `imageKey`; its upload lookup reads the embedding the pipeline stored, so the crop the pipeline chose —
 * not the whole photo — is the query.
 */
import type { ProductFilters } from '#core';
import type { SearchResponse } from '#core/search/service';
import { SearchError } from '#core/search/errors';
import { searchRuntime } from '#functions/search/runtime';

export async function shopTheLook(key: string, topK: number, filters: ProductFilters): Promise<{ similar?: SearchResponse; similarError?: string }> {
  try {
    const { service } = await searchRuntime();
    return { similar: await service.search({ imageKey: key, topK, filters, lexical: false }) };
  } catch (err) {
    // The analysis is still worth returning when search is not ready (no index yet, encoder changed).
    if (err instanceof SearchError) return { similarError: err.message };
    throw err;
  }
}
