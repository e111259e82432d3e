/**
 * The scaling guide's recipe for synchronous algorithms (issue 29 items 1, 2, 5): the driver
 * (learner) at numGpusPerLearner 0.0001 and each of N runners at (1 - 0.0001) / N, so the learner
 * and every runner share the tab's one WebGPU device (SwiftShader here). The page's ledger shows
 * the shares add up to exactly 1 GPU; PPO reaches CartPole 200 with the learner and both runners
 * on WebGPU, reporting each device's busy time under perf/ and drawing it beside the timers; A2C
 * trains on the same split; the CLI prints the ledger with its GPU column and writes perf/ keys to
 * result.jsonl.
 */
import { readResults, runCli, tmpOutFactory } from './cli-process';
import { expect, test } from './fixtures';

const RUNNER_SHARE = (1 - 0.0001) / 2;
const RECIPE = {
  learners: { numGpusPerLearner: 0.0001 },
  envRunners: {
    numEnvRunners: 2,
    numEnvsPerEnvRunner: 16,
    rolloutFragmentLength: 32,
    numGpusPerEnvRunner: RUNNER_SHARE,
  },
};

const { tmpOut, removeTmpOuts } = tmpOutFactory('gpu-recipe-e2e-');
test.afterAll(removeTmpOuts);

test("PPO with the guide's 0.0001 recipe: the ledger sums to 1 GPU, learner and 2 runners on one WebGPU device, CartPole 200", async ({
  page,
}) => {
  test.setTimeout(900_000);
  // The form, from a link in RLlib's names: the Device section's ledger sums the shares.
  await page.goto(
    `/#algo=PPO&env=CartPole-v1&num_env_runners=2&num_gpus_per_learner=0.0001&num_gpus_per_env_runner=${RUNNER_SHARE}`,
  );
  await page.waitForFunction(() => typeof window.rl === 'object');
  await expect(page.getByTestId('ledger-gpus')).toHaveText('1 / 1 GPU');
  await page.getByTestId('resource-ledger').locator('summary').click();
  await expect(page.getByTestId('ledger-row')).toHaveText([
    /page \(driver, learner\)\s*1\s*1\s*0\.0001/,
    /env runners\s*2\s*2\s*0\.9999/,
  ]);

  const out = await page.evaluate(async (recipe) => {
    const { device } = await window.rl.build({
      preset: 'CartPole-v1',
      ...recipe,
      rlModule: { fcnetHiddens: [32, 32] },
      // Few Adam steps per env step: one on SwiftShader takes ~1 s on 2 cores. With wasm these
      // settings reach 200 in 33-37 iterations (seeds 1-4).
      training: { trainBatchSizePerLearner: 1024, minibatchSize: 1024, numEpochs: 2, lr: 0.01 },
      debugging: { seed: 1 },
    });
    const summary = await window.rl.train({
      stop: { 'env_runners/episode_return_mean': 200, num_env_steps_sampled_lifetime: 200_000 },
    });
    return { learner: device.backend, runners: window.rl.faults.runners(), summary };
  }, RECIPE);
  expect(out.summary.error).toBeNull();
  expect(out.summary.criterion).toBe('env_runners/episode_return_mean');
  expect(out.learner).toBe('webgpu');
  expect(out.runners.map((r) => r.backend)).toEqual(['webgpu', 'webgpu']);
  const last = out.summary.lastResult!;
  expect(last['device/backend']).toBe('webgpu');
  for (const key of ['perf/learner_gpu_busy_ms', 'perf/env_runner_1_gpu_busy_ms', 'perf/env_runner_2_gpu_busy_ms']) {
    expect(last[key], key).toBeGreaterThan(0);
  }
  for (const key of [
    'perf/learner_gpu_util_percent',
    'perf/env_runner_1_gpu_util_percent',
    'perf/env_runner_2_gpu_util_percent',
  ]) {
    expect(last[key], key).toBeGreaterThan(0);
    expect(last[key], key).toBeLessThanOrEqual(100);
  }
  // Beside the timers: one bar per device, from the last result.
  await expect(page.getByTestId('gpu-util-row')).toHaveCount(3);
  await expect(page.getByTestId('gpu-util-row').first()).toHaveAttribute('data-device', 'learner');
  console.log(
    `recipe PPO: ${last['training_iteration']} iterations, ${last['num_env_steps_sampled_lifetime']} env steps, ` +
      `GPU busy learner ${Number(last['perf/learner_gpu_util_percent']).toFixed(0)}%, runners ` +
      `${Number(last['perf/env_runner_1_gpu_util_percent']).toFixed(0)}% / ${Number(last['perf/env_runner_2_gpu_util_percent']).toFixed(0)}% (${String(last['perf/gpu_timing'])})`,
  );
});

test('A2C with the same recipe trains with the learner and both runners on the one WebGPU device', async ({
  appPage,
}) => {
  test.setTimeout(300_000);
  const out = await appPage.evaluate(async (recipe) => {
    const { device } = await window.rl.build({
      algo: 'A2C',
      ...recipe,
      envRunners: { ...recipe.envRunners, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 32 },
      rlModule: { fcnetHiddens: [16, 16] },
      training: { trainBatchSizePerLearner: 128, minSampleTimestepsPerIteration: 256 },
      debugging: { seed: 1 },
    });
    const results = [await window.rl.step(), await window.rl.step(), await window.rl.step()];
    return { learner: device.backend, runners: window.rl.faults.runners(), results };
  }, RECIPE);
  expect(out.learner).toBe('webgpu');
  expect(out.runners.map((r) => r.backend)).toEqual(['webgpu', 'webgpu']);
  for (const r of out.results) {
    expect(r['num_env_steps_trained']).toBeGreaterThanOrEqual(256);
    expect(Number.isFinite(r['learners/default_policy/policy_loss'])).toBe(true);
    expect(r['perf/learner_gpu_busy_ms']).toBeGreaterThan(0);
  }
});

test('npm run train with the recipe prints the ledger (GPU shares sum to 1 / 1) and writes perf/ keys to result.jsonl', async () => {
  test.setTimeout(300_000);
  const out = tmpOut();
  // prettier-ignore
  const run = await runCli([
    '--env', 'CartPole-v1', '--fcnet_hiddens', '16', '--num_env_runners', '2', '--num_envs_per_env_runner', '2',
    '--rollout_fragment_length', '16', '--train_batch_size', '64', '--minibatch_size', '64', '--num_epochs', '1',
    '--num_gpus', '0.0001', '--num_gpus_per_env_runner', String(RUNNER_SHARE), '--stop-iters', '2', '--seed', '1',
    '--out', out,
  ]);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/resources\s+count\s+CPUs each\s+CPUs\s+GPUs each\s+GPUs\s+threads/);
  expect(run.stdout).toMatch(/page \(driver, learner\)\s+1\s+1\s+1\s+0\.0001\s+0\.0001\s+1/);
  expect(run.stdout).toMatch(/env runners\s+2\s+1\s+2\s+0\.49995\s+0\.9999\s+2/);
  expect(run.stdout).toMatch(/total \(navigator\.hardwareConcurrency: \d+\)\s+3 \/ \d+\s+1 \/ 1\s+3/);
  const results = readResults(out);
  expect(results).toHaveLength(2);
  for (const r of results) {
    expect(r['device/backend']).toBe('webgpu');
    for (const key of ['perf/learner_gpu_busy_ms', 'perf/env_runner_1_gpu_busy_ms', 'perf/env_runner_2_gpu_busy_ms'])
      expect(r[key], key).toBeGreaterThan(0);
    expect(r['perf/gpu_timing']).toBe('timestamp-query');
  }
});
