/** The registry, envConfig, vectorize() with the GridWalk example, and the bench helper. */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, RLError } from '../../src/core/errors';
import { box } from '../../src/core/spaces';
import {
  checkEnv,
  getEnvSpec,
  listEnvs,
  makeVectorEnv,
  registerEnv,
  unregisterEnv,
  vectorize,
  type SingleEnv,
} from '../../src/envs';
import { measureEnvStepsPerSecond } from '../../src/diagnostics/env-stepping';
import { gridWalkSpec } from '../../src/envs/examples/grid-walk';

afterEach(() => {
  unregisterEnv('GridWalk-v0');
  unregisterEnv('Drift-v0');
});

describe('registry', () => {
  it('lists the built-in envs with Gymnasium time limits and thresholds', () => {
    expect(listEnvs()).toEqual(
      expect.arrayContaining([
        'CartPole-v1',
        'Acrobot-v1',
        'MountainCar-v0',
        'MountainCarContinuous-v0',
        'Pendulum-v1',
        'CartPoleCrashing-v1',
      ]),
    );
    expect(getEnvSpec('CartPole-v1')).toMatchObject({ maxEpisodeSteps: 500, rewardThreshold: 475 });
    expect(getEnvSpec('Acrobot-v1')).toMatchObject({ maxEpisodeSteps: 500, rewardThreshold: -100 });
    expect(getEnvSpec('MountainCar-v0')).toMatchObject({ maxEpisodeSteps: 200, rewardThreshold: -110 });
    expect(getEnvSpec('MountainCarContinuous-v0')).toMatchObject({ maxEpisodeSteps: 999, rewardThreshold: 90 });
    expect(getEnvSpec('Pendulum-v1')?.maxEpisodeSteps).toBe(200);
    expect(getEnvSpec('Nope-v0')).toBeUndefined();
  });

  it('throws env/unknown listing the registered ids', () => {
    let error: unknown;
    try {
      makeVectorEnv('CartPole-v9', { numEnvs: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RLError);
    expect((error as RLError).code).toBe('env/unknown');
    expect((error as RLError).message).toContain('CartPole-v9');
    for (const id of listEnvs()) expect((error as RLError).message).toContain(id);
  });

  it('validates numEnvs, seed and maxEpisodeSteps', () => {
    expect(() => makeVectorEnv('CartPole-v1', { numEnvs: 0 })).toThrow(/numEnvs/);
    expect(() => makeVectorEnv('CartPole-v1', { numEnvs: 1.5 })).toThrow(/numEnvs/);
    expect(() => makeVectorEnv('CartPole-v1', { numEnvs: 1, seed: 0.5 })).toThrow(/seed/);
    expect(() => makeVectorEnv('CartPole-v1', { numEnvs: 1, maxEpisodeSteps: 0 })).toThrow(/maxEpisodeSteps/);
  });

  it('CartPole-v1 truncates at its registered 500 steps', () => {
    const env = makeVectorEnv('CartPole-v1', { numEnvs: 1, seed: 0 });
    env.reset(0);
    const upright = [0, 0, 0, 0];
    for (let t = 1; t <= 500; t++) {
      env.setState(0, upright); // keeps the pole up; the step counter is not touched
      env.step(new Int32Array([t % 2]));
      expect(env.truncated[0]).toBe(t === 500 ? 1 : 0);
      expect(env.terminated[0]).toBe(0);
    }
  });

  it('passes envConfig to the env (Pendulum g) and rejects bad values', () => {
    const torque = new Float32Array([0]);
    const fall = (g: number): number => {
      const env = makeVectorEnv('Pendulum-v1', { numEnvs: 1, seed: 0, envConfig: { g } });
      env.reset(0);
      env.setState(0, [1.0, 0.0]);
      env.step(torque);
      return env.getState(0)[1]!;
    };
    expect(fall(10)).toBeCloseTo(((3 * 10) / 2) * Math.sin(1.0) * 0.05, 12);
    expect(fall(9.81)).toBeCloseTo(((3 * 9.81) / 2) * Math.sin(1.0) * 0.05, 12);
    expect(() => makeVectorEnv('Pendulum-v1', { numEnvs: 1, envConfig: { g: 'ten' } })).toThrow(ConfigError);
  });
});

describe('vectorize', () => {
  it('runs the GridWalk example as a registered VectorEnv', () => {
    registerEnv('GridWalk-v0', vectorize(gridWalkSpec), { maxEpisodeSteps: 50, rewardThreshold: 0.9 });
    const env = makeVectorEnv('GridWalk-v0', { numEnvs: 3, seed: 0, envConfig: { size: 5 } });
    expect(getEnvSpec('GridWalk-v0')?.rewardThreshold).toBe(0.9);
    env.reset(0);
    const starts = Array.from(env.obs);
    expect(starts.every((x) => [0, 0.25, 0.5].includes(x))).toBe(true);
    // Always walking right reaches the goal (obs 1) in at most 4 steps, ending with +1.
    const right = new Int32Array([1, 1, 1]);
    const returns = [0, 0, 0];
    const done = [false, false, false];
    for (let t = 0; t < 4; t++) {
      env.step(right);
      for (let i = 0; i < 3; i++) {
        if (done[i]) continue;
        returns[i]! += env.rewards[i]!;
        if (env.terminated[i]) {
          done[i] = true;
          expect(env.finalObs[i]).toBe(1);
          expect([0, 0.25, 0.5]).toContain(env.obs[i]);
        }
      }
    }
    expect(done).toEqual([true, true, true]);
    starts.forEach((s, i) => expect(returns[i]).toBeCloseTo(1 - 0.01 * (Math.round((1 - s) * 4) - 1), 6));
  });

  it('passes Box actions as a Float32Array and applies the time limit', () => {
    class Drift implements SingleEnv {
      x = 0;
      reset(): number[] {
        this.x = 0;
        return [this.x];
      }
      step(action: number | Float32Array): { obs: number[]; reward: number; terminated: boolean } {
        const a = action as Float32Array;
        this.x += a[0]! + a[1]!;
        return { obs: [this.x], reward: a[0]!, terminated: false };
      }
      getState(): number[] {
        return [this.x];
      }
      setState(s: ArrayLike<number>): number[] {
        this.x = s[0]!;
        return [this.x];
      }
    }
    registerEnv(
      'Drift-v0',
      vectorize({ observationSpace: box(-100, 100, [1]), actionSpace: box(-1, 1, [2]), create: () => new Drift() }),
      { maxEpisodeSteps: 3 },
    );
    const env = makeVectorEnv('Drift-v0', { numEnvs: 2, seed: 0 });
    env.reset(0);
    const actions = new Float32Array([0.5, 0.25, -1, 0]);
    env.step(actions);
    env.step(actions);
    expect(Array.from(env.obs)).toEqual([1.5, -2]);
    expect(Array.from(env.rewards)).toEqual([0.5, -1]);
    env.step(actions);
    expect(Array.from(env.truncated)).toEqual([1, 1]);
    expect(Array.from(env.finalObs)).toEqual([2.25, -3]);
    expect(Array.from(env.obs)).toEqual([0, 0]);
    expect(checkEnv(env, { numSteps: 20, requireEpisodeEnd: true })).toEqual([]);
  });
});

describe('measureEnvStepsPerSecond', () => {
  it('returns a positive finite rate', () => {
    const rate = measureEnvStepsPerSecond('CartPole-v1', 8, 0.05);
    expect(Number.isFinite(rate)).toBe(true);
    expect(rate).toBeGreaterThan(0);
  });
});
