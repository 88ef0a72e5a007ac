/** The floor: a random unit vector per image id and per text (seeded, so runs repeat). */
import { mulberry32 } from '#core/random';
import { hash32 } from '../data.ts';
import type { EvalSystem } from '../types.ts';

function randomUnit(seed: number, dim: number): Float32Array {
  const next = mulberry32(seed);
  const v = new Float32Array(dim);
  let s = 0;
  for (let i = 0; i < dim; i++) {
    // Box–Muller: isotropic directions.
    const g = Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
    v[i] = g;
    s += g * g;
  }
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < dim; i++) v[i] *= inv;
  return v;
}

export function createRandomSystem(dim = 64): EvalSystem {
  return {
    id: 'random',
    label: 'random',
    dim,
    note: 'random unit vectors per image and per text: the chance level.',
    async embedImages(set, ids, progress) {
      const out = ids.map((id) => randomUnit(hash32(`${set}:${id}`), dim));
      progress?.(ids.length);
      return out;
    },
    async embedTexts(texts) {
      return texts.map((t) => randomUnit(hash32(`text:${t}`), dim));
    },
  };
}
