/**
 * Builds the MobileNetV2 feature graph (upstream int8 classifier + a DequantizeLinear over the pooled
 * `464_quantized` tensor as extra output `feature`) into models/.cache. The encoders call the same code lazily
 * at run time, so this script is only a convenience: `npx tsx models/export/mobilenet-feature.ts`.
 */
import { mobilenetFeatureModel } from '../../layers/core/src/encoders/mobilenet-graph.ts';

export * from '../../layers/core/src/encoders/mobilenet-graph.ts';

if (import.meta.url === `file://${process.argv[1]}`) console.log(mobilenetFeatureModel());
