/**
 * The product read model the API serves: a Product plus image URLs a browser can load. Shared by the products
 * routes and anything else that returns products (search, similar items), so every response looks the same.
 */
import type { BlobStore, CatalogRepo, Page } from '../ports.ts';
import type { Product, ProductFilters } from './product.ts';

export type ProductView = Product & {
  /** The first image, when the product has one. */
  imageUrl?: string;
  imageUrls: string[];
};

export class ProductNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`No product with id ${id}`);
    this.name = 'ProductNotFoundError';
  }
}

export async function toProductView(p: Product, blobs: BlobStore): Promise<ProductView> {
  const imageUrls = await Promise.all(p.imageKeys.map((k) => blobs.urlFor(k)));
  return { ...p, imageUrl: imageUrls[0], imageUrls };
}

export interface ProductQuery extends ProductFilters {
  /** articleType, e.g. "Tshirts" (exact catalog value). */
  category?: string;
  limit: number;
  cursor?: string;
}

export class ProductsService {
  constructor(
    private readonly repo: CatalogRepo,
    private readonly blobs: BlobStore,
  ) {}

  async get(id: string): Promise<ProductView> {
    const p = await this.repo.get(id);
    if (!p) throw new ProductNotFoundError(id);
    return toProductView(p, this.blobs);
  }

  /** Throws InvalidCursorError (catalog/cursor.ts) for a cursor that does not belong to this query. */
  async list(q: ProductQuery): Promise<Page<ProductView>> {
    const { limit, cursor, ...filters } = q;
    const page = await this.repo.list(filters, limit, cursor);
    return { items: await Promise.all(page.items.map((p) => toProductView(p, this.blobs))), cursor: page.cursor };
  }
}
