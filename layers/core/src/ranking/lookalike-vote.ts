/**
 * A photo's garment label read two ways at once: the attribute head's probabilities, and the labels of the catalog
 * products that look most like it (nearest by appearance alone: Encoder.appearanceQuery). The catalog holds many
 * near-identical products (one style in several colours, a line shot the same way); a head generalises over them,
 * a neighbour remembers them. Combined score = log(votes + ε) + λ·log p, votes = Σ exp((s/s₁ − 1)/T) over the k
 * look-alikes carrying the label (normalised), s₁ the best similarity: relative, so any score scale works.
 *
 * k, T and λ were chosen on the validation fold (ids ending in 3; look-alikes from the training fold): articleType
 * top-1 .859 → .861 on catalog images and .823 → .836 on hi-res photos, baseColour .683 → .693 and .647 → .660.
 */
export interface LabelScore {
  value: string;
  p: number;
}

/** A catalog product near the photo: its similarity and its label for the field voted on (if it has one). */
export interface Lookalike {
  score: number;
  label: string | undefined;
}

export interface LookalikeVoteOptions {
  /** Look-alikes that vote. */
  k: number;
  /** Softness of the similarity weights: a look-alike whose score is a fraction T below the best's counts e⁻¹ as much. */
  temperature: number;
  /** λ: the head's weight against the votes. */
  headWeight: number;
}

export const LOOKALIKE_VOTE: LookalikeVoteOptions = { k: 10, temperature: 0.07, headWeight: 1 };

/** Floors: a label without votes, or outside the head's list, stays possible but needs the other side's full support. */
const VOTE_FLOOR = 1e-3;
const P_FLOOR = 1e-6;

/**
 * The best label for a photo whose head reads `head`, voted on by its nearest catalog products (`hits`, each
 * labelled by `labelOf`): what the search service reads from a photo, and the eval with it.
 */
export function votedLabel(head: readonly LabelScore[], hits: readonly { id: string; score: number }[], labelOf: (id: string) => string | undefined): string {
  return voteLabel(head, hits.map((h) => ({ score: h.score, label: labelOf(h.id) })))[0].value;
}

/** The labels by combined score, best first, with probabilities (softmax of the scores). The head's list alone when nothing votes. */
export function voteLabel(head: readonly LabelScore[], lookalikes: readonly Lookalike[], opts: LookalikeVoteOptions = LOOKALIKE_VOTE): LabelScore[] {
  const near = [...lookalikes].sort((a, b) => b.score - a.score).slice(0, opts.k);
  const votes = new Map<string, number>();
  let total = 0;
  const best = near[0]?.score ?? 0;
  for (const n of near) {
    if (!n.label) continue;
    const w = best > 0 ? Math.exp((n.score / best - 1) / opts.temperature) : 1;
    votes.set(n.label, (votes.get(n.label) ?? 0) + w);
    total += w;
  }
  if (total === 0) return [...head].sort((a, b) => b.p - a.p);
  const pOf = new Map(head.map((h) => [h.value, h.p]));
  const scored = [...new Set([...pOf.keys(), ...votes.keys()])].map((value) => ({
    value,
    score: Math.log((votes.get(value) ?? 0) / total + VOTE_FLOOR) + opts.headWeight * Math.log((pOf.get(value) ?? 0) + P_FLOOR),
  }));
  const top = Math.max(...scored.map((s) => s.score));
  const sum = scored.reduce((acc, s) => acc + Math.exp(s.score - top), 0);
  return scored.map((s) => ({ value: s.value, p: Math.exp(s.score - top) / sum })).sort((a, b) => b.p - a.p);
}
