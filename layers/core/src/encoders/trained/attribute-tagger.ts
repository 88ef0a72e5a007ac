/**
 * Garment attributes from image features: articleType, subCategory, gender, baseColour, usage, season and
 * pattern, each a softmax head trained on the catalog's training fold (label lists in the model card).
 */
import type { ImageFeatures } from '../image-features.ts';
import type { ImageHead } from './image-head.ts';

export interface AttributePrediction {
  value: string;
  confidence: number;
  /** Best labels first. */
  top: { value: string; p: number }[];
}

export type AttributeTags = Record<string, AttributePrediction>;

export class AttributeTagger {
  constructor(private readonly head: ImageHead, private readonly topN = 3) {}

  /** Head name → label list (the card's). */
  get labels(): Record<string, string[]> {
    return this.head.card.heads;
  }

  /** Full probability vectors per head (label order = `labels[head]`). */
  async probabilities(features: ImageFeatures): Promise<Record<string, Float32Array>> {
    const { probs } = await this.head.run([features]);
    return Object.fromEntries(Object.entries(probs).map(([k, v]) => [k, v[0]]));
  }

  async tag(features: ImageFeatures): Promise<AttributeTags> {
    return (await this.tagMany([features]))[0];
  }

  async tagMany(features: readonly ImageFeatures[]): Promise<AttributeTags[]> {
    const { probs } = await this.head.run(features);
    return features.map((_, i) => {
      const tags: AttributeTags = {};
      for (const [name, labels] of Object.entries(this.head.card.heads)) {
        const p = probs[name][i];
        const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a]);
        const top = order.slice(0, this.topN).map((k) => ({ value: labels[k], p: p[k] }));
        tags[name] = { value: top[0].value, confidence: top[0].p, top };
      }
      return tags;
    });
  }
}
