/** Seeding: same seed => same trajectories (through autoresets), seed + i per sub-env, resets. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RLError } from '../../src/core/errors';
import { Rng } from '../../src/core/rng';
import { flatDim } from '../../src/core/spaces';
import { makeVectorEnv, type VectorEnv } from '../../src/envs';

const BUILTINS = ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1'];

/** Random actions for `numSteps` steps, as one array per step (same for every env built from the seed). */
function randomActions(env: VectorEnv, numSteps: number, seed: number): (Int32Array | Float32Array)[] {
  const rng = new Rng(seed);
  const space = env.singleActionSpace;
  const size = env.numEnvs * flatDim(space);
  return Array.from({ length: numSteps }, () =>
    space.kind === 'discrete'
      ? Int32Array.from({ length: size }, () => rng.integer(space.n))
      : Float32Array.from({ length: size }, () => rng.uniform(-1, 1)),
  );
}

/** Per step: obs, rewards, flags and finalObs of every sub-env, flattened. */
function record(env: VectorEnv, actions: (Int32Array | Float32Array)[]): number[][] {
  return actions.map((a) => {
    env.step(a);
    return [...env.obs, ...env.rewards, ...env.terminated, ...env.truncated, ...env.finalObs];
  });
}

/** The trajectory of one sub-env: its obs rows and rewards. */
function subEnvTrajectory(env: VectorEnv, i: number, actions: (Int32Array | Float32Array)[]): number[][] {
  const dim = env.obs.length / env.numEnvs;
  return actions.map((a) => {
    env.step(a);
    return [...env.obs.subarray(i * dim, (i + 1) * dim), env.rewards[i]!, env.terminated[i]!, env.truncated[i]!];
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(BUILTINS)('%s seeding', (id) => {
  // Short time limit so the 300 steps cross several autoresets in every env.
  const make = (numEnvs: number): VectorEnv => makeVectorEnv(id, { numEnvs, maxEpisodeSteps: 40 });

  it('same seed gives identical trajectories, through autoresets', () => {
    const a = make(4);
    const b = make(4);
    const actions = randomActions(a, 300, 99);
    a.reset(42);
    b.reset(42);
    const ta = record(a, actions);
    expect(record(b, actions)).toEqual(ta);
    expect(ta.some((row) => row.includes(Number.NaN))).toBe(false);
  });

  it('different seeds give different trajectories', () => {
    const a = make(4);
    const b = make(4);
    const actions = randomActions(a, 50, 99);
    a.reset(42);
    b.reset(43);
    expect(record(b, actions)).not.toEqual(record(a, actions));
  });

  it('sub-env i is seeded with seed + i (sub-env 1 of seed 0 == sub-env 0 of seed 1)', () => {
    const a = make(3);
    const b = make(3);
    // Give sub-env 1 of `a` and sub-env 0 of `b` the same actions.
    const actionsA = randomActions(a, 200, 5);
    const dim = flatDim(a.singleActionSpace);
    const actionsB = actionsA.map((x) => {
      const y = x.slice();
      y.set(x.subarray(dim, 2 * dim), 0);
      return y;
    });
    a.reset(0);
    b.reset(1);
    expect(subEnvTrajectory(b, 0, actionsB)).toEqual(subEnvTrajectory(a, 1, actionsA));
  });

  it('reset() without a seed continues each sub-env Rng; the constructor seed acts like reset(seed)', () => {
    const a = makeVectorEnv(id, { numEnvs: 2, seed: 7 });
    const b = make(2);
    a.reset();
    b.reset(7);
    expect(Array.from(a.obs)).toEqual(Array.from(b.obs));
    const first = Array.from(a.obs);
    a.reset();
    b.reset();
    expect(Array.from(a.obs)).toEqual(Array.from(b.obs));
    expect(Array.from(a.obs)).not.toEqual(first);
  });

  it('never calls Math.random (also when made without a seed)', () => {
    vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random called');
    });
    const env = makeVectorEnv(id, { numEnvs: 3, maxEpisodeSteps: 10 });
    env.reset();
    record(env, randomActions(env, 50, 1));
  });
});

describe('resetSubEnv and the per-sub-env step counters', () => {
  it('rebuilds one sub-env alone and restarts its time limit', () => {
    const env = makeVectorEnv('Pendulum-v1', { numEnvs: 3, seed: 0, maxEpisodeSteps: 5 });
    env.reset(0);
    const zero = new Float32Array(3);
    for (let t = 0; t < 3; t++) env.step(zero);
    const others = [env.getState(0), env.getState(2)].map((s) => Array.from(s));
    env.resetSubEnv!(1, 1234);
    const rng = new Rng(1234);
    expect(Array.from(env.getState(1))).toEqual([rng.uniform(-Math.PI, Math.PI), rng.uniform(-1, 1)]);
    expect([env.getState(0), env.getState(2)].map((s) => Array.from(s))).toEqual(others);
    expect([env.rewards[1], env.terminated[1], env.truncated[1]]).toEqual([0, 0, 0]);
    // Sub-envs 0 and 2 are 3 steps in, sub-env 1 is at 0: they truncate 3 steps apart.
    env.step(zero);
    env.step(zero);
    expect(Array.from(env.truncated)).toEqual([1, 0, 1]);
    for (let t = 0; t < 3; t++) env.step(zero);
    expect(Array.from(env.truncated)).toEqual([0, 1, 0]);
  });

  it('resetSubEnv without a seed continues the sub-env Rng', () => {
    const a = makeVectorEnv('CartPole-v1', { numEnvs: 2, seed: 3 });
    a.reset(3);
    a.resetSubEnv!(1);
    const rng = new Rng(4);
    const draw = (): number[] => [0, 0, 0, 0].map(() => rng.uniform(-0.05, 0.05));
    draw();
    expect(Array.from(a.getState(1))).toEqual(draw());
  });
});

describe('API misuse fails loudly', () => {
  const code = (fn: () => void): string | undefined => {
    try {
      fn();
    } catch (e) {
      return e instanceof RLError ? e.code : 'not an RLError';
    }
    return undefined;
  };

  it('step() before reset(), wrong action counts and invalid discrete actions throw RLErrors', () => {
    const env = makeVectorEnv('CartPole-v1', { numEnvs: 2, seed: 0 });
    expect(code(() => env.step(new Int32Array(2)))).toBe('env/not-reset');
    env.reset(0);
    expect(code(() => env.step(new Int32Array(3)))).toBe('env/invalid-action');
    expect(code(() => env.step(new Int32Array([0, 2])))).toBe('env/invalid-action');
    expect(code(() => env.step(new Float32Array([0, 0.5])))).toBe('env/invalid-action');
    const acrobot = makeVectorEnv('Acrobot-v1', { numEnvs: 1, seed: 0 });
    acrobot.reset(0);
    expect(code(() => acrobot.step(new Int32Array([3])))).toBe('env/invalid-action');
    expect(code(() => acrobot.step(new Int32Array([-1])))).toBe('env/invalid-action');
  });

  it('getState/setState/resetSubEnv check the index and the state length', () => {
    const env = makeVectorEnv('MountainCar-v0', { numEnvs: 2, seed: 0 });
    env.reset(0);
    expect(code(() => env.getState(2))).toBe('env/invalid-index');
    expect(code(() => env.resetSubEnv!(-1))).toBe('env/invalid-index');
    expect(code(() => env.setState(0, [0.1]))).toBe('env/invalid-state');
  });
});
