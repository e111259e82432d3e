/**
 * Box actions on PPO's diagonal-Gaussian path: what is sampled, what is stored and what the env
 * sees. RLlib's and CleanRL's semantics: the EnvRunner stores the unclipped sample and its
 * log-prob (the loss's ratio is pi(a)/pi_old(a) of that same sample); only the env applies the
 * bounds (Gymnasium's Pendulum clips the torque to [-2, 2] inside step(), as our env does).
 * Clipping before storing would bias the ratio: every sample past a bound would be scored as if
 * the policy had drawn the bound itself.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EnvRunner } from '../../src/env-runner/env-runner';
import { angleNormalize } from '../../src/envs/pendulum';
import type { MLPModule } from '../../src/rl-module';
import { DiagGaussian } from '../../src/rl-module';
import { runnerSettings } from './helpers/settings';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const LOG_STD = Math.log(3); // std 3 around a mean near 0: about half the torques fall outside [-2, 2]

let runner: EnvRunner;
afterAll(() => runner.stop());

it('stores the unclipped Gaussian sample and its log-prob; the env sees the torque clipped to [-2, 2]', async () => {
  runner = new EnvRunner(runnerSettings({ env: 'Pendulum-v1', numEnvs: 4, rolloutFragmentLength: 250, seed: 5 }));
  const module = runner.module as MLPModule;
  const weights = await module.getWeights();
  weights.arrays[weights.names.indexOf('pi/log_std')]!.fill(LOG_STD);
  runner.setWeights(weights, 1);
  const { batch } = await runner.sample();
  const n = batch.numSteps;
  const actions = batch.actions as Float32Array;
  expect(actions).toBeInstanceOf(Float32Array);

  // 1. The sample is a N(mean, 3^2) draw, not clipped: ~50% of |a| > 2, and its spread is ~3.
  const outside = actions.filter((a) => Math.abs(a) > 2).length / n;
  expect(outside).toBeGreaterThan(0.4);
  expect(outside).toBeLessThan(0.6);
  const mean = actions.reduce((s, a) => s + a, 0) / n;
  const std = Math.sqrt(actions.reduce((s, a) => s + (a - mean) ** 2, 0) / n);
  expect(std).toBeGreaterThan(2.8);
  expect(std).toBeLessThan(3.2);

  // 2. The stored log-prob is the closed-form Gaussian log-density of the stored (unclipped) action.
  const dist = module.distribution as DiagGaussian;
  const inputs = tf.tidy(() => module.forwardTrain(tf.tensor2d(batch.obs, [n, batch.obsDim])).actionDistInputs);
  const means = (await tf.slice(inputs, [0, 0], [n, 1]).data()) as Float32Array;
  const tensorLogp = (await dist.logp(inputs, tf.tensor2d(actions, [n, 1])).data()) as Float32Array;
  tf.dispose(inputs);
  const storedLogp = batch.actionLogp!;
  for (let i = 0; i < n; i++) {
    const z = (actions[i]! - means[i]!) / 3;
    const closedForm = -0.5 * z * z - LOG_STD - 0.5 * Math.log(2 * Math.PI);
    expect(storedLogp[i]).toBeCloseTo(closedForm, 4);
    expect(tensorLogp[i]).toBeCloseTo(closedForm, 4);
  }

  // 3. The reward is Gymnasium's cost of the clipped torque: -(theta^2 + 0.1 thetaDot^2 + 0.001 clip(u)^2).
  let checkedOutside = 0;
  for (let i = 0; i < n; i++) {
    const [cos, sin, thetaDot] = [batch.obs[i * 3]!, batch.obs[i * 3 + 1]!, batch.obs[i * 3 + 2]!];
    const theta = angleNormalize(Math.atan2(sin, cos));
    const u = Math.min(Math.max(actions[i]!, -2), 2);
    const expected = -(theta ** 2 + 0.1 * thetaDot ** 2 + 0.001 * u ** 2);
    expect(batch.rewards[i]).toBeCloseTo(expected, 4);
    if (Math.abs(actions[i]!) > 2.5) {
      // Scoring the unclipped torque would differ by 0.001 (a^2 - 4) > 2.25e-3, well above the tolerance.
      expect(Math.abs(batch.rewards[i]! + theta ** 2 + 0.1 * thetaDot ** 2 + 0.001 * actions[i]! ** 2)).toBeGreaterThan(
        2e-3,
      );
      checkedOutside++;
    }
  }
  expect(checkedOutside).toBeGreaterThan(n / 4);
});
