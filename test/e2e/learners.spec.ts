/**
 * numLearners >= 1 with real learner workers: a CLI run (subprocess, as a user runs it) with two
 * data-parallel learners and the weight checksums compared after every update
 * (debugging.validateLearnerWeightsInSync: a difference stops the run with learner/out-of-sync),
 * a restore of its checkpoint into a fresh pair of learners, and the message all-reduce (the path
 * a page without cross-origin isolation takes) driven from the page.
 */
import path from 'node:path';
import { expect } from '@playwright/test';
import { readJson, readResults, runCli, tmpOutFactory } from './cli-process';
import { test } from './fixtures';

// prettier-ignore
const TINY_TWO_LEARNERS = [
  '--env', 'CartPole-v1',
  '--num-env-runners', '1',
  '--num-envs-per-env-runner', '4',
  '--rollout-fragment-length', '32',
  '--train-batch-size-per-learner', '64',
  '--minibatch-size', '32',
  '--num-epochs', '2',
  '--fcnet-hiddens', '16,16',
  '--seed', '1',
  '--num-learners', '2',
  '--validate-learner-weights-in-sync', 'true',
];

const { tmpOut, removeTmpOuts } = tmpOutFactory('learners-e2e-');
test.afterAll(removeTmpOuts);

test.describe('data-parallel learners (numLearners 2)', () => {
  test.describe.configure({ mode: 'serial', timeout: 240_000 });
  let firstRun = '';

  test('a CLI run trains on two learner workers whose weights stay identical, and checkpoints learner 0', async () => {
    const out = tmpOut();
    const run = await runCli([...TINY_TWO_LEARNERS, '--stop-iters', '3', '--checkpoint-every', '3', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /numLearners=2: one (wasm|cpu) learner per worker, gradients averaged over a SharedArrayBuffer/,
    );
    const results = readResults(out);
    expect(results.map((r) => r['training_iteration'])).toEqual([1, 2, 3]);
    for (const r of results) {
      // 2 learners x 64 rows per learner; rounds of 4 envs x 32 steps.
      expect(r['num_env_steps_trained']).toBe(128);
      // 2 epochs x 2 group minibatches of 2 x 32 rows.
      expect(r['learners/default_policy/num_module_steps_trained']).toBe(256);
      expect(Number.isFinite(r['learners/default_policy/gradient_global_norm'])).toBe(true);
    }
    const ckpt = readJson<{ weights: { arrays: unknown[] }; optimizerState: { step: number } }>(
      path.join(out, 'checkpoint', 'final.json'),
    );
    expect(ckpt.optimizerState.step).toBe(3 * 4);
    firstRun = out;
  });

  test('--restore hands the checkpoint to every learner: the next updates still agree', async () => {
    expect(firstRun, 'needs the previous test').not.toBe('');
    const out = tmpOut();
    const run = await runCli(['--restore', firstRun, '--stop-iters', '5', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(readResults(out).map((r) => r['training_iteration'])).toEqual([4, 5]);
  });

  test('the message all-reduce (no SharedArrayBuffer) runs real workers from the page', async ({ appPage }) => {
    const r = await appPage.evaluate(() => window.rl.diagnostics.learnerGroupThroughput(2, [16, 16], 64, 'port', 0.2));
    expect(r.numLearners).toBe(2);
    expect(r.updates).toBeGreaterThanOrEqual(1);
    expect(r.samplesPerSecond).toBeGreaterThan(0);
  });
});
