/**
 * α-fusion of a text and an image query in the shared space: q = normalise(α·e_image + (1−α)·e_text).
 * With only text α is forced to 0, with only an image to 1, so `alphaUsed` always says what ran.
 */
import { normalise } from '../index/vectors.ts';

export type SearchType = 'text' | 'image' | 'hybrid';

export interface FusedQuery {
  vector: Float32Array;
  alphaUsed: number;
  searchType: SearchType;
}

export function fuseQuery(eText: Float32Array | undefined, eImage: Float32Array | undefined, alpha: number): FusedQuery {
  if (!eText && !eImage) throw new Error('fuseQuery needs a text or an image embedding');
  if (!eImage) return { vector: normalise(eText!), alphaUsed: 0, searchType: 'text' };
  if (!eText) return { vector: normalise(eImage), alphaUsed: 1, searchType: 'image' };
  if (eText.length !== eImage.length) throw new Error(`text (${eText.length}) and image (${eImage.length}) embeddings differ in dimension`);
  const mixed = new Float32Array(eText.length);
  for (let i = 0; i < mixed.length; i++) mixed[i] = alpha * eImage[i] + (1 - alpha) * eText[i];
  return { vector: normalise(mixed), alphaUsed: alpha, searchType: 'hybrid' };
}
