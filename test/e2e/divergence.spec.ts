/**
 * Divergence in the browser (issue 12, item 1): with lr 1e30 the Learner skips the NaN/Inf Adam
 * steps on the device (isFinite + select kernels, here on WebGPU and wasm), training stops with
 * learner/diverged, and what a checkpoint would hold stays finite.
 */
import { expect, test } from './fixtures';

const CONFIG = {
  env: 'Pendulum-v1',
  envRunners: { numEnvRunners: 0, numEnvsPerEnvRunner: 2, rolloutFragmentLength: 32 },
  rlModule: { fcnetHiddens: [16], fcnetActivation: 'tanh', vfShareLayers: false },
  training: { lr: 1e30, trainBatchSizePerLearner: 64, minibatchSize: 16, numEpochs: 4 },
  debugging: { seed: 1 },
};

for (const backend of ['webgpu', 'wasm'] as const) {
  test(`lr 1e30 on ${backend}: training stops with learner/diverged and the weights stay finite`, async ({
    appPage,
  }) => {
    test.setTimeout(180_000);
    const out = await appPage.evaluate(
      async ({ config, backend }) => {
        await window.rl.build(config, { backend });
        const summary = await window.rl.train({ stop: { training_iteration: 3 } });
        const ckpt = await window.rl.save();
        const finite = (arrays: ArrayLike<number>[]) => arrays.every((a) => Array.from(a).every(Number.isFinite));
        return {
          backend: window.rl.algorithm?.device?.backend,
          reason: summary.reason,
          error: summary.error,
          iterations: summary.iterations,
          weightsFinite: finite(ckpt.weights.arrays),
          optimizerFinite: finite(ckpt.optimizerState.arrays),
        };
      },
      { config: CONFIG, backend },
    );
    expect(out.backend).toBe(backend);
    expect(out.reason).toBe('error');
    expect(out.error).toMatch(/^Training iteration 1 diverged/);
    expect(out.iterations).toBe(0);
    expect(out.weightsFinite).toBe(true);
    expect(out.optimizerFinite).toBe(true);
  });
}
