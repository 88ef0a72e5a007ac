/**
 * The image-feature cache: MobileNet (1280) + colour features for every image of a set, computed once
 * (`models/training/extract-features.ts`, 2 worker processes) and reused by training, evaluation and `npm start`.
 *
 * Layout: models/.cache/features/<FEATURES_VERSION>/<set>.json (ids, dims) + <set>.bin (float32: all mobilenet
 * rows, then all colour rows). A new features version (preprocessing, backbone, colour descriptor) gets a new folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FEATURES_VERSION } from '../../layers/core/src/encoders/image-features.ts';
import { modelFile } from '../../layers/core/src/model-files.ts';

export type ImageSet = 'small' | 'hires';
export const SET_FOLDERS: Record<ImageSet, string> = { small: 'images-60x80', hires: 'images-hires' };

export interface FeatureTable {
  version: string;
  set: ImageSet;
  ids: string[];
  mobilenetDim: number;
  colourDim: number;
  mobilenet: Float32Array; // ids.length × mobilenetDim
  colour: Float32Array; // ids.length × colourDim
  /** ids that could not be decoded (absent from `ids`). */
  failed: string[];
}

export function featureCacheDir(env: Record<string, string | undefined> = process.env): string {
  return path.join(path.dirname(modelFile('x', env)), 'features', FEATURES_VERSION);
}

export function featureCachePaths(set: ImageSet, env: Record<string, string | undefined> = process.env) {
  const dir = featureCacheDir(env);
  return { dir, meta: path.join(dir, `${set}.json`), bin: path.join(dir, `${set}.bin`) };
}

export function hasFeatureCache(set: ImageSet): boolean {
  const p = featureCachePaths(set);
  return fs.existsSync(p.meta) && fs.existsSync(p.bin);
}

export function writeFeatureCache(t: FeatureTable): void {
  const p = featureCachePaths(t.set);
  fs.mkdirSync(p.dir, { recursive: true });
  const fd = fs.openSync(`${p.bin}.tmp`, 'w');
  fs.writeSync(fd, new Uint8Array(t.mobilenet.buffer, t.mobilenet.byteOffset, t.mobilenet.byteLength));
  fs.writeSync(fd, new Uint8Array(t.colour.buffer, t.colour.byteOffset, t.colour.byteLength));
  fs.closeSync(fd);
  fs.renameSync(`${p.bin}.tmp`, p.bin);
  const meta = { version: t.version, set: t.set, count: t.ids.length, mobilenetDim: t.mobilenetDim, colourDim: t.colourDim, ids: t.ids, failed: t.failed };
  fs.writeFileSync(`${p.meta}.tmp`, JSON.stringify(meta));
  fs.renameSync(`${p.meta}.tmp`, p.meta);
}

export function readFeatureCache(set: ImageSet): FeatureTable {
  const p = featureCachePaths(set);
  if (!fs.existsSync(p.meta)) throw new Error(`no feature cache for ${set} (${p.meta}): run \`npx tsx models/training/extract-features.ts ${set}\``);
  const meta = JSON.parse(fs.readFileSync(p.meta, 'utf8'));
  const buf = fs.readFileSync(p.bin);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const n = meta.count as number;
  const mobilenet = all.subarray(0, n * meta.mobilenetDim);
  const colour = all.subarray(n * meta.mobilenetDim, n * (meta.mobilenetDim + meta.colourDim));
  return { version: meta.version, set, ids: meta.ids, mobilenetDim: meta.mobilenetDim, colourDim: meta.colourDim, mobilenet, colour, failed: meta.failed ?? [] };
}

/** Row accessor: the features of one id, or undefined. */
export function featureRow(t: FeatureTable, i: number) {
  return {
    mobilenet: t.mobilenet.subarray(i * t.mobilenetDim, (i + 1) * t.mobilenetDim),
    colour: t.colour.subarray(i * t.colourDim, (i + 1) * t.colourDim),
  };
}
