// The domain's public surface. Adapters live behind their own entry points (#core/adapters/...).
export * from './catalog/product.ts';
export * from './catalog/service.ts';
export { InvalidCursorError } from './catalog/cursor.ts';
export * from './ports.ts';
export * from './tables.ts';
export * from './buckets.ts';
// Encoders: the registry loads onnxruntime lazily; the rest is types (TrainedEncoder: #core/encoders/trained/trained-encoder).
export { createEncoder, encoderKind, type EncoderConfig, type EncoderKind } from './encoders/registry.ts';
export type { ImageFeatures } from './encoders/image-features.ts';
export type { AttributeTags, AttributePrediction } from './encoders/trained/attribute-tagger.ts';
