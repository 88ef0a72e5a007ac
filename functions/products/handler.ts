/**
 * GET /v1/products/{id} and GET /v1/products (filters + cursor pagination). Thin: validation here, the work in
 * ProductsService (#core/catalog/service) over the DynamoDB repo and the catalog bucket.
 */
import type { Context } from 'aws-lambda';
import { InvalidCursorError } from '#core/catalog/cursor';
import { ProductNotFoundError, ProductsService } from '#core/catalog/service';
import { DynamoCatalogRepo } from '#core/adapters/aws/dynamo-catalog';
import { S3BlobStore } from '#core/adapters/aws/s3-blob-store';
import { badRequest, notFound } from '#functions/lib/errors';
import { httpRoute, type HttpEvent } from '#functions/lib/http';
import { ProductListQuery, ProductPath } from './schemas.ts';

/** Built per request: cheap objects over the process-wide SDK clients, and always the current env (local cloud restarts). */
const service = () => new ProductsService(new DynamoCatalogRepo(), new S3BlobStore({ bucket: 'catalog' }));

const getProduct = httpRoute({ path: ProductPath }, async ({ path }) => {
  try {
    return { body: await service().get(path.id) };
  } catch (err) {
    if (err instanceof ProductNotFoundError) throw notFound(err.message);
    throw err;
  }
});

const listProducts = httpRoute({ query: ProductListQuery }, async ({ query }) => {
  try {
    const page = await service().list(query);
    return { body: { items: page.items, count: page.items.length, cursor: page.cursor ?? null } };
  } catch (err) {
    if (err instanceof InvalidCursorError) throw badRequest(`Invalid query.cursor: ${err.message}`, { issues: [{ field: 'query.cursor', message: err.message }] });
    throw err;
  }
});

/** One Lambda, two routes: the route key says which (a path parameter as fallback for hosts that omit it). */
export const handler = (event: HttpEvent, context: Context) =>
  event.routeKey === 'GET /v1/products/{id}' || (event.routeKey !== 'GET /v1/products' && event.pathParameters?.id !== undefined)
    ? getProduct(event, context)
    : listProducts(event, context);
