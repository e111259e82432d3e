import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import { ChunkEnd } from '../../src/core/sample-batch';
import { EpisodeReplayBuffer, type ReplayBatch, type ReplayInput } from '../../src/replay';

/**
 * Hand-built batches in the EnvRunner's chunk layout, obsDim 1: each step's observation is a
 * unique number, its action the same number, its reward obs + 1, so every sampled value names the
 * step it came from.
 */
interface ChunkSpec {
  readonly id: number;
  readonly env?: number;
  readonly obs: readonly number[];
  readonly end: 'cut' | 'terminated' | 'truncated';
  /** The observation after the last step (final obs at truncation/termination, continuation at a cut). */
  readonly final: number;
}

const END = { cut: ChunkEnd.CUT, terminated: ChunkEnd.TERMINATED, truncated: ChunkEnd.TRUNCATED } as const;

function batchOf(chunks: readonly ChunkSpec[]): ReplayInput {
  const obs = chunks.flatMap((c) => [...c.obs]);
  const terminateds = new Uint8Array(obs.length);
  const truncateds = new Uint8Array(obs.length);
  const starts = [0];
  for (const c of chunks) {
    const last = (starts.at(-1) ?? 0) + c.obs.length - 1;
    if (c.end === 'terminated') terminateds[last] = 1;
    if (c.end === 'truncated') truncateds[last] = 1;
    starts.push(last + 1);
  }
  return {
    numSteps: obs.length,
    obsDim: 1,
    actionDim: 1,
    obs: Float32Array.from(obs),
    actions: Int32Array.from(obs),
    rewards: Float32Array.from(obs, (o) => o + 1),
    terminateds,
    truncateds,
    chunkStarts: Int32Array.from(starts),
    chunkEnds: Uint8Array.from(chunks, (c) => END[c.end]),
    chunkEpisodeIds: Float64Array.from(chunks, (c) => c.id),
    chunkEnvIndices: Int32Array.from(chunks, (c) => c.env ?? 0),
    finalObs: Float32Array.from(chunks, (c) => c.final),
  };
}

interface Transition {
  readonly reward: number;
  readonly next: number;
  readonly terminated: number;
  readonly discount: number;
  readonly k: number;
}

/** Samples until every stored step was drawn; returns each start obs's transition (checked consistent). */
function transitionsByStartObs(buffer: EpisodeReplayBuffer, nStep: number, gamma: number): Map<number, Transition> {
  const byObs = new Map<number, Transition>();
  const batch: ReplayBatch = buffer.sample(50 * buffer.size, new Rng(7), { nStep, gamma });
  for (let b = 0; b < batch.batchSize; b++) {
    const t: Transition = {
      reward: batch.rewards[b] ?? NaN,
      next: batch.nextObs[b] ?? NaN,
      terminated: batch.terminateds[b] ?? NaN,
      discount: batch.discounts[b] ?? NaN,
      k: batch.nSteps[b] ?? NaN,
    };
    const o = batch.obs[b] ?? NaN;
    expect(batch.actions[b]).toBe(o);
    const seen = byObs.get(o);
    if (seen) expect(seen).toEqual(t);
    byObs.set(o, t);
  }
  expect(byObs.size).toBe(buffer.size);
  return byObs;
}

function expectTransition(actual: Transition | undefined, expected: Transition): void {
  expect(actual).toBeDefined();
  if (!actual) return;
  expect(actual.reward).toBeCloseTo(expected.reward, 4);
  expect(actual.next).toBe(expected.next);
  expect(actual.terminated).toBe(expected.terminated);
  expect(actual.discount).toBeCloseTo(expected.discount, 6);
  expect(actual.k).toBe(expected.k);
}

const discrete = (capacity: number): EpisodeReplayBuffer =>
  new EpisodeReplayBuffer({ capacity, obsDim: 1, actionDim: 1, discreteActions: true });

describe('EpisodeReplayBuffer: ring and episode boundaries', () => {
  it('wrap-around keeps the newest `capacity` steps', () => {
    const buffer = discrete(5);
    buffer.add(batchOf([{ id: 1, obs: [0, 1, 2, 3, 4, 5, 6, 7], end: 'terminated', final: 8 }]));
    expect(buffer.size).toBe(5);
    expect(buffer.numAdded).toBe(8);
    const t = transitionsByStartObs(buffer, 1, 0.9);
    expect([...t.keys()].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7]);
    expectTransition(t.get(3), { reward: 4, next: 4, terminated: 0, discount: 0.9, k: 1 });
    expectTransition(t.get(7), { reward: 8, next: 8, terminated: 1, discount: 0, k: 1 });
    expect(buffer.stepIdAt(0)).toBe(5);
    expect(buffer.stepIdAt(2)).toBe(7);
    expect(buffer.stepIdAt(3)).toBe(3);
  });

  it('never builds a transition or n-step return across an episode end', () => {
    const buffer = discrete(100);
    buffer.add(
      batchOf([
        { id: 1, obs: [0, 1, 2], end: 'terminated', final: 3 },
        { id: 2, obs: [10, 11], end: 'truncated', final: 12 },
        { id: 3, obs: [20, 21], end: 'cut', final: 22 },
      ]),
    );
    const t = transitionsByStartObs(buffer, 5, 0.5);
    expectTransition(t.get(0), { reward: 1 + 0.5 * 2 + 0.25 * 3, next: 3, terminated: 1, discount: 0, k: 3 });
    expectTransition(t.get(10), { reward: 11 + 0.5 * 12, next: 12, terminated: 0, discount: 0.25, k: 2 });
    expectTransition(t.get(21), { reward: 22, next: 22, terminated: 0, discount: 0.5, k: 1 });
  });

  it('follows each episode when sub-envs and runners interleave in the ring', () => {
    const buffer = discrete(100);
    // Runner A (ids 1, 2) and runner B (id 1_000_001) each cut an episode; their continuations arrive in swapped order.
    buffer.add(
      batchOf([
        { id: 1, env: 0, obs: [0, 1], end: 'cut', final: 2 },
        { id: 2, env: 1, obs: [100, 101], end: 'cut', final: 102 },
      ]),
    );
    buffer.add(batchOf([{ id: 1_000_001, env: 0, obs: [500], end: 'cut', final: 501 }]));
    buffer.add(
      batchOf([
        { id: 2, env: 1, obs: [102, 103], end: 'terminated', final: 104 },
        { id: 1, env: 0, obs: [2, 3], end: 'truncated', final: 4 },
      ]),
    );
    const t = transitionsByStartObs(buffer, 3, 1);
    expectTransition(t.get(0), { reward: 1 + 2 + 3, next: 3, terminated: 0, discount: 1, k: 3 });
    expectTransition(t.get(100), { reward: 101 + 102 + 103, next: 103, terminated: 0, discount: 1, k: 3 });
    expectTransition(t.get(101), { reward: 102 + 103 + 104, next: 104, terminated: 1, discount: 0, k: 3 });
    expectTransition(t.get(500), { reward: 501, next: 501, terminated: 0, discount: 1, k: 1 });
  });

  it('rejects batches that do not fit the buffer or end an episode mid-chunk', () => {
    const buffer = discrete(10);
    const good = batchOf([{ id: 1, obs: [0, 1], end: 'cut', final: 2 }]);
    expect(() => buffer.add({ ...good, terminateds: Uint8Array.from([1, 0]) })).toThrow(/inside chunk 0/);
    expect(() => buffer.add({ ...good, actions: Float32Array.from([0, 1]) })).toThrow(/Int32Array/);
    expect(() => buffer.add({ ...good, obsDim: 2 })).toThrow(/obsDim/);
    expect(() => buffer.sample(4, new Rng(1), { nStep: 1, gamma: 0.9 })).toThrow(/empty/);
    buffer.add(good);
    expect(() => buffer.sample(4, new Rng(1), { nStep: 0, gamma: 0.9 })).toThrow(/nStep/);
  });
});

describe('EpisodeReplayBuffer: fragment cuts are stitched', () => {
  const first = { id: 7, env: 3, obs: [0, 1], end: 'cut', final: 2 } as const;

  it('a cut step bootstraps from the continuation obs until the next chunk arrives, then n-step runs through', () => {
    const buffer = discrete(100);
    buffer.add(batchOf([first]));
    let t = transitionsByStartObs(buffer, 4, 0.5);
    expectTransition(t.get(0), { reward: 1 + 0.5 * 2, next: 2, terminated: 0, discount: 0.25, k: 2 });

    buffer.add(batchOf([{ id: 7, env: 3, obs: [2, 3, 4], end: 'truncated', final: 5 }]));
    t = transitionsByStartObs(buffer, 4, 0.5);
    const g = [1, 0.5, 0.25, 0.125];
    expectTransition(t.get(0), {
      reward: 1 * g[0]! + 2 * g[1]! + 3 * g[2]! + 4 * g[3]!,
      next: 4,
      terminated: 0,
      discount: 0.0625,
      k: 4,
    });
    expectTransition(t.get(1), {
      reward: 2 + 3 * 0.5 + 4 * 0.25 + 5 * 0.125,
      next: 5,
      terminated: 0,
      discount: 0.0625,
      k: 4,
    });
    expectTransition(t.get(2), { reward: 3 + 4 * 0.5 + 5 * 0.25, next: 5, terminated: 0, discount: 0.125, k: 3 });
  });

  it('does not stitch onto another sub-env, another start obs, or an overwritten step', () => {
    for (const next of [
      { id: 7, env: 4, obs: [2, 3], end: 'terminated', final: 4 },
      { id: 7, env: 3, obs: [99, 3], end: 'terminated', final: 4 },
    ] as const) {
      const buffer = discrete(100);
      buffer.add(batchOf([first]));
      buffer.add(batchOf([next]));
      expect(transitionsByStartObs(buffer, 4, 1).get(1)?.k).toBe(1);
    }
    const small = discrete(3);
    small.add(batchOf([first]));
    small.add(batchOf([{ id: 8, env: 0, obs: [50, 51], end: 'cut', final: 52 }])); // overwrites obs 0 and 1
    small.add(batchOf([{ id: 7, env: 3, obs: [2], end: 'terminated', final: 3 }]));
    const t = transitionsByStartObs(small, 4, 1);
    expect([...t.keys()].sort((a, b) => a - b)).toEqual([2, 50, 51]);
    expectTransition(t.get(51), { reward: 52, next: 52, terminated: 0, discount: 1, k: 1 });
  });
});

describe('EpisodeReplayBuffer: n-step returns (Hessel et al. 2018)', () => {
  const gamma = 0.9;
  const buffer = discrete(100);
  buffer.add(
    batchOf([
      { id: 1, obs: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], end: 'cut', final: 10 },
      { id: 2, obs: [20, 21, 22], end: 'terminated', final: 23 },
      { id: 3, obs: [30, 31, 32], end: 'truncated', final: 33 },
    ]),
  );
  const t = transitionsByStartObs(buffer, 3, gamma);

  it('mid-episode: three rewards, bootstrap from s_{t+3} with gamma^3', () => {
    expectTransition(t.get(2), { reward: 3 + 0.9 * 4 + 0.81 * 5, next: 5, terminated: 0, discount: 0.729, k: 3 });
  });

  it('across a termination: stops there, done 1, discount 0 (no bootstrap)', () => {
    expectTransition(t.get(21), { reward: 22 + 0.9 * 23, next: 23, terminated: 1, discount: 0, k: 2 });
    expectTransition(t.get(20), { reward: 21 + 0.9 * 22 + 0.81 * 23, next: 23, terminated: 1, discount: 0, k: 3 });
  });

  it('across a truncation: stops there and bootstraps from the final obs with gamma^k', () => {
    expectTransition(t.get(31), { reward: 32 + 0.9 * 33, next: 33, terminated: 0, discount: 0.81, k: 2 });
    expectTransition(t.get(32), { reward: 33, next: 33, terminated: 0, discount: 0.9, k: 1 });
  });

  it('n = 1 is the one-step transition', () => {
    const one = transitionsByStartObs(buffer, 1, gamma);
    expectTransition(one.get(9), { reward: 10, next: 10, terminated: 0, discount: 0.9, k: 1 });
    expectTransition(one.get(22), { reward: 23, next: 23, terminated: 1, discount: 0, k: 1 });
  });
});

describe('EpisodeReplayBuffer: state', () => {
  it('getState/setState round-trips contents, pointers and pending cuts', () => {
    const a = discrete(6);
    a.add(batchOf([{ id: 1, obs: [0, 1, 2, 3, 4], end: 'terminated', final: 5 }]));
    a.add(batchOf([{ id: 2, env: 1, obs: [10, 11, 12], end: 'cut', final: 13 }]));
    const b = discrete(6);
    b.setState(structuredClone(a.getState()));
    expect(b.size).toBe(6);
    expect(b.numAdded).toBe(8);
    // The pending cut survives: both buffers stitch the continuation the same way.
    for (const buffer of [a, b]) buffer.add(batchOf([{ id: 2, env: 1, obs: [13, 14], end: 'terminated', final: 15 }]));
    const sa = a.sample(64, new Rng(3), { nStep: 3, gamma: 0.9 });
    const snapshot = structuredClone(sa);
    const sb = b.sample(64, new Rng(3), { nStep: 3, gamma: 0.9 });
    expect(sb).toEqual(snapshot);
    expect(transitionsByStartObs(b, 3, 1).get(11)?.k).toBe(3);
  });

  it('refuses a state from a differently shaped buffer', () => {
    const state = discrete(6).getState();
    expect(() => discrete(7).setState(state)).toThrow(/capacity: 6 vs 7/);
  });
});
