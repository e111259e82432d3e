import { describe, expect, it } from 'vitest';
import { DQN_DEFAULTS, validateDQNConfig } from '../../src/algorithms/dqn/dqn-config';
import { Rng } from '../../src/core/rng';
import { ChunkEnd } from '../../src/core/sample-batch';
import { box, discrete } from '../../src/core/spaces';
import {
  EpisodeReplayBuffer,
  makeReplayBuffer,
  PrioritizedEpisodeReplayBuffer,
  type ReplayInput,
} from '../../src/replay';

/** One cut chunk of `n` steps with obs = action = first + t, reward 0. */
function steps(first: number, n: number, episodeId = first): ReplayInput {
  const obs = Float32Array.from({ length: n }, (_, t) => first + t);
  return {
    numSteps: n,
    obsDim: 1,
    actionDim: 1,
    obs,
    actions: Int32Array.from(obs),
    rewards: new Float32Array(n),
    terminateds: new Uint8Array(n),
    truncateds: new Uint8Array(n),
    chunkStarts: Int32Array.from([0, n]),
    chunkEnds: Uint8Array.from([ChunkEnd.CUT]),
    chunkEpisodeIds: Float64Array.from([episodeId]),
    chunkEnvIndices: Int32Array.from([0]),
    finalObs: Float32Array.from([first + n]),
  };
}

const per = (capacity: number, alpha = 0.6, beta = 0.4): PrioritizedEpisodeReplayBuffer =>
  new PrioritizedEpisodeReplayBuffer({ capacity, obsDim: 1, actionDim: 1, discreteActions: true, alpha, beta });

const opts = { nStep: 1, gamma: 0.99 };

describe('PrioritizedEpisodeReplayBuffer (Schaul et al. 2016)', () => {
  it('new steps get the max priority seen so far', () => {
    const buffer = per(10, 0.5);
    buffer.add(steps(0, 3));
    for (let slot = 0; slot < 3; slot++) expect(buffer.priorityAt(slot)).toBe(1); // initial max priority 1
    buffer.updatePriorities(Int32Array.from([0, 1]), [3, 0.5]);
    expect(buffer.priorityAt(0)).toBeCloseTo(Math.sqrt(3 + 1e-6), 12);
    expect(buffer.priorityAt(1)).toBeCloseTo(Math.sqrt(0.5 + 1e-6), 12);
    buffer.updatePriorities(Int32Array.from([0]), [0.1]); // lowering a priority keeps the max seen
    buffer.add(steps(3, 2));
    expect(buffer.priorityAt(3)).toBeCloseTo(Math.sqrt(3 + 1e-6), 12);
    expect(buffer.priorityAt(4)).toBeCloseTo(Math.sqrt(3 + 1e-6), 12);
  });

  it('updatePriorities changes sampling proportions: P(i) = p_i^alpha / sum p^alpha', () => {
    const buffer = per(4, 1);
    buffer.add(steps(0, 4));
    buffer.updatePriorities(Int32Array.from([0, 1, 2, 3]), [9, 1, 1, 1]);
    const counts = [0, 0, 0, 0];
    const rng = new Rng(5);
    for (let round = 0; round < 200; round++) {
      const batch = buffer.sample(100, rng, opts);
      for (const slot of batch.indices) counts[slot] = (counts[slot] ?? 0) + 1;
    }
    const total = 20_000;
    expect((counts[0] ?? 0) / total).toBeCloseTo(9 / 12, 2);
    for (const slot of [1, 2, 3]) expect((counts[slot] ?? 0) / total).toBeCloseTo(1 / 12, 2);

    // alpha = 0 ignores TD errors: uniform.
    const flat = per(4, 0);
    flat.add(steps(0, 4));
    flat.updatePriorities(Int32Array.from([0, 1, 2, 3]), [9, 1, 1, 1]);
    for (let slot = 0; slot < 4; slot++) expect(flat.priorityAt(slot)).toBe(1);
  });

  it('importance weights are (N * P(i))^-beta normalised by the max weight', () => {
    const alpha = 0.7;
    const beta = 0.5;
    const buffer = per(8, alpha, beta);
    buffer.add(steps(0, 5));
    const td = [2, 0.5, 4, 1, 0.25];
    buffer.updatePriorities(Int32Array.from([0, 1, 2, 3, 4]), td);
    const p = td.map((d) => (d + 1e-6) ** alpha);
    const total = p.reduce((a, b) => a + b, 0);
    const n = 5;
    const weight = (i: number, b: number): number =>
      ((n * (p[i] ?? 0)) / total) ** -b / ((n * Math.min(...p)) / total) ** -b;
    const batch = buffer.sample(64, new Rng(9), opts);
    for (let row = 0; row < 64; row++) {
      const slot = batch.indices[row] ?? -1;
      expect(batch.weights[row]).toBeCloseTo(weight(slot, beta), 5);
      expect(batch.obs[row]).toBe(slot); // obs = slot here
    }
    expect(Math.max(...batch.weights)).toBeLessThanOrEqual(1);
    // beta per call (the caller anneals it); beta 0 turns the correction off.
    const annealed = buffer.sample(64, new Rng(9), { ...opts, beta: 1 });
    for (let row = 0; row < 64; row++)
      expect(annealed.weights[row]).toBeCloseTo(weight(annealed.indices[row] ?? -1, 1), 5);
    const off = buffer.sample(64, new Rng(9), { ...opts, beta: 0 });
    expect([...off.weights].every((w) => w === 1)).toBe(true);
  });

  it('skips slots overwritten between sample and updatePriorities, and rejects non-finite TD errors', () => {
    const buffer = per(4, 1);
    buffer.add(steps(0, 4));
    const batch = buffer.sample(8, new Rng(1), opts);
    const indices = batch.indices.slice();
    const stepIds = batch.stepIds.slice();
    buffer.add(steps(10, 4)); // every slot now holds a newer step
    buffer.updatePriorities(indices, new Array<number>(8).fill(50), stepIds);
    for (let slot = 0; slot < 4; slot++) expect(buffer.priorityAt(slot)).toBe(1);
    expect(() => buffer.updatePriorities(Int32Array.from([0]), [Number.NaN])).toThrow(/not finite/);
    expect(() => buffer.updatePriorities(Int32Array.from([0, 1]), [1])).toThrow(/2 indices but 1/);
  });

  it('getState/setState round-trips priorities and the max priority', () => {
    const a = per(6, 0.6);
    a.add(steps(0, 6));
    a.updatePriorities(Int32Array.from([1, 4]), [7, 0.01]);
    const b = per(6, 0.6);
    b.setState(structuredClone(a.getState()));
    const sa = structuredClone(a.sample(32, new Rng(2), opts));
    expect(b.sample(32, new Rng(2), opts)).toEqual(sa);
    a.add(steps(6, 1));
    b.add(steps(6, 1));
    expect(b.priorityAt(0)).toBe(a.priorityAt(0));

    // A uniform buffer's state loads into a prioritized buffer with every stored step at priority 1.
    const uniform = new EpisodeReplayBuffer({ capacity: 6, obsDim: 1, actionDim: 1, discreteActions: true });
    uniform.add(steps(0, 3));
    const c = per(6);
    c.setState(uniform.getState());
    expect([0, 1, 2, 3].map((slot) => c.priorityAt(slot))).toEqual([1, 1, 1, 0]);
    expect(c.sample(16, new Rng(4), opts).indices.every((slot) => slot < 3)).toBe(true);
  });
});

const DEFAULT_REPLAY_BUFFER_CONFIG = { ...DQN_DEFAULTS.training.replayBufferConfig, storeBufferInCheckpoints: false };

describe('replay config', () => {
  it("defaults are RLlib DQN's replay_buffer_config", () => {
    expect(DEFAULT_REPLAY_BUFFER_CONFIG).toEqual({
      type: 'PrioritizedEpisodeReplayBuffer',
      capacity: 50_000,
      alpha: 0.6,
      beta: 0.4,
      storeBufferInCheckpoints: false,
    });
    expect(validateDQNConfig(DQN_DEFAULTS)).toEqual([]);
  });

  it('validation names every problem with its path', () => {
    const replayBufferConfig = {
      ...DQN_DEFAULTS.training.replayBufferConfig,
      capacity: 0.5,
      alpha: -1,
      beta: Number.NaN,
    };
    const issues = validateDQNConfig({ ...DQN_DEFAULTS, training: { ...DQN_DEFAULTS.training, replayBufferConfig } });
    expect(issues.map((i) => i.path)).toEqual([
      'training.replayBufferConfig.capacity',
      'training.replayBufferConfig.alpha',
      'training.replayBufferConfig.beta',
    ]);
  });

  it('makeReplayBuffer sizes the buffer from the spaces', () => {
    const cartPole = makeReplayBuffer(
      { ...DEFAULT_REPLAY_BUFFER_CONFIG, capacity: 100 },
      {
        observationSpace: box(-1, 1, [4]),
        actionSpace: discrete(2),
      },
    );
    expect(cartPole).toBeInstanceOf(PrioritizedEpisodeReplayBuffer);
    expect([cartPole.capacity, cartPole.obsDim, cartPole.actionDim, cartPole.discreteActions]).toEqual([
      100,
      4,
      1,
      true,
    ]);
    const pendulum = makeReplayBuffer(
      { ...DEFAULT_REPLAY_BUFFER_CONFIG, type: 'EpisodeReplayBuffer' },
      {
        observationSpace: box(-1, 1, [3]),
        actionSpace: box(-2, 2, [1]),
      },
    );
    expect(pendulum.prioritized).toBe(false);
    expect([pendulum.capacity, pendulum.obsDim, pendulum.actionDim, pendulum.discreteActions]).toEqual([
      50_000,
      3,
      1,
      false,
    ]);
  });
});
