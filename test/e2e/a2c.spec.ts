/**
 * A2C end to end, as a user runs it: `npm run train -- --algo a2c` in a subprocess, with an
 * RLlib user's snake_case keys, in worker runners. It trains a few iterations of one gradient step
 * per batch, writes A2C's learner results and a checkpoint, and `--restore` continues it.
 */
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { readJson, readResults, runCli, tmpOutFactory } from './cli-process';

// prettier-ignore
const TINY = [
  '--algo', 'a2c',
  '--env', 'CartPole-v1',
  '--num_env_runners', '1',
  '--num_envs_per_env_runner', '4',
  '--train_batch_size', '64',
  '--min_sample_timesteps_per_iteration', '256',
  '--microbatch_size', '16',
  '--use_gae', 'false',
  '--fcnet_hiddens', '16,16',
  '--seed', '1',
];

const { tmpOut, removeTmpOuts } = tmpOutFactory('a2c-e2e-');
test.afterAll(removeTmpOuts);

test('npm run train --algo a2c: a few iterations, A2C results, a checkpoint that resumes', async () => {
  test.setTimeout(240_000);
  const out = tmpOut();
  const run = await runCli([...TINY, '--stop-iters', '3', '--out', out]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toContain('A2C on CartPole-v1');
  expect(run.stdout).toContain('returns - V, 1 step per 64-step batch, >= 256 env steps per iteration');

  const results = readResults(out);
  expect(results.map((r) => r['training_iteration'])).toEqual([1, 2, 3]);
  for (const r of results) {
    // 256 env steps per iteration: four 64-step batches, one gradient step each.
    expect(r['num_env_steps_sampled']).toBe(256);
    expect(r['num_env_steps_trained']).toBe(256);
    expect(r['learners/default_policy/num_module_steps_trained']).toBe(256);
    for (const key of ['policy_loss', 'vf_loss', 'entropy', 'vf_explained_var', 'gradient_global_norm']) {
      expect(Number.isFinite(r[`learners/default_policy/${key}`]), key).toBe(true);
    }
    expect(r['learners/default_policy/approx_kl']).toBeUndefined(); // PPO's, not A2C's
  }
  const config = readJson<{ algo: string; training: Record<string, unknown> }>(path.join(out, 'config.json'));
  expect(config.algo).toBe('A2C');
  expect(config.training).toMatchObject({ useGae: false, microbatchSize: 16, trainBatchSizePerLearner: 64 });

  const resumed = await runCli([...TINY, '--restore', out, '--stop-iters', '5', '--out', `${out}-resumed`]);
  expect(resumed.code, resumed.stderr).toBe(0);
  const more = readResults(`${out}-resumed`);
  expect(more.map((r) => r['training_iteration'])).toEqual([4, 5]);
  expect(more[0]!['num_env_steps_sampled_lifetime']).toBe(256 * 4);
});
