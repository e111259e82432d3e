/** The error of an env that steps on the GPU (EnvMeta.requiresGpu) built where there is no device. */
import { RLError } from '../core/errors';

/**
 * The error an env that steps on the GPU (EnvMeta.requiresGpu) gives where no device was handed to
 * it: a runner without numGpusPerEnvRunner, the page, or a remote sub-env worker.
 */
export function needsGpuError(id: string, where: string): RLError {
  return new RLError(
    'env/needs-gpu',
    `${id} steps on the GPU, but ${where} has no WebGPU device to hand it. Set envRunners.numGpusPerEnvRunner > 0 ` +
      `(e.g. 1 with one runner, or the guide's share (1 - 0.0001) / numEnvRunners with numGpusPerLearner 0.0001) and ` +
      `numEnvRunners >= 1, so each EnvRunner starts WebGPU and gives the env its GPUDevice; a browser without a WebGPU ` +
      `adapter cannot run it.`,
  );
}
