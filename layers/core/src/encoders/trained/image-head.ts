/**
 * The trained image graph (image.onnx): image features → unit embedding and one probability vector per
 * attribute head, in one run. Shared by the encoder and the attribute tagger.
 */
import path from 'node:path';
import { openSession, type ModelSession } from '../../adapters/onnx/session.ts';
import type { ImageFeatures } from '../image-features.ts';
import type { ModelCard } from './model-card.ts';

export interface ImageHeadOutput {
  embeddings: Float32Array[];
  /** Per head name: one probability vector per image (label order = card.heads[name]). */
  probs: Record<string, Float32Array[]>;
}

export class ImageHead {
  private constructor(private readonly session: ModelSession, readonly card: ModelCard) {}

  static async open(dir: string, card: ModelCard): Promise<ImageHead> {
    return new ImageHead(await openSession(path.join(dir, 'image.onnx')), card);
  }

  async run(features: readonly ImageFeatures[], withHeads = true): Promise<ImageHeadOutput> {
    const { mobilenetDim, colourDim } = this.card.inputs;
    const n = features.length;
    if (n === 0) return { embeddings: [], probs: {} };
    const mob = new Float32Array(n * mobilenetDim);
    const col = new Float32Array(n * colourDim);
    features.forEach((f, i) => {
      if (f.mobilenet.length !== mobilenetDim || f.colour.length !== colourDim)
        throw new Error(`image features must be ${mobilenetDim} + ${colourDim} values (got ${f.mobilenet.length} + ${f.colour.length})`);
      mob.set(f.mobilenet, i * mobilenetDim);
      col.set(f.colour, i * colourDim);
    });
    const heads = withHeads ? Object.keys(this.card.heads) : [];
    const out = await this.session.run(
      { mobilenet: { data: mob, dims: [n, mobilenetDim] }, colour: { data: col, dims: [n, colourDim] } },
      ['embedding', ...heads],
    );
    const split = (data: Float32Array, width: number) => Array.from({ length: n }, (_, i) => data.slice(i * width, (i + 1) * width));
    const probs: Record<string, Float32Array[]> = {};
    for (const h of heads) probs[h] = split(out[h].data, this.card.heads[h].length);
    return { embeddings: split(out.embedding.data, this.card.dim), probs };
  }

  dispose(): Promise<void> {
    return this.session.dispose();
  }
}
