/**
 * Shared by the vision tasks (issue 4). They measure the vision pipeline — YOLOX, the trained encoder's heads and
 * embedding, k-means colours — which does not depend on the systems compared in the main table, so they run once
 * (kind 'once', a table of their own). They need the real catalog's photos and the trained model; on other data
 * (the harness's generated items) they return a note instead of numbers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { trainedModelDir } from '../../../layers/core/src/encoders/trained/model-card.ts';
import { TrainedEncoder } from '../../../layers/core/src/encoders/trained/trained-encoder.ts';
import { modelFile } from '../../../layers/core/src/model-files.ts';
import { openSession } from '../../../layers/core/src/adapters/onnx/session.ts';
import { createYoloxDetector, type Detector } from '../../../layers/core/src/vision/detect.ts';
import type { FeatureModel } from '../../../layers/core/src/vision/pipeline.ts';
import type { EvalContext, TaskResult } from '../types.ts';

export function notApplicable(ctx: EvalContext): TaskResult | undefined {
  if (ctx.data.name === 'kagl') return undefined;
  return { metrics: {}, count: 0, notes: [`vision tasks measure the pipeline on the KAGL catalog photos, not on "${ctx.data.name}"`] };
}

let trained: Promise<TrainedEncoder> | undefined;
export function trainedEncoder(): Promise<TrainedEncoder> {
  if (!fs.existsSync(path.join(trainedModelDir(), 'card.json'))) throw new Error('no trained model in models/trained (npm run train)');
  trained ??= TrainedEncoder.open();
  return trained;
}

let detector: Promise<Detector> | undefined;
export function yolox(): Promise<Detector> {
  if (!fs.existsSync(modelFile('yolox_nano.onnx'))) throw new Error('yolox_nano.onnx is not in models/.cache (npm run models:fetch)');
  detector ??= openSession(modelFile('yolox_nano.onnx')).then((s) => createYoloxDetector(s));
  return detector;
}

/** The pipeline's garment model over the trained encoder (as functions/vision/models.ts builds it). */
export async function garmentModel(): Promise<FeatureModel> {
  const enc = await trainedEncoder();
  return {
    id: enc.id,
    version: enc.version,
    features: (img) => enc.rgbFeatures(img),
    tag: (f) => enc.tagger.tag(f as never),
    embed: (f) => enc.embedFeatures(f as never),
  };
}

export const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
