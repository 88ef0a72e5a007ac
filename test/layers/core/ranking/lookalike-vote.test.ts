/**
 * The look-alike vote: the head's reading of a photo's label, corrected by the labels of the catalog products that
 * look most like it, the nearest counting most.
 */
import { describe, expect, it } from 'vitest';
import { LOOKALIKE_VOTE, voteLabel } from '#core/ranking/lookalike-vote';

const head = [
  { value: 'Tshirts', p: 0.55 },
  { value: 'Tops', p: 0.4 },
  { value: 'Shirts', p: 0.05 },
];
const near = (labels: Array<string | undefined>, first = 0.9, step = 0.01) => labels.map((label, i) => ({ score: first - i * step, label }));

describe('voteLabel', () => {
  it('keeps the head when the look-alikes agree with it, and when nothing votes', () => {
    expect(voteLabel(head, near(Array(10).fill('Tshirts')))[0].value).toBe('Tshirts');
    expect(voteLabel(head, []).map((x) => x.value)).toEqual(['Tshirts', 'Tops', 'Shirts']);
    expect(voteLabel(head, near([undefined, undefined]))[0].value).toBe('Tshirts'); // unlabelled products do not vote
  });

  it('turns a close call of the head when the look-alikes agree on the runner-up', () => {
    const voted = voteLabel(head, near(Array(10).fill('Tops')));
    expect(voted[0].value).toBe('Tops');
    expect(voted.reduce((a, x) => a + x.p, 0)).toBeCloseTo(1, 6);
    expect(voted.every((x, i) => i === 0 || x.p <= voted[i - 1].p)).toBe(true);
  });

  it('a confident head holds against a split vote, and a label the head rules out never wins', () => {
    const sure = [
      { value: 'Tshirts', p: 0.98 },
      { value: 'Tops', p: 0.02 },
    ];
    expect(voteLabel(sure, near([...Array(6).fill('Tops'), ...Array(4).fill('Tshirts')]))[0].value).toBe('Tshirts');
    expect(voteLabel(head, near(Array(10).fill('Jeans')))[0].value).toBe('Tshirts');
  });

  it('weighs look-alikes by similarity relative to the best: far ones count little', () => {
    // The best look-alike says Tops; nine say Tshirts, but at 60% of its similarity.
    const lookalikes = [{ score: 0.9, label: 'Tops' }, ...Array.from({ length: 9 }, () => ({ score: 0.54, label: 'Tshirts' }))];
    expect(voteLabel(head, lookalikes)[0].value).toBe('Tops');
    // Scaled scores vote the same (the weights are relative).
    expect(voteLabel(head, lookalikes.map((l) => ({ ...l, score: l.score * 0.5 })))[0].value).toBe('Tops');
    // Order does not matter, and only the k nearest vote: look-alikes beyond them change nothing.
    expect(voteLabel(head, [...lookalikes].reverse())).toEqual(voteLabel(head, lookalikes));
    const beyond = Array.from({ length: LOOKALIKE_VOTE.k }, () => ({ score: 0.1, label: 'Shirts' }));
    expect(voteLabel(head, [...lookalikes, ...beyond])).toEqual(voteLabel(head, lookalikes));
  });
});
