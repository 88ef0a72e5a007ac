/** The products routes' contract: request schemas (400s name the field) and the response shapes. */
import { z } from 'zod';

const label = (what: string) => z.string().trim().min(1, `${what} must not be empty`).max(100, `${what} is too long`);
const amount = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a non-negative number')
  .transform(Number);

export const ProductPath = z.object({
  id: z.string().regex(/^\d{1,18}$/, 'product id must be numeric, e.g. 15970'),
});

export const ProductListQuery = z
  .object({
    category: label('category').optional().describe('articleType, exact catalog value, e.g. Tshirts'),
    gender: label('gender').optional().describe('Men, Women, Boys, Girls or Unisex'),
    masterCategory: label('masterCategory').optional(),
    subCategory: label('subCategory').optional(),
    baseColour: label('baseColour').optional(),
    season: label('season').optional(),
    usage: label('usage').optional(),
    priceMin: amount.optional(),
    priceMax: amount.optional(),
    inStock: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    limit: z
      .string()
      .regex(/^\d+$/, 'must be an integer between 1 and 100')
      .transform(Number)
      .pipe(z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100'))
      .default(24),
    cursor: z.string().min(1).max(2048, 'cursor is too long').optional().describe('opaque; the cursor of the previous page'),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.priceMin !== undefined && q.priceMax !== undefined && q.priceMin > q.priceMax) {
      ctx.addIssue({ code: 'custom', path: ['priceMin'], message: `priceMin (${q.priceMin}) must not exceed priceMax (${q.priceMax})` });
    }
  });
export type ProductListQuery = z.infer<typeof ProductListQuery>;
