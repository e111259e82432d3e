import { describe, expect, it } from 'vitest';
import { computeGae, generalAdvantageEstimation, normalizeAdvantages } from '../../src/connectors/gae';
import { ChunkEnd } from '../../src/core/sample-batch';
import { Rng } from '../../src/core/rng';

interface Case {
  rewards: number[];
  vfPreds: number[];
  /** Lengths of consecutive chunks. */
  lengths: number[];
  ends: ChunkEnd[];
  bootstrap: number[];
}

function toArgs(c: Case, gamma: number, lambda: number) {
  const starts = [0];
  for (const len of c.lengths) starts.push(starts[starts.length - 1]! + len);
  return {
    rewards: Float32Array.from(c.rewards),
    chunkStarts: Int32Array.from(starts),
    chunkEnds: Uint8Array.from(c.ends),
    vfPreds: Float32Array.from(c.vfPreds),
    bootstrapValues: Float32Array.from(c.bootstrap),
    gamma,
    lambda,
  };
}

/**
 * Naive reference, written differently from the scan: for every step t, an explicit forward sum
 * A_t = sum_{k>=0} (gamma*lambda)^k * delta_{t+k} over the rest of the chunk, where each TD residual
 * delta_i = r_i + gamma * V(s_{i+1}) - V(s_i) looks up V(s_{i+1}) directly.
 */
function naiveGae(c: Case, gamma: number, lambda: number): number[] {
  const out: number[] = [];
  let start = 0;
  c.lengths.forEach((len, ci) => {
    const end = start + len;
    const valueAfter = (i: number): number => {
      if (i + 1 < end) return c.vfPreds[i + 1]!;
      return c.ends[ci] === ChunkEnd.TERMINATED ? 0 : c.bootstrap[ci]!;
    };
    for (let t = start; t < end; t++) {
      let sum = 0;
      for (let i = t; i < end; i++) {
        const delta = c.rewards[i]! + gamma * valueAfter(i) - c.vfPreds[i]!;
        sum += Math.pow(gamma * lambda, i - t) * delta;
      }
      out.push(sum);
    }
    start = end;
  });
  return out;
}

/** Monte-Carlo return from each step to the chunk end, plus gamma^n * bootstrap unless terminated. */
function monteCarloReturns(c: Case, gamma: number): number[] {
  const out: number[] = [];
  let start = 0;
  c.lengths.forEach((len, ci) => {
    const end = start + len;
    const tail = c.ends[ci] === ChunkEnd.TERMINATED ? 0 : c.bootstrap[ci]!;
    for (let t = start; t < end; t++) {
      let ret = 0;
      for (let i = t; i < end; i++) ret += Math.pow(gamma, i - t) * c.rewards[i]!;
      out.push(ret + Math.pow(gamma, end - t) * tail);
    }
    start = end;
  });
  return out;
}

function randomCase(rng: Rng, lengths: number[], ends: ChunkEnd[]): Case {
  const n = lengths.reduce((a, b) => a + b, 0);
  return {
    rewards: Array.from({ length: n }, () => rng.uniform(-1, 2)),
    vfPreds: Array.from({ length: n }, () => rng.uniform(-3, 3)),
    lengths,
    ends,
    bootstrap: ends.map(() => rng.uniform(-5, 5)),
  };
}

function expectClose(actual: Float32Array, expected: number[], digits = 4): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, digits));
}

describe('computeGae', () => {
  it('matches a hand-computed 2-step terminated episode', () => {
    // gamma 0.5, lambda 0.5; V = [1, 2]; r = [1, 1]; terminated.
    // delta1 = 1 + 0 - 2 = -1; delta0 = 1 + 0.5*2 - 1 = 1; A0 = 1 + 0.25*(-1) = 0.75.
    const c: Case = { rewards: [1, 1], vfPreds: [1, 2], lengths: [2], ends: [ChunkEnd.TERMINATED], bootstrap: [99] };
    const { advantages, valueTargets } = computeGae(toArgs(c, 0.5, 0.5));
    expectClose(advantages, [0.75, -1], 6);
    expectClose(valueTargets, [1.75, 1], 6);
  });

  it('bootstraps on truncation and cuts but never on termination', () => {
    const base = { rewards: [1, 1], vfPreds: [0, 0], lengths: [2], bootstrap: [10] };
    const term = computeGae(toArgs({ ...base, ends: [ChunkEnd.TERMINATED] }, 0.9, 1)).advantages;
    const trunc = computeGae(toArgs({ ...base, ends: [ChunkEnd.TRUNCATED] }, 0.9, 1)).advantages;
    const cut = computeGae(toArgs({ ...base, ends: [ChunkEnd.CUT] }, 0.9, 1)).advantages;
    expect(term[1]).toBeCloseTo(1, 6);
    expect(trunc[1]).toBeCloseTo(1 + 0.9 * 10, 5);
    expect(cut[1]).toBeCloseTo(1 + 0.9 * 10, 5);
    expect(term[0]).toBeCloseTo(1 + 0.9, 6);
    expect(trunc[0]).toBeCloseTo(1 + 0.9 + 0.81 * 10, 5);
  });

  it('matches the naive sum of discounted TD residuals over mixed chunks', () => {
    const rng = new Rng(7);
    const lengths = [5, 1, 8, 3, 12, 2];
    const ends = [
      ChunkEnd.TERMINATED,
      ChunkEnd.CUT,
      ChunkEnd.TRUNCATED,
      ChunkEnd.TERMINATED,
      ChunkEnd.CUT,
      ChunkEnd.TRUNCATED,
    ];
    for (const [gamma, lambda] of [
      [0.99, 0.95],
      [0.9, 0.5],
      [0.8, 0],
      [1, 1],
    ] as const) {
      const c = randomCase(rng, lengths, ends);
      const args = toArgs(c, gamma, lambda);
      const { advantages, valueTargets } = computeGae(args);
      const expected = naiveGae(c, gamma, lambda);
      expectClose(advantages, expected);
      expectClose(
        valueTargets,
        expected.map((a, i) => a + c.vfPreds[i]!),
      );
      // The learner connector on a SampleBatch's columns and the learner's values: the same scan.
      const connector = generalAdvantageEstimation(args, args, { gamma, lambda });
      expect(connector.advantages).toEqual(advantages);
      expect(connector.valueTargets).toEqual(valueTargets);
    }
  });

  it('chunks do not leak into each other', () => {
    const rng = new Rng(3);
    const c = randomCase(rng, [4, 4], [ChunkEnd.TERMINATED, ChunkEnd.CUT]);
    const both = computeGae(toArgs(c, 0.99, 0.95)).advantages;
    const secondAlone = computeGae(
      toArgs(
        {
          rewards: c.rewards.slice(4),
          vfPreds: c.vfPreds.slice(4),
          lengths: [4],
          ends: [ChunkEnd.CUT],
          bootstrap: [c.bootstrap[1]!],
        },
        0.99,
        0.95,
      ),
    ).advantages;
    expect(Array.from(both.slice(4))).toEqual(Array.from(secondAlone));
  });

  it('lambda = 1: value targets are Monte-Carlo returns (bootstrapped unless terminated)', () => {
    const rng = new Rng(11);
    const c = randomCase(rng, [6, 3, 7], [ChunkEnd.TRUNCATED, ChunkEnd.TERMINATED, ChunkEnd.CUT]);
    const { valueTargets } = computeGae(toArgs(c, 0.97, 1));
    expectClose(valueTargets, monteCarloReturns(c, 0.97));
  });

  it('gamma = 1, lambda = 1: advantages are undiscounted return-to-go minus V', () => {
    const c: Case = {
      rewards: [1, 2, 3, 4, 5],
      vfPreds: [0.5, 1, 1.5, 2, 2.5],
      lengths: [3, 2],
      ends: [ChunkEnd.TERMINATED, ChunkEnd.TRUNCATED],
      bootstrap: [100, 10],
    };
    const { advantages } = computeGae(toArgs(c, 1, 1));
    // Chunk 0: returns 6, 5, 3. Chunk 1: 4 + 5 + 10 = 19, 5 + 10 = 15.
    expectClose(advantages, [6 - 0.5, 5 - 1, 3 - 1.5, 19 - 2, 15 - 2.5], 5);
  });

  it('lambda = 0: advantages are one-step TD residuals', () => {
    const rng = new Rng(5);
    const c = randomCase(rng, [4, 4], [ChunkEnd.CUT, ChunkEnd.TERMINATED]);
    const { advantages } = computeGae(toArgs(c, 0.9, 0));
    const next = [
      c.vfPreds[1]!,
      c.vfPreds[2]!,
      c.vfPreds[3]!,
      c.bootstrap[0]!,
      c.vfPreds[5]!,
      c.vfPreds[6]!,
      c.vfPreds[7]!,
      0,
    ];
    expectClose(
      advantages,
      c.rewards.map((r, i) => r + 0.9 * next[i]! - c.vfPreds[i]!),
    );
  });

  it('rejects mismatched column lengths', () => {
    const args = toArgs({ rewards: [1], vfPreds: [1], lengths: [1], ends: [ChunkEnd.CUT], bootstrap: [0] }, 0.9, 0.9);
    expect(() => computeGae({ ...args, vfPreds: new Float32Array(2) })).toThrow(RangeError);
    expect(() => computeGae({ ...args, bootstrapValues: new Float32Array(0) })).toThrow(RangeError);
  });
});

describe('normalizeAdvantages', () => {
  it('gives mean 0 and std 1, in place', () => {
    const rng = new Rng(1);
    const adv = Float32Array.from({ length: 1000 }, () => rng.normal() * 7 + 3);
    const same = adv;
    normalizeAdvantages(adv);
    expect(same).toBe(adv);
    const mean = adv.reduce((a, b) => a + b, 0) / adv.length;
    const std = Math.sqrt(adv.reduce((a, b) => a + (b - mean) ** 2, 0) / adv.length);
    expect(mean).toBeCloseTo(0, 5);
    expect(std).toBeCloseTo(1, 5);
  });

  it('matches (x - mean) / (std + 1e-8) on a small hand case and leaves constants finite', () => {
    const adv = Float32Array.from([1, 2, 3]);
    normalizeAdvantages(adv);
    const s = Math.sqrt(2 / 3);
    expectClose(adv, [-1 / s, 0, 1 / s], 5);
    const flat = Float32Array.from([4, 4, 4]);
    normalizeAdvantages(flat);
    expect(Array.from(flat)).toEqual([0, 0, 0]);
  });
});
