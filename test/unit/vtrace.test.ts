import { describe, expect, it } from 'vitest';
import { computeVtrace, vtraceFragment, vtraceOnBatch, type VtraceFragmentArgs } from '../../src/connectors/vtrace';
import { ChunkEnd } from '../../src/core/sample-batch';
import { Rng } from '../../src/core/rng';

const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);

function expectClose(actual: Float32Array, expected: number[], digits = 4): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, digits));
}

/**
 * The IMPALA paper's definition written out (Espeholt et al. 2018, eq. 1, with per-step
 * discounts as in Remark 1 / RLlib): for each s a forward sum
 * v_s = V(x_s) + sum_{t>=s} (prod_{i=s}^{t-1} gamma_i c_i) delta_t,
 * delta_t = rho_t (r_t + gamma_t V(x_{t+1}) - V(x_t)); pg advantage uses v_{s+1}.
 */
function paperVtrace(a: VtraceFragmentArgs): { vs: number[]; pg: number[] } {
  const n = a.rewards.length;
  const ratio = (t: number): number => Math.exp(a.targetLogp[t]! - a.behaviourLogp[t]!);
  const valueAt = (t: number): number => (t < n ? a.values[t]! : a.bootstrapValue);
  const delta = (t: number): number =>
    Math.min(a.clipRhoThreshold, ratio(t)) * (a.rewards[t]! + a.discounts[t]! * valueAt(t + 1) - a.values[t]!);
  const vs: number[] = [];
  for (let s = 0; s < n; s++) {
    let sum = 0;
    let weight = 1;
    for (let t = s; t < n; t++) {
      sum += weight * delta(t);
      weight *= a.discounts[t]! * Math.min(1, ratio(t));
    }
    vs.push(a.values[s]! + sum);
  }
  const pg = vs.map((_, s) => {
    const vNext = s + 1 < n ? vs[s + 1]! : a.bootstrapValue;
    return Math.min(a.clipPgRhoThreshold, ratio(s)) * (a.rewards[s]! + a.discounts[s]! * vNext - a.values[s]!);
  });
  return { vs, pg };
}

function randomFragment(rng: Rng, n: number, clipRho: number, clipPg: number): VtraceFragmentArgs {
  const discounts = Array.from({ length: n }, () => 0.95);
  if (n > 3) discounts[n - 1] = rng.uniform(0, 1) < 0.5 ? 0 : 0.95;
  return {
    behaviourLogp: f32(Array.from({ length: n }, () => Math.log(rng.uniform(0.05, 1)))),
    targetLogp: f32(Array.from({ length: n }, () => Math.log(rng.uniform(0.05, 1)))),
    rewards: f32(Array.from({ length: n }, () => rng.uniform(-1, 2))),
    values: f32(Array.from({ length: n }, () => rng.uniform(-3, 3))),
    bootstrapValue: rng.uniform(-5, 5),
    discounts: f32(discounts),
    clipRhoThreshold: clipRho,
    clipPgRhoThreshold: clipPg,
  };
}

describe('vtraceFragment', () => {
  it('matches a hand-computed 3-step case', () => {
    // mu = 0.5 everywhere, pi = [0.25, 1, 0.5]: rho = [0.5, 2, 1] -> clipped [0.5, 1, 1], c = [0.5, 1, 1].
    // t=2: delta = 3 + 0.9*2 - 1 = 3.8;            vs2 = 1 + 3.8 = 4.8
    // t=1: delta = 2 + 0.9*1 - 1 = 1.9;            vs1 = 1 + 1.9 + 0.9*1*3.8 = 6.32
    // t=0: delta = 0.5*(1 + 0.9 - 1) = 0.45;       vs0 = 1 + 0.45 + 0.9*0.5*5.32 = 3.844
    // pg: 0.5*(1 + 0.9*6.32 - 1) = 2.844; 1*(2 + 0.9*4.8 - 1) = 5.32; 1*(3 + 0.9*2 - 1) = 3.8
    const out = vtraceFragment({
      behaviourLogp: f32([Math.log(0.5), Math.log(0.5), Math.log(0.5)]),
      targetLogp: f32([Math.log(0.25), Math.log(1), Math.log(0.5)]),
      rewards: f32([1, 2, 3]),
      values: f32([1, 1, 1]),
      bootstrapValue: 2,
      discounts: f32([0.9, 0.9, 0.9]),
      clipRhoThreshold: 1,
      clipPgRhoThreshold: 1,
    });
    expectClose(out.vs, [3.844, 6.32, 4.8], 5);
    expectClose(out.pgAdvantages, [2.844, 5.32, 3.8], 5);
  });

  it('equals the recursive definition of the IMPALA paper on random data', () => {
    const rng = new Rng(11);
    for (const [clipRho, clipPg] of [
      [1, 1],
      [0.5, 2],
      [3, 0.7],
      [Infinity, Infinity],
    ] as const) {
      for (const n of [1, 2, 7, 20]) {
        const args = randomFragment(rng, n, clipRho, clipPg);
        const out = vtraceFragment(args);
        const ref = paperVtrace(args);
        expectClose(out.vs, ref.vs);
        expectClose(out.pgAdvantages, ref.pg);
      }
    }
  });

  it('on-policy (rho = 1) gives n-step returns: v_s = sum gamma^k r_{s+k} + gamma^(T-s) V(x_T)', () => {
    const rng = new Rng(5);
    const n = 9;
    const gamma = 0.9;
    const logp = f32(Array.from({ length: n }, () => Math.log(rng.uniform(0.1, 1))));
    const rewards = Array.from({ length: n }, () => rng.uniform(-1, 1));
    const values = Array.from({ length: n }, () => rng.uniform(-2, 2));
    const out = vtraceFragment({
      behaviourLogp: logp,
      targetLogp: logp,
      rewards: f32(rewards),
      values: f32(values),
      bootstrapValue: 1.5,
      discounts: f32(Array.from({ length: n }, () => gamma)),
      clipRhoThreshold: 1,
      clipPgRhoThreshold: 1,
    });
    const returns = rewards.map((_, s) => {
      let ret = 0;
      for (let t = s; t < n; t++) ret += gamma ** (t - s) * rewards[t]!;
      return ret + gamma ** (n - s) * 1.5;
    });
    expectClose(out.vs, returns);
    // And the advantage is the one-step TD error against the next n-step return.
    expectClose(
      out.pgAdvantages,
      rewards.map((r, s) => r + gamma * (s + 1 < n ? returns[s + 1]! : 1.5) - values[s]!),
    );
  });
});

describe('computeVtrace over SampleBatch chunks', () => {
  it('is vtraceFragment per chunk: discount 0 after termination, bootstrap on cuts and truncation', () => {
    const rng = new Rng(3);
    const lengths = [4, 1, 6, 3];
    const ends = [ChunkEnd.TERMINATED, ChunkEnd.CUT, ChunkEnd.TRUNCATED, ChunkEnd.TERMINATED];
    const n = lengths.reduce((a, b) => a + b, 0);
    const col = (lo: number, hi: number): Float32Array => f32(Array.from({ length: n }, () => rng.uniform(lo, hi)));
    const behaviourLogp = col(-3, 0);
    const targetLogp = col(-3, 0);
    const rewards = col(-1, 1);
    const values = col(-2, 2);
    const bootstrapValues = f32(lengths.map(() => rng.uniform(-5, 5)));
    const starts = [0];
    for (const len of lengths) starts.push(starts.at(-1)! + len);
    const batch = { rewards, chunkStarts: Int32Array.from(starts), chunkEnds: Uint8Array.from(ends) };
    const cfg = { discount: 0.97, clipRhoThreshold: 1, clipPgRhoThreshold: 1 };
    const out = computeVtrace({ behaviourLogp, targetLogp, values, bootstrapValues, ...batch, ...cfg });
    // The learner connector on a SampleBatch's columns and the learner's estimates: the same recursion.
    expect(vtraceOnBatch(batch, { behaviourLogp, targetLogp, values, bootstrapValues }, cfg)).toEqual(out);
    lengths.forEach((len, c) => {
      const [s, e] = [starts[c]!, starts[c]! + len];
      const discounts = f32(Array.from({ length: len }, () => 0.97));
      if (ends[c] === ChunkEnd.TERMINATED) discounts[len - 1] = 0;
      const ref = vtraceFragment({
        behaviourLogp: behaviourLogp.slice(s, e),
        targetLogp: targetLogp.slice(s, e),
        rewards: rewards.slice(s, e),
        values: values.slice(s, e),
        bootstrapValue: ends[c] === ChunkEnd.TERMINATED ? 12345 : bootstrapValues[c]!,
        discounts,
        clipRhoThreshold: 1,
        clipPgRhoThreshold: 1,
      });
      expectClose(out.vs.slice(s, e), Array.from(ref.vs), 5);
      expectClose(out.pgAdvantages.slice(s, e), Array.from(ref.pgAdvantages), 5);
    });
  });

  it('rejects columns of different lengths', () => {
    expect(() =>
      vtraceFragment({
        behaviourLogp: f32([0]),
        targetLogp: f32([0, 0]),
        rewards: f32([1]),
        values: f32([0]),
        bootstrapValue: 0,
        discounts: f32([1]),
        clipRhoThreshold: 1,
        clipPgRhoThreshold: 1,
      }),
    ).toThrow(/targetLogp has 2 rows/);
  });
});
