/**
 * Learner-worker fault tolerance in real Chromium workers (numLearners 2, the shared-memory
 * all-reduce of a cross-origin isolated page): a learner worker that throws an uncaught error, or
 * blocks its thread, after two iterations is found (error event; health probe during the next
 * update), terminated and restarted from the page's copy of learner 0's state. Training goes on to the stop criterion with the learners' weights compared after every
 * update (validateLearnerWeightsInSync), and the failure and restart are counted in
 * fault_tolerance/* (lifetime counters that never go back).
 */
import type { Page, Worker } from '@playwright/test';
import { expect, test } from './fixtures';

test.use({ allowConsoleErrors: /killed by the test|Learner 1/ });
test.describe.configure({ mode: 'serial', timeout: 240_000 });

/**
 * Builds PPO with two learner workers and starts train() for `iterations` without waiting for it;
 * the run pauses after iteration 2 (the test then harms a learner and resumes it).
 */
async function startRun(page: Page, iterations: number, probeTimeoutS: number): Promise<void> {
  await page.evaluate(
    async ({ iterations, probe }) => {
      await window.rl.build({
        preset: 'CartPole-v1',
        envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 4, rolloutFragmentLength: 32 },
        learners: { numLearners: 2, numGpusPerLearner: 0 },
        rlModule: { fcnetHiddens: [16, 16] },
        training: { trainBatchSizePerLearner: 64, minibatchSize: 32, numEpochs: 2 },
        faultTolerance: { delayBetweenEnvRunnerRestartsS: 0.2, envRunnerHealthProbeTimeoutS: probe },
        debugging: { seed: 1, validateLearnerWeightsInSync: true },
      });
      window.rl.on('result', (r) => {
        if (r['training_iteration'] === 2) window.rl.pause();
      });
      const w = window as unknown as { run: Promise<unknown> };
      w.run = window.rl.train({ stop: { training_iteration: iterations } });
    },
    { iterations, probe: probeTimeoutS },
  );
}

async function learnerWorkers(page: Page): Promise<Worker[]> {
  await expect.poll(() => page.workers().filter((w) => w.url().includes('learner.worker')).length).toBe(2);
  return page.workers().filter((w) => w.url().includes('learner.worker'));
}

/** Waits for the run started by startRun; its summary, and the counters of every result. */
async function finishRun(page: Page) {
  return page.evaluate(async () => {
    const summary = (await (window as unknown as { run: Promise<unknown> }).run) as {
      error: string | null;
      lastResult: Record<string, number> | null;
    };
    const series = (key: string) => window.rl.results.map((r) => Number(r[key]));
    return {
      error: summary.error,
      iterations: series('training_iteration'),
      failures: series('fault_tolerance/num_learner_failures_lifetime'),
      restarts: series('fault_tolerance/num_learner_restarts_lifetime'),
      trained: series('num_env_steps_trained'),
    };
  });
}

function expectRecovered(out: Awaited<ReturnType<typeof finishRun>>, iterations: number): void {
  expect(out.error).toBeNull();
  expect(out.iterations).toEqual(Array.from({ length: iterations }, (_, i) => i + 1));
  // Every iteration trained its whole batch (2 learners x 64 rows), the one with the failure too.
  expect(out.trained.every((n) => n === 128)).toBe(true);
  expect(out.failures.at(-1)).toBe(1);
  expect(out.restarts.at(-1)).toBe(1);
  for (let i = 1; i < out.failures.length; i++) {
    expect(out.failures[i]).toBeGreaterThanOrEqual(out.failures[i - 1]!);
    expect(out.restarts[i]).toBeGreaterThanOrEqual(out.restarts[i - 1]!);
  }
}

/** Waits until the run holds after iteration 2. */
async function paused(page: Page): Promise<void> {
  await expect.poll(() => page.evaluate(() => window.rl.results.length)).toBe(2);
}

test('a learner worker that crashes between iterations is restarted from the page; training goes on in sync', async ({
  appPage,
}) => {
  await startRun(appPage, 6, 30);
  const [, second] = await learnerWorkers(appPage);
  await paused(appPage);
  // An uncaught error in the worker, as a bug in the learner would throw: the page sees its error event.
  await second!.evaluate(() => {
    setTimeout(() => {
      throw new Error('Learner 1 killed by the test');
    }, 0);
  });
  await appPage.evaluate(() => window.rl.pause(false));
  expectRecovered(await finishRun(appPage), 6);
  await learnerWorkers(appPage);
});

test('a learner worker whose thread blocks is found by the health probe during the next update and restarted', async ({
  appPage,
}) => {
  await startRun(appPage, 6, 2);
  const [, second] = await learnerWorkers(appPage);
  await paused(appPage);
  // Blocks the worker's thread for a minute (a hung learner); the evaluate ends when the page terminates it.
  void second!
    .evaluate(() => {
      const until = Date.now() + 60_000;
      while (Date.now() < until);
    })
    .catch(() => undefined);
  const t0 = Date.now();
  await appPage.evaluate(() => window.rl.pause(false));
  expectRecovered(await finishRun(appPage), 6);
  // Found by the 2 s probe, not by the 60 s block ending (or the all-reduce's 120 s timeout).
  expect(Date.now() - t0).toBeLessThan(50_000);
});
