/**
 * Which encoder a process uses: the trained one by default; CLIP when LOOKBOOK_ENCODER=clip (its graphs named
 * by LOOKBOOK_CLIP_VISION / LOOKBOOK_CLIP_TEXT, see encoders/clip/clip-encoder.ts). Both are loaded lazily so
 * a process only pays for the one it runs.
 */
import type { Encoder } from '../ports.ts';
import type { TrainedEncoderOptions } from './trained/trained-encoder.ts';

export type EncoderKind = 'trained' | 'clip';

export interface EncoderConfig {
  kind?: EncoderKind;
  trained?: TrainedEncoderOptions;
  env?: Record<string, string | undefined>;
}

export function encoderKind(env: Record<string, string | undefined> = process.env): EncoderKind {
  const k = (env.LOOKBOOK_ENCODER ?? 'trained').trim().toLowerCase();
  if (k !== 'trained' && k !== 'clip') throw new Error(`LOOKBOOK_ENCODER must be "trained" or "clip", not "${env.LOOKBOOK_ENCODER}"`);
  return k;
}

export async function createEncoder(config: EncoderConfig = {}): Promise<Encoder> {
  const env = config.env ?? process.env;
  const kind = config.kind ?? encoderKind(env);
  if (kind === 'clip') {
    const { clipEncoderFromEnv } = await import('./clip/clip-encoder.ts');
    return clipEncoderFromEnv(env);
  }
  const { TrainedEncoder } = await import('./trained/trained-encoder.ts');
  return TrainedEncoder.open(config.trained);
}
