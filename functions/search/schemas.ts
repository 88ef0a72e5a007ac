/** The search routes' contract: request schemas (a 400 names the bad field) and the response shapes. */
import { z } from 'zod';
import { ProductFilters } from '#core/catalog/product';

export const SearchBody = z
  .object({
    text: z.string().max(500, 'text is too long (500 characters at most)').optional().describe('What the shopper typed, e.g. "navy slim fit checked shirt"'),
    imageKey: z.string().min(1).max(300).optional().describe('Key of a finished upload: uploads/search/{uploadId}'),
    imageBase64: z.string().min(1, 'imageBase64 is empty').optional().describe('A JPEG, PNG or WebP image, base64, at most 5 MB decoded'),
    alpha: z.number().min(0, 'alpha must be between 0 and 1').max(1, 'alpha must be between 0 and 1').default(0.5).describe('Weight of the image in a text+image query'),
    topK: z.number().int('topK must be an integer').min(1, 'topK must be between 1 and 100').max(100, 'topK must be between 1 and 100').default(20),
    filters: ProductFilters.optional().describe('All must match: gender, masterCategory, subCategory, articleType, baseColour, season, usage, priceMin, priceMax, inStock'),
    lexical: z.boolean().default(true).describe('false: vector ranking only, no BM25 fusion'),
  })
  .strict();
export type SearchBody = z.infer<typeof SearchBody>;

const label = z.string().trim().min(1).max(100);
const amount = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a non-negative number')
  .transform(Number);

export const SimilarQuery = z
  .object({
    topK: z
      .string()
      .regex(/^\d+$/, 'topK must be an integer between 1 and 100')
      .transform(Number)
      .pipe(z.number().int().min(1, 'topK must be between 1 and 100').max(100, 'topK must be between 1 and 100'))
      .default(20),
    gender: label.optional(),
    masterCategory: label.optional(),
    subCategory: label.optional(),
    articleType: label.optional(),
    baseColour: label.optional(),
    season: label.optional(),
    usage: label.optional(),
    priceMin: amount.optional(),
    priceMax: amount.optional(),
    inStock: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  })
  .strict();

export const SimilarPath = z.object({ id: z.string().regex(/^\d{1,18}$/, 'product id must be numeric, e.g. 15970') });

export const SearchResultItem = z.object({
  productId: z.string(),
  title: z.string(),
  brand: z.string(),
  price: z.number(),
  currency: z.string(),
  imageUrl: z.string().nullable(),
  articleType: z.string(),
  baseColour: z.string(),
  score: z.number().describe('cosine for vector-only rankings, the RRF score when BM25 is fused'),
});

export const SearchResponse = z.object({
  results: z.array(SearchResultItem),
  tookMs: z.number(),
  searchType: z.enum(['text', 'image', 'hybrid']),
  alphaUsed: z.number(),
  indexVersion: z.string(),
  lexical: z.boolean(),
  timings: z.object({ embedMs: z.number(), vectorMs: z.number(), lexicalMs: z.number(), hydrateMs: z.number() }),
});
