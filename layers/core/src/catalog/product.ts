/**
 * The product: the one schema every part of Lookbook agrees on (import, API, index, search, CDK-free).
 */
import { z } from 'zod';

export const ProductAttributes = z
  .object({
    pattern: z.string().optional(),
    fabric: z.string().optional(),
    fit: z.string().optional(),
    sleeve: z.string().optional(),
    neck: z.string().optional(),
  })
  .catchall(z.string());

export const Product = z.object({
  id: z.string().regex(/^\d+$/, 'id must be numeric'),
  sku: z.string().min(1),
  title: z.string().min(1),
  brand: z.string().default(''),
  gender: z.string().min(1),
  ageGroup: z.string().default(''),
  masterCategory: z.string().min(1),
  subCategory: z.string().min(1),
  articleType: z.string().min(1),
  baseColour: z.string().default(''),
  colours: z.array(z.string()).default([]),
  season: z.string().default(''),
  year: z.number().int().optional(),
  usage: z.string().default(''),
  price: z.number().nonnegative(),
  discountedPrice: z.number().nonnegative().optional(),
  currency: z.string().length(3),
  attributes: ProductAttributes.default({}),
  description: z.string().default(''),
  sizes: z.array(z.string()).default([]),
  stock: z.number().int().nonnegative().default(0),
  /** Object keys in the catalog bucket, e.g. products/10000.jpg */
  imageKeys: z.array(z.string()).default([]),
  /** Attributes the vision pipeline found in the product's image (issue 4); absent until analysed. */
  vision: z.record(z.string(), z.unknown()).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Product = z.infer<typeof Product>;

/** Structured filters shared by listing, search and similar-items. All optional; all must match. */
export const ProductFilters = z
  .object({
    gender: z.string().optional(),
    masterCategory: z.string().optional(),
    subCategory: z.string().optional(),
    articleType: z.string().optional(),
    baseColour: z.string().optional(),
    season: z.string().optional(),
    usage: z.string().optional(),
    priceMin: z.coerce.number().nonnegative().optional(),
    priceMax: z.coerce.number().nonnegative().optional(),
    inStock: z.coerce.boolean().optional(),
  })
  .strict();
export type ProductFilters = z.infer<typeof ProductFilters>;

/** Is the product (or its index metadata) allowed by the filters? */
export function matchesFilters(p: Pick<Product, 'gender' | 'masterCategory' | 'subCategory' | 'articleType' | 'baseColour' | 'season' | 'usage' | 'price' | 'stock'>, f: ProductFilters | undefined): boolean {
  if (!f) return true;
  const eq = (a: string | undefined, b: string) => a === undefined || a.toLowerCase() === b.toLowerCase();
  return (
    eq(f.gender, p.gender) &&
    eq(f.masterCategory, p.masterCategory) &&
    eq(f.subCategory, p.subCategory) &&
    eq(f.articleType, p.articleType) &&
    eq(f.baseColour, p.baseColour) &&
    eq(f.season, p.season) &&
    eq(f.usage, p.usage) &&
    (f.priceMin === undefined || p.price >= f.priceMin) &&
    (f.priceMax === undefined || p.price <= f.priceMax) &&
    (!f.inStock || p.stock > 0)
  );
}

/** Test fold: products whose id ends in 7 are never used to train or tune any model. */
export const isTestFold = (id: string | number) => String(id).endsWith('7');
