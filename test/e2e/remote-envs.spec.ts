/**
 * Issue 16: remote sub-envs (remoteWorkerEnvs) in real nested Chromium workers, and the CPU
 * accounting's table and oversubscription warning in the CLI and on the page.
 */
import { expect, test } from './fixtures';
import { runCli, tmpOutFactory } from './cli-process';

test('PPO with remote sub-envs trains on CartPoleCrashing-v1 and survives crashed sub-env workers', async ({
  appPage,
}) => {
  test.setTimeout(300_000);
  const out = await appPage.evaluate(async () => {
    await window.rl.build({
      preset: 'CartPole-v1',
      environment: { env: 'CartPoleCrashing-v1', envConfig: { pCrash: 0.002, seed: 11 } },
      rlModule: { fcnetHiddens: [32, 32] },
      envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 4, rolloutFragmentLength: 128, remoteWorkerEnvs: true },
      training: { trainBatchSizePerLearner: 512, minibatchSize: 128, numEpochs: 6, lr: 0.001 },
      learners: { numGpusPerLearner: 0 },
      faultTolerance: { restartFailedSubEnvironments: true },
      debugging: { seed: 3 },
    });
    // Every step of a sample call is returned or counted lost (a crashed worker's partial episode).
    const probe = await window.rl.diagnostics.sampleOnce(512);
    const summary = await window.rl.train({
      stop: { 'env_runners/episode_return_mean': 150, num_env_steps_sampled_lifetime: 120_000 },
    });
    return { probe, summary, runners: window.rl.faults.runners() };
  });
  expect(out.probe.numSteps + out.probe.numEnvStepsLost).toBe(512 * out.probe.numBatches);
  const last = out.summary.lastResult!;
  expect(out.summary.error).toBeNull();
  expect(out.summary.criterion).toBe('env_runners/episode_return_mean');
  expect(last['fault_tolerance/num_sub_env_restarts_lifetime']).toBeGreaterThan(0);
  expect(last['fault_tolerance/num_episodes_lost_lifetime']).toBe(
    last['fault_tolerance/num_sub_env_restarts_lifetime'],
  );
  // The runner's own worker never failed: only its sub-env workers were replaced.
  expect(out.runners[0]!.restarts).toBe(0);
});

test('a remote sub-env worker crash with restartFailedSubEnvironments off fails the runner, naming the fix', async ({
  appPage,
}) => {
  const message = await appPage.evaluate(async () => {
    await window.rl.build({
      preset: 'CartPole-v1',
      environment: { env: 'CartPoleCrashing-v1', envConfig: { pCrash: 0.05, seed: 1 } },
      rlModule: { fcnetHiddens: [16] },
      envRunners: { numEnvRunners: 0, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 64, remoteWorkerEnvs: true },
      training: { trainBatchSizePerLearner: 128, minibatchSize: 64 },
      learners: { numGpusPerLearner: 0 },
      faultTolerance: { restartFailedEnvRunners: false },
      debugging: { seed: 1 },
    });
    return window.rl.diagnostics.sampleOnce(128).then(
      () => 'no error',
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
  });
  expect(message).toMatch(/Remote sub-env \d crashed: .*restartFailedSubEnvironments = true/);
});

test('the page shows the oversubscription warning with the CPU sum', async ({ page }) => {
  await page.goto('/#env=CartPole-v1&num_env_runners=2&num_cpus_per_env_runner=64');
  await expect(page.getByRole('alert')).toContainText(
    /The run asks for 129 CPUs \(numCpusForMainProcess \(1\) \+ numEnvRunners \(2\) x numCpusPerEnvRunner \(64\)\) but navigator\.hardwareConcurrency is \d+/,
  );
});

test.describe('CLI resource table', () => {
  const { tmpOut, removeTmpOuts } = tmpOutFactory('remote-envs-');
  test.afterAll(removeTmpOuts);
  // prettier-ignore
  const TINY = [
    '--env', 'SlowCartPole-v1', '--env-config', '{"stepCostMs":0.2}', '--preset', 'none',
    '--num-env-runners', '1', '--num-envs-per-env-runner', '3', '--remote-worker-envs', 'true',
    '--rollout-fragment-length', '32', '--train-batch-size-per-learner', '96', '--minibatch-size', '48',
    '--num-epochs', '1', '--fcnet-hiddens', '16', '--seed', '1', '--stop-iters', '1',
  ];

  test('prints CPUs asked vs --max-cpus at start, and warns when oversubscribed', async () => {
    test.setTimeout(240_000);
    const over = await runCli([...TINY, '--max-cpus', '1', '--out', tmpOut()]);
    expect(over.code, over.stderr).toBe(0);
    expect(over.stdout).toMatch(/resources\s+count\s+CPUs each\s+CPUs\s+threads/);
    expect(over.stdout).toMatch(/env runners\s+1\s+1\s+1\s+1/);
    expect(over.stdout).toMatch(/remote sub-env workers\s+3\s+0\s+0\s+3/);
    expect(over.stdout).toMatch(/total \(--max-cpus: 1\)\s+2 \/ 1\s+5/);
    expect(over.stderr).toContain(
      'warning: The run asks for 2 CPUs (numCpusForMainProcess (1) + numEnvRunners (1) x numCpusPerEnvRunner (1)) but --max-cpus is 1',
    );
    // The page's own warning (against navigator.hardwareConcurrency) is not printed twice.
    expect(over.stderr.match(/The run asks for/g)).toHaveLength(1);

    const fits = await runCli([...TINY, '--max-cpus', '8', '--out', tmpOut()]);
    expect(fits.code, fits.stderr).toBe(0);
    expect(fits.stdout).toMatch(/total \(--max-cpus: 8\)\s+2 \/ 8/);
    expect(fits.stderr).not.toContain('The run asks for');
  });
});
