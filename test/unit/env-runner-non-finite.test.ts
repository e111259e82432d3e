/**
 * A sub-env that returns a NaN/Inf observation or reward is a sub-env failure (issue 12, item 1):
 * restarted when restartFailedSubEnvironments is on, a coded runner error naming the env, the
 * sub-env and the field otherwise. Nothing non-finite reaches the batch.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RLError } from '../../src/core/errors';
import { box, discrete } from '../../src/core/spaces';
import { EnvRunner } from '../../src/env-runner/env-runner';
import { registerEnv, unregisterEnv, vectorize, type SingleEnv } from '../../src/envs';
import { runnerSettings } from './helpers/settings';

const ENV_ID = 'NonFiniteAtStep-v0';

/** What to break: sub-env `subEnv` returns `value` in `field` at step `atStep` of every episode. */
interface Fault {
  readonly subEnv: number;
  readonly atStep: number;
  readonly field: 'obs2' | 'reward' | 'resetObs';
  readonly value: number;
}

/** Counts steps; obs = [t, 1, 0], reward 1, episodes of 12 steps. */
class Counter implements SingleEnv {
  private t = 0;
  constructor(
    private readonly fault: Fault,
    private readonly index: number,
  ) {}
  reset(): number[] {
    this.t = 0;
    const broken = this.index === this.fault.subEnv && this.fault.field === 'resetObs';
    return [0, broken ? this.fault.value : 1, 0];
  }
  step(): { obs: number[]; reward: number; terminated: boolean } {
    this.t++;
    const broken = this.index === this.fault.subEnv && this.t === this.fault.atStep;
    return {
      obs: [this.t, 1, broken && this.fault.field === 'obs2' ? this.fault.value : 0],
      reward: broken && this.fault.field === 'reward' ? this.fault.value : 1,
      terminated: this.t >= 12,
    };
  }
  getState(): number[] {
    return [this.t];
  }
  setState(s: ArrayLike<number>): number[] {
    this.t = s[0] ?? 0;
    return [this.t, 1, 0];
  }
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerEnv(
    ENV_ID,
    vectorize({
      observationSpace: box(-1000, 1000, [3]),
      actionSpace: discrete(2),
      create: (envConfig, index) => new Counter(envConfig as unknown as Fault, index),
    }),
  );
});

afterAll(() => {
  unregisterEnv(ENV_ID);
});

const settings = (fault: Fault, restartFailedSubEnvironments: boolean) =>
  runnerSettings({
    env: ENV_ID,
    envConfig: { ...fault },
    numEnvs: 3,
    rolloutFragmentLength: 10,
    restartFailedSubEnvironments,
  });

const finite = (a: ArrayLike<number>): boolean => Array.from(a).every(Number.isFinite);

describe('EnvRunner and non-finite env output', () => {
  it('without sub-env restarts, a NaN observation is a runner error naming env, sub-env and field', async () => {
    const runner = new EnvRunner(settings({ subEnv: 1, atStep: 4, field: 'obs2', value: NaN }, false));
    const error = await runner.sample().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RLError);
    expect((error as RLError).code).toBe('env/non-finite');
    const message = (error as RLError).message;
    expect(message).toContain(`'${ENV_ID}'`);
    expect(message).toContain('sub-env 1');
    expect(message).toContain('observation[2] = NaN');
    expect(message).toContain('restartFailedSubEnvironments');
    runner.stop();
  });

  it('names an infinite reward, and a NaN first observation from reset', async () => {
    const reward = new EnvRunner(settings({ subEnv: 2, atStep: 3, field: 'reward', value: Infinity }, false));
    await expect(reward.sample()).rejects.toThrow(/sub-env 2\) returned reward = Infinity from step\(\)/);
    reward.stop();
    expect(() => new EnvRunner(settings({ subEnv: 0, atStep: 0, field: 'resetObs', value: -Infinity }, false))).toThrow(
      /sub-env 0\) returned observation\[1\] = -Infinity from reset\(\)/,
    );
  });

  it('with sub-env restarts, the sub-env is restarted like a crashing one and the batch stays finite', async () => {
    const runner = new EnvRunner(settings({ subEnv: 1, atStep: 4, field: 'obs2', value: NaN }, true));
    const { batch, metrics } = await runner.sample();
    // Sub-env 1 fails at t = 3 (its 4th step): those 4 rows are dropped, it restarts, and fails
    // again 4 steps later (t = 7): 8 rows lost, 2 restarts; the other sub-envs keep all 20 rows.
    expect(metrics.numSubEnvRestarts).toBe(2);
    expect(metrics.numEnvStepsLost).toBe(8);
    expect(metrics.numEpisodesLost).toBe(2);
    expect(batch.numSteps).toBe(30 - 8);
    expect(finite(batch.obs) && finite(batch.rewards) && finite(batch.finalObs)).toBe(true);
    const second = await runner.sample();
    expect(finite(second.batch.obs) && finite(second.batch.rewards)).toBe(true);
    runner.stop();
  });

  it('with sub-env restarts, an infinite reward is dropped the same way', async () => {
    const runner = new EnvRunner(settings({ subEnv: 0, atStep: 2, field: 'reward', value: -Infinity }, true));
    const { batch, metrics } = await runner.sample();
    expect(metrics.numSubEnvRestarts).toBeGreaterThan(0);
    expect(finite(batch.rewards)).toBe(true);
    expect(metrics.episodeReturns.every(Number.isFinite)).toBe(true);
    runner.stop();
  });
});
