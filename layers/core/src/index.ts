// The domain's public surface. Adapters live behind their own entry points (#core/adapters/...).
export * from './catalog/product.ts';
export * from './ports.ts';
export * from './tables.ts';
export * from './buckets.ts';
