/**
 * The models a warm vision container keeps: the YOLOX session, the garment model (the search encoder — shared
 * with the search runtime so the stored embedding matches the index) and, on first opt-in, the face cascade.
 */
import type { Encoder } from '#core';
import { modelFile } from '#core/model-files';
import { openSession } from '#core/adapters/onnx/session';
import { createYoloxDetector, type Detector } from '#core/vision/detect';
import { encoderAsFeatureModel, type FeatureModel } from '#core/vision/pipeline';
import type { AttributeGuess } from '#core/vision/analysis';
import type { RgbImage } from '#core/vision/image-check';
import { createHaarFaceAnalyser, type FaceAnalyser } from '#core/vision/face';
import { searchEncoder } from '#functions/search/runtime';

let detector: Promise<Detector> | undefined;
let model: Promise<FeatureModel> | undefined;
let face: Promise<FaceAnalyser> | undefined;

export function yoloxDetector(): Promise<Detector> {
  detector ??= openSession(modelFile('yolox_nano.onnx')).then((s) => createYoloxDetector(s));
  detector.catch(() => (detector = undefined));
  return detector;
}

/** What the trained encoder offers beyond the Encoder port (encoders/trained/trained-encoder.ts). */
interface TrainedLike<F> extends Encoder {
  rgbFeatures(img: RgbImage): Promise<F>;
  embedFeatures(f: F): Promise<Float32Array>;
  tagger: { tag(f: F): Promise<Record<string, AttributeGuess>> };
}

const isTrained = (e: Encoder): e is TrainedLike<unknown> =>
  typeof (e as Partial<TrainedLike<unknown>>).rgbFeatures === 'function' && typeof (e as Partial<TrainedLike<unknown>>).tagger?.tag === 'function';

/** One feature pass feeds both the attribute heads and the embedding when the encoder is the trained one. */
export function featureModelOf(encoder: Encoder): FeatureModel {
  if (!isTrained(encoder)) return encoderAsFeatureModel(encoder) as FeatureModel;
  return {
    id: encoder.id,
    version: encoder.version,
    features: (img) => encoder.rgbFeatures(img),
    tag: (f) => encoder.tagger.tag(f),
    embed: (f) => encoder.embedFeatures(f),
  };
}

export function garmentModel(): Promise<FeatureModel> {
  model ??= searchEncoder().then(featureModelOf);
  model.catch(() => (model = undefined));
  return model;
}

export function faceAnalyser(): Promise<FaceAnalyser> {
  face ??= createHaarFaceAnalyser();
  face.catch(() => (face = undefined));
  return face;
}
