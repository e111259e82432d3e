/**
 * Fault tolerance in real Chromium workers: crashing and stalling envs (RLlib's
 * cartpole_crashing_and_stalling tuned example), killEnvRunner, and sub-env restarts.
 */
import { expect, test } from './fixtures';

test('PPO on CartPoleCrashing-v1 (3 runners, crashes on 1 and 2, stalls on 2) reaches 400 within 300k steps', async ({
  appPage,
}) => {
  test.setTimeout(420_000);
  const out = await appPage.evaluate(async () => {
    await window.rl.build({
      preset: 'CartPole-v1',
      environment: {
        env: 'CartPoleCrashing-v1',
        // RLlib's tuned example: p_crash 1e-4 per step, p_crash_reset 1e-3, p_stall 5e-4 with 2-5 s stalls.
        envConfig: {
          pCrash: 1e-4,
          pCrashReset: 1e-3,
          pStall: 5e-4,
          stallTimeRangeS: [2, 5],
          crashOnWorkerIndices: [1, 2],
          stallOnWorkerIndices: [2],
          seed: 7,
        },
      },
      envRunners: { numEnvRunners: 3, numEnvsPerEnvRunner: 8, rolloutFragmentLength: 'auto' },
      learners: { numGpusPerLearner: 0 },
      faultTolerance: { restartFailedEnvRunners: true, delayBetweenEnvRunnerRestartsS: 0.5 },
      debugging: { seed: 1 },
    });
    const summary = await window.rl.train({
      stop: { 'env_runners/episode_return_mean': 400, num_env_steps_sampled_lifetime: 300_000 },
    });
    return {
      summary,
      lifetimeSteps: window.rl.results.map((r) => Number(r['num_env_steps_sampled_lifetime'])),
      events: window.rl.faults.log().map((e) => `${e.workerIndex}:${e.action}`),
    };
  });
  const last = out.summary.lastResult!;
  expect(out.summary.error).toBeNull();
  expect(out.summary.criterion).toBe('env_runners/episode_return_mean');
  expect(last['env_runners/episode_return_mean']).toBeGreaterThanOrEqual(400);
  expect(last['num_env_steps_sampled_lifetime']).toBeLessThanOrEqual(300_000);
  expect(last['fault_tolerance/num_remote_worker_restarts']).toBeGreaterThan(0);
  // Lifetime counters live on the page: strictly increasing through every restart.
  for (let i = 1; i < out.lifetimeSteps.length; i++)
    expect(out.lifetimeSteps[i]).toBeGreaterThan(out.lifetimeSteps[i - 1]!);
  // Only runners 1 and 2 were told to crash.
  expect(out.events.every((e) => e.startsWith('1:') || e.startsWith('2:'))).toBe(true);
});

test('killEnvRunner(1): a new worker answers within the restart delay + 5 s and samples in the next iteration', async ({
  appPage,
}) => {
  const delayS = 1;
  await appPage.evaluate(async (delay) => {
    await window.rl.build({
      preset: 'CartPole-v1',
      rlModule: { fcnetHiddens: [32, 32] },
      envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 4, rolloutFragmentLength: 32 },
      training: { trainBatchSizePerLearner: 256, minibatchSize: 128, numEpochs: 1 },
      learners: { numGpusPerLearner: 0 },
      faultTolerance: { delayBetweenEnvRunnerRestartsS: delay },
      debugging: { seed: 4 },
    });
    await window.rl.step();
  }, delayS);
  const elapsedMs = await appPage.evaluate(async () => {
    const t0 = performance.now();
    await window.rl.faults.killEnvRunner(1);
    for (;;) {
      const r = window.rl.faults.runners().find((x) => x.workerIndex === 1)!;
      if (r.restarts === 1 && r.state === 'idle') break;
      if (performance.now() - t0 > 30_000) throw new Error(`runner 1 stuck in ${r.state}`);
      await new Promise((res) => setTimeout(res, 50));
    }
    return performance.now() - t0;
  });
  expect(elapsedMs).toBeLessThan((delayS + 5) * 1000);
  const result = await appPage.evaluate(() => window.rl.step());
  expect(result['env_runners/worker_1/num_env_steps_sampled']).toBe(128);
  expect(result['env_runners/worker_2/num_env_steps_sampled']).toBe(128);
  expect(result['fault_tolerance/num_remote_worker_restarts']).toBe(1);
  expect(result['fault_tolerance/num_healthy_workers']).toBe(2);
  const log = await appPage.evaluate(() => window.rl.faults.log());
  expect(log.map((e) => e.action)).toEqual(['restart-scheduled', 'restarted']);
  expect(log[0]!.cause).toMatch(/killEnvRunner/);
});

test('a crashed sub-env is rebuilt alone and the other sub-envs keep every step (counted exactly)', async ({
  appPage,
}) => {
  const s = await appPage.evaluate(async () => {
    await window.rl.build({
      preset: 'CartPole-v1',
      environment: { env: 'CartPoleCrashing-v1', envConfig: { pCrash: 0.01, seed: 5 } },
      envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 8, rolloutFragmentLength: 50 },
      training: { trainBatchSizePerLearner: 400, minibatchSize: 100 },
      learners: { numGpusPerLearner: 0 },
      faultTolerance: { restartFailedSubEnvironments: true },
      debugging: { seed: 2 },
    });
    return window.rl.diagnostics.sampleOnce(400);
  });
  expect(s.numSubEnvRestarts).toBeGreaterThan(0);
  expect(s.numEnvStepsLost).toBeGreaterThan(0);
  expect(s.numEpisodesLost).toBe(s.numSubEnvRestarts);
  // Each sample call steps 8 sub-envs x 50 steps: every step is either returned or counted lost.
  expect(s.numSteps + s.numEnvStepsLost).toBe(400 * s.numBatches);
  // No runner was restarted for it: the worker survived.
  const runners = await appPage.evaluate(() => window.rl.faults.runners());
  expect(runners[0]!.restarts).toBe(0);
});
