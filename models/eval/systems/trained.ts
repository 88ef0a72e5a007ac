/** Placeholder until the trained encoder lands; replaced below once its API is known. */
import type { EvalData, EvalSystem } from '../types.ts';

export async function createTrainedSystem(_data: EvalData): Promise<EvalSystem | undefined> {
  return undefined;
}
