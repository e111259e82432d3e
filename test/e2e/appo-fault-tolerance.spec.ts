/**
 * Asynchronous sampling survives a runner crash in real Chromium workers: APPO keeps two
 * sample() calls in flight per runner; killEnvRunner(1) loses only runner 1's in-flight requests
 * (counted), the run goes on, runner 1 is restarted and samples again, and no lifetime counter
 * ever goes back.
 */
import { expect, test } from './fixtures';

const LIFETIME_KEYS = [
  'num_env_steps_sampled_lifetime',
  'num_env_steps_trained_lifetime',
  'env_runners/num_episodes_lifetime',
  'fault_tolerance/num_in_flight_requests_lost_lifetime',
  'fault_tolerance/num_sample_fragments_dropped_lifetime',
  'fault_tolerance/num_env_runner_failures_lifetime',
  'fault_tolerance/num_remote_worker_restarts',
  'learner_queue/num_batches_dropped_lifetime',
] as const;

test('APPO: killing a runner with requests in flight loses only those, counted; training continues', async ({
  appPage,
}) => {
  test.setTimeout(180_000);
  const out = await appPage.evaluate(async (keys) => {
    await window.rl.build({
      algo: 'APPO',
      preset: 'CartPole-v1',
      envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 4, rolloutFragmentLength: 50 },
      // RLlib's drop-oldest queue (not the preset's 'block'): the runners never wait for the
      // learner, so runner 1's requests are still in its worker (not done and waiting for room
      // in the queue) when it is killed, and at least one is lost.
      training: {
        trainBatchSizePerLearner: 400,
        maxRequestsInFlightPerEnvRunner: 2,
        learnerQueueSize: 16,
        learnerQueueFullPolicy: 'drop_oldest',
        minTrainTimestepsPerIteration: 0,
      },
      learners: { numGpusPerLearner: 0 },
      faultTolerance: { restartFailedEnvRunners: true, delayBetweenEnvRunnerRestartsS: 0.5 },
      debugging: { seed: 3 },
    });
    const results: Record<string, number | string>[] = [];
    for (let i = 0; i < 5; i++) results.push(await window.rl.step());
    const inFlightAtKill = Number(results.at(-1)!['env_runner_group/num_in_flight_requests']);
    await window.rl.faults.killEnvRunner(1);
    const t0 = performance.now();
    // Train on until runner 1 is back and has delivered samples again.
    for (;;) {
      const r = await window.rl.step();
      results.push(r);
      const back = window.rl.faults.runners().find((x) => x.workerIndex === 1)!.restarts >= 1;
      if (back && Number(r['env_runners/worker_1/num_env_steps_sampled'] ?? 0) > 0) break;
      if (performance.now() - t0 > 60_000) throw new Error('runner 1 did not rejoin within 60 s');
    }
    for (let i = 0; i < 5; i++) results.push(await window.rl.step());
    const series = Object.fromEntries(keys.map((k) => [k, results.map((r) => Number(r[k] ?? 0))]));
    return { series, inFlightAtKill, last: results.at(-1)!, events: window.rl.faults.log().map((e) => e.action) };
  }, LIFETIME_KEYS);
  const lost = out.last['fault_tolerance/num_in_flight_requests_lost_lifetime'] as number;
  expect(out.inFlightAtKill).toBe(4);
  // Runner 1 had at most 2 requests in flight; runner 2 lost nothing.
  expect(lost).toBeGreaterThanOrEqual(1);
  expect(lost).toBeLessThanOrEqual(2);
  expect(out.last['fault_tolerance/num_sample_fragments_dropped_lifetime']).toBe(lost);
  expect(out.last['fault_tolerance/num_remote_worker_restarts']).toBe(1);
  expect(out.last['fault_tolerance/num_healthy_workers']).toBe(2);
  expect(out.events).toEqual(['restart-scheduled', 'restarted']);
  for (const key of LIFETIME_KEYS) {
    const s = out.series[key]!;
    for (let i = 1; i < s.length; i++) expect(s[i], `${key} at result ${i}`).toBeGreaterThanOrEqual(s[i - 1]!);
  }
  const steps = out.series['num_env_steps_sampled_lifetime']!;
  expect(steps.at(-1)!).toBeGreaterThan(steps[5]!);
});
