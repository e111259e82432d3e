/**
 * Issue 30: a multi-agent run whose modules are split across workers survives losing one learner
 * worker and one runner worker mid-run, in real Chromium workers. Six agents of
 * MultiAgentCartPole, each its own module, stacked; runner workers 1 and 2 each step three of
 * the agents (splitAgentsAcrossEnvRunners), learner workers 0 and 1 each train three modules
 * (numLearners 2). After iteration 2 the run pauses; learner worker 1 (modules m3-m5) throws an
 * uncaught error and EnvRunner 2 (agents 3-5) is killed; the run goes on (iteration 3 with runner
 * 1 alone, iteration 4 once runner 2 is back, to the end at 6). Both come back: the
 * restarted learner worker continues its modules from their weights and Adam state after
 * iteration 2 (not from scratch), the restarted runner samples its agents again, and no lifetime
 * counter ever goes back.
 */
import type { Page, Worker } from '@playwright/test';
import { expect, test } from './fixtures';

test.use({ allowConsoleErrors: /killed by the test|Learner 1|EnvRunner 2/ });
test.describe.configure({ timeout: 300_000 });

const MODULES = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5'];
const EPOCHS = 2;
const COUNTERS = [
  'num_env_steps_sampled_lifetime',
  'num_env_steps_trained_lifetime',
  'num_agent_steps_sampled_lifetime',
  'env_runners/num_episodes_lifetime',
  'fault_tolerance/num_env_runner_failures_lifetime',
  'fault_tolerance/num_remote_worker_restarts',
  'fault_tolerance/num_learner_failures_lifetime',
  'fault_tolerance/num_learner_restarts_lifetime',
];

async function learnerWorkers(page: Page): Promise<Worker[]> {
  await expect.poll(() => page.workers().filter((w) => w.url().includes('learner.worker')).length).toBe(2);
  return page.workers().filter((w) => w.url().includes('learner.worker'));
}

/** Per module: Adam step count and the flat weights, kept in the page under `name`. */
async function snapshot(page: Page, name: string): Promise<Record<string, number>> {
  return page.evaluate(async (key) => {
    const ckpt = await window.rl.save();
    const steps: Record<string, number> = {};
    for (const [id, s] of Object.entries(ckpt.modules ?? {})) steps[id] = s.optimizerState.step;
    const weights: Record<string, number[]> = {};
    ckpt.weights.names.forEach((n, i) => {
      const id = n.slice(0, n.indexOf('/'));
      (weights[id] ??= []).push(...Array.from(ckpt.weights.arrays[i]!));
    });
    (window as unknown as Record<string, unknown>)[key] = weights;
    return steps;
  }, name);
}

/** ||a[id] - b[id]|| per module, for weights kept by `snapshot`. */
function distances(page: Page, a: string, b: string): Promise<Record<string, number>> {
  return page.evaluate(
    ([x, y]) => {
      const w = window as unknown as Record<string, Record<string, number[]>>;
      const out: Record<string, number> = {};
      for (const [id, values] of Object.entries(w[x!]!)) {
        out[id] = Math.sqrt(values.reduce((s, v, i) => s + (v - w[y!]![id]![i]!) ** 2, 0));
      }
      return out;
    },
    [a, b],
  );
}

test('one learner worker and one runner worker lost mid-run: both restart, their modules come back, counters never go back', async ({
  appPage,
}) => {
  await appPage.evaluate(
    async ({ modules, epochs }) => {
      await window.rl.build({
        environment: { env: 'MultiAgentCartPole', envConfig: { numAgents: modules.length } },
        envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 32 },
        learners: { numLearners: 2, numGpusPerLearner: 0 },
        rlModule: { fcnetHiddens: [16, 16] },
        // One minibatch per module and epoch: a module has at most 128 rows (64 per sample call of
        // its runner, two calls when the other runner is down), so every module takes exactly
        // `epochs` Adam steps per iteration, whatever its agents' episode lengths.
        training: { trainBatchSizePerLearner: 128, minibatchSize: 128, numEpochs: epochs, lr: 3e-3, useKlLoss: false },
        multiAgent: {
          policies: modules,
          policyMappingFn: Object.fromEntries(modules.map((id, i) => [String(i), id])),
          stackModules: true,
          splitAgentsAcrossEnvRunners: true,
        },
        faultTolerance: {
          restartFailedEnvRunners: true,
          delayBetweenEnvRunnerRestartsS: 0.2,
          envRunnerHealthProbeTimeoutS: 30,
        },
        debugging: { seed: 1 },
      });
    },
    { modules: MODULES, epochs: EPOCHS },
  );
  await snapshot(appPage, 'init');
  await appPage.evaluate(() => {
    window.rl.on('result', (r) => {
      if (r['training_iteration'] === 2 || r['training_iteration'] === 3 || r['training_iteration'] === 4) {
        window.rl.pause();
      }
    });
    (window as unknown as { run: Promise<unknown> }).run = window.rl.train({ stop: { training_iteration: 6 } });
  });
  const [, second] = await learnerWorkers(appPage);
  await expect.poll(() => appPage.evaluate(() => window.rl.results.length)).toBe(2);
  const before = await snapshot(appPage, 'after2');

  // Learner worker 1 throws as a bug in it would; EnvRunner 2's worker is killed (rl.faults).
  await second!.evaluate(() => {
    setTimeout(() => {
      throw new Error('Learner 1 killed by the test');
    }, 0);
  });
  await appPage.evaluate(() => window.rl.faults.killEnvRunner(2));
  await appPage.evaluate(() => window.rl.pause(false));
  await expect.poll(() => appPage.evaluate(() => window.rl.results.length), { timeout: 120_000 }).toBe(3);
  // The restarted runner builds its env and modules before it samples again; iteration 4 has it back.
  await expect
    .poll(() => appPage.evaluate(() => window.rl.faults.runners().find((r) => r.workerIndex === 2)!.state), {
      timeout: 120_000,
    })
    .toBe('idle');
  await appPage.evaluate(() => window.rl.pause(false));
  await expect.poll(() => appPage.evaluate(() => window.rl.results.length), { timeout: 120_000 }).toBe(4);
  const after = await snapshot(appPage, 'after4');
  await appPage.evaluate(() => window.rl.pause(false));

  const out = await appPage.evaluate(async (keys) => {
    const summary = (await (window as unknown as { run: Promise<unknown> }).run) as { error: string | null };
    const series = Object.fromEntries(keys.map((k) => [k, window.rl.results.map((r) => Number(r[k]))]));
    const last = window.rl.results.at(-1)!;
    return {
      error: summary.error,
      iterations: window.rl.results.map((r) => r['training_iteration']),
      series,
      trained: Object.fromEntries(
        Object.keys(last)
          .filter((k) => k.endsWith('/num_module_steps_trained'))
          .map((k) => [k, last[k]]),
      ),
      runners: window.rl.faults.runners().map((r) => ({ index: r.workerIndex, restarts: r.restarts, state: r.state })),
    };
  }, COUNTERS);

  expect(out.error).toBeNull();
  expect(out.iterations).toEqual([1, 2, 3, 4, 5, 6]);
  // Both came back once, and the counters show it; no lifetime counter ever went back.
  expect(out.series['fault_tolerance/num_learner_failures_lifetime']!.at(-1)).toBe(1);
  expect(out.series['fault_tolerance/num_learner_restarts_lifetime']!.at(-1)).toBe(1);
  expect(out.series['fault_tolerance/num_env_runner_failures_lifetime']!.at(-1)).toBe(1);
  expect(out.series['fault_tolerance/num_remote_worker_restarts']!.at(-1)).toBe(1);
  for (const key of COUNTERS) {
    const s = out.series[key]!;
    for (let i = 1; i < s.length; i++) expect(s[i], `${key} at iteration ${i + 1}`).toBeGreaterThanOrEqual(s[i - 1]!);
  }
  expect(out.runners).toEqual([
    { index: 1, restarts: 0, state: 'idle' },
    { index: 2, restarts: 1, state: 'idle' },
  ]);
  // Every module kept training: m3-m5 only get rows from the restarted runner, and train on the restarted learner.
  for (const id of MODULES) expect(out.trained[`learners/${id}/num_module_steps_trained`]).toBeGreaterThan(0);
  // The restarted learner's modules went on from their Adam state after iteration 2 (a fresh
  // optimizer would have taken at most 2 x EPOCHS steps by now, in iterations 3 and 4)...
  for (const id of MODULES) expect(after[id], id).toBeGreaterThanOrEqual(before[id]! + EPOCHS);
  // ... and from their weights: nearer to where they were after iteration 2 than to where they started.
  const moved = await distances(appPage, 'after4', 'after2');
  const fromStart = await distances(appPage, 'after4', 'init');
  for (const id of ['m3', 'm4', 'm5']) expect(moved[id]!, id).toBeLessThan(fromStart[id]!);
  await learnerWorkers(appPage);
});
