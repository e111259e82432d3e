import { expect, test } from './fixtures';

const tinyPpo = (over: Record<string, unknown> = {}) => ({
  algo: 'PPO',
  environment: { env: 'CartPole-v1' },
  envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 8, rolloutFragmentLength: 32 },
  learners: { numGpusPerLearner: 0 },
  rlModule: { fcnetHiddens: [32, 32] },
  training: { trainBatchSizePerLearner: 512, minibatchSize: 128, numEpochs: 1 },
  debugging: { seed: 3 },
  ...over,
});

test('2 workers x 8 envs sample the requested env steps', async ({ appPage }) => {
  await appPage.evaluate((cfg) => window.rl.build(cfg).then(() => undefined), tinyPpo());
  const runners = await appPage.evaluate(() => window.rl.faults.runners());
  expect(runners.map((r) => r.workerIndex)).toEqual([1, 2]);
  expect(runners.every((r) => r.backend === 'wasm')).toBe(true);
  const result = await appPage.evaluate(() => window.rl.diagnostics.sampleOnce(512));
  // One round: each runner returns rolloutFragmentLength x numEnvsPerEnvRunner = 256 steps.
  expect(result.numSteps).toBe(512);
  expect(result.perWorker).toEqual({ 1: 256, 2: 256 });
  const more = await appPage.evaluate(() => window.rl.diagnostics.sampleOnce(1000));
  expect(more.numSteps).toBe(1024); // rounds of 512 until >= 1000
});

test('after syncWeights every runner acts like the page module on the same observations', async ({ appPage }) => {
  await appPage.evaluate((cfg) => window.rl.build(cfg).then(() => undefined), tinyPpo());
  // Train one iteration so the weights differ from the initial ones, then compare.
  await appPage.evaluate(() => window.rl.step().then(() => undefined));
  const obs = Array.from({ length: 64 * 4 }, (_, i) => Math.sin(i * 1.3) * 0.2);
  const { page, runners } = await appPage.evaluate((o) => window.rl.diagnostics.compareRunnerActions(o, 64), obs);
  expect(Object.keys(runners)).toEqual(['1', '2']);
  expect(runners['1']).toEqual(page);
  expect(runners['2']).toEqual(page);
});

test('a worker whose env throws rejects the pending call instead of hanging', async ({ appPage }) => {
  const cfg = tinyPpo({
    environment: { env: 'CartPoleCrashing-v1', envConfig: { pCrash: 1, crashOnWorkerIndices: [2] } },
    faultTolerance: { restartFailedEnvRunners: false, ignoreEnvRunnerFailures: false },
  });
  await appPage.evaluate((c) => window.rl.build(c).then(() => undefined), cfg);
  const t0 = Date.now();
  const error = await appPage.evaluate(() =>
    window.rl.diagnostics.sampleOnce(512).then(
      () => 'resolved',
      (e: Error) => e.message,
    ),
  );
  expect(Date.now() - t0).toBeLessThan(20_000);
  expect(error).toMatch(/EnvRunner 2 failed: .*crash/i);
});
