/**
 * Rule 4 of the scaling guide, SEED-style (issue 29 item 5): remoteWorkerEnvs with the runner's
 * inference on WebGPU (SwiftShader here). Each sub-env steps in its own nested worker while the
 * runner batches inference over whichever are ready on its GPU; the runner's device busy time comes
 * back per iteration under perf/, the number the guide says to tune runners and envs per runner for.
 */
import { expect, test } from './fixtures';

test('remote sub-envs with GPU inference in the runner: trains, and perf/ reports the runner device busy', async ({
  appPage,
}) => {
  test.setTimeout(300_000);
  const out = await appPage.evaluate(async () => {
    await window.rl.build({
      preset: 'CartPole-v1',
      environment: { env: 'SlowCartPole-v1', envConfig: { stepCostMs: 1 } },
      rlModule: { fcnetHiddens: [32, 32] },
      envRunners: {
        numEnvRunners: 1,
        numEnvsPerEnvRunner: 4,
        rolloutFragmentLength: 64,
        remoteWorkerEnvs: true,
        remoteEnvBatchWaitMs: 2,
        numGpusPerEnvRunner: 1,
      },
      training: { trainBatchSizePerLearner: 256, minibatchSize: 256, numEpochs: 2, sampleAsync: false },
      learners: { numGpusPerLearner: 0 },
      debugging: { seed: 4 },
    });
    const results = [await window.rl.step(), await window.rl.step(), await window.rl.step()];
    return { results, runners: window.rl.faults.runners() };
  });
  expect(out.runners.map((r) => r.backend)).toEqual(['webgpu']);
  for (const r of out.results) {
    expect(r['num_env_steps_sampled']).toBe(256);
    expect(r['perf/env_runner_1_gpu_busy_ms']).toBeGreaterThan(0);
    expect(r['perf/env_runner_1_gpu_util_percent']).toBeGreaterThan(0);
    expect(r['perf/env_runner_1_gpu_util_percent']).toBeLessThanOrEqual(100);
    // The learner is on wasm: no page-device figure, rather than a 0 that would read as idle.
    expect(r['perf/learner_gpu_busy_ms']).toBeUndefined();
  }
  console.log(
    `SEED-style runner GPU busy per iteration: ${out.results.map((r) => `${Number(r['perf/env_runner_1_gpu_util_percent']).toFixed(0)}%`).join(', ')} (${String(out.results[0]!['perf/gpu_timing'])})`,
  );
});
