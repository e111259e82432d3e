/**
 * The page's probes, `window.rl.diagnostics`: device self-checks (the same computation or PPO
 * update on several backends, used by the WebGPU e2e tests) and the throughput loops the
 * benchmarks (bench/) run in the page: env stepping, learner and learner-group updates,
 * multi-agent sampling. Probes may import algorithms/ and everything below, never app/, ui/ or
 * cli/. The TF.js ones load from tf-probes.ts on first call, so the app facade loads no TF.js.
 */
import { Arena } from '../rl-module/fused/arena';
import { measureEnvStepsPerSecond } from './env-stepping';
import { gpuEnvAgreement, gpuEnvStepsPerSecond } from './gpu-env';

/**
 * Counts the fused learner's matrix work from now on (`on`), or stops counting; returns the FLOPs
 * (2 x multiply-adds) counted since it was last turned on. The matrix bench divides them by the
 * learner's time (a TF.js-path learner counts nothing).
 */
function countLearnerWork(on: boolean): number {
  const flop = 2 * Arena.macs;
  if (on) Arena.macs = 0;
  Arena.countMacs = on;
  return on ? 0 : flop;
}

export { measureEnvStepsPerSecond } from './env-stepping';
export { sampleOnce, type SampleSummary } from './sample-probe';
export type { LearnerThroughput } from './learner-throughput';
export type { LearnerStepCase, LearnerStepRow, MatmulRow } from './learner-floor';
export type { LearnerGroupThroughput } from './learner-group-throughput';
export type { MultiAgentSamplingRow } from './multi-agent-sampling';
export type { GpuEnvAgreement, GpuEnvSpeed } from './gpu-env';

type TfProbes = typeof import('./tf-probes');
const loadTfProbes = (): Promise<TfProbes> => import('./tf-probes');

export const diagnostics = {
  tinyComputation: async (...a: Parameters<TfProbes['tinyComputation']>) =>
    (await loadTfProbes()).tinyComputation(...a),
  ppoBackendParity: async (...a: Parameters<TfProbes['ppoBackendParity']>) =>
    (await loadTfProbes()).ppoBackendParity(...a),
  learnerThroughput: async (...a: Parameters<TfProbes['learnerThroughput']>) =>
    (await loadTfProbes()).learnerThroughput(...a),
  learnerGroupThroughput: async (...a: Parameters<TfProbes['learnerGroupThroughput']>) =>
    (await loadTfProbes()).learnerGroupThroughput(...a),
  matmulPeak: async (...a: Parameters<TfProbes['matmulPeak']>) => (await loadTfProbes()).matmulPeak(...a),
  learnerSteps: async (...a: Parameters<TfProbes['learnerSteps']>) => (await loadTfProbes()).learnerSteps(...a),
  measureMultiAgentSampling: async (...a: Parameters<TfProbes['measureMultiAgentSampling']>) =>
    (await loadTfProbes()).measureMultiAgentSampling(...a),
  measureEnvStepsPerSecond,
  countLearnerWork,
  /** CartPoleGpu-v1 against CartPole-v1, transition by transition (the GPU env's e2e check). */
  gpuEnvAgreement,
  /** CartPoleGpu-v1's and CartPole-v1's env steps per second at `numEnvs` copies (bench `gpu-env`). */
  gpuEnvStepsPerSecond,
};

/** The probes `window.rl.diagnostics` offers (what the CLI's session helper can call by name). */
export type Diagnostics = typeof diagnostics;
