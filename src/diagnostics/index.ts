/**
 * The page's probes, `window.rl.diagnostics`: device self-checks (the same computation or PPO
 * update on several backends, used by the WebGPU e2e tests) and the throughput loops the
 * benchmarks (bench/) run in the page: env stepping, learner and learner-group updates,
 * multi-agent sampling. Probes may import algorithms/ and everything below, never app/, ui/ or
 * cli/. The TF.js ones load from tf-probes.ts on first call, so the app facade loads no TF.js.
 */
import { measureEnvStepsPerSecond } from './env-stepping';
import { gpuEnvAgreement, gpuEnvStepsPerSecond } from './gpu-env';

export { measureEnvStepsPerSecond } from './env-stepping';
export { sampleOnce, type SampleSummary } from './sample-probe';
export type { LearnerThroughput } from './learner-throughput';
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
  measureMultiAgentSampling: async (...a: Parameters<TfProbes['measureMultiAgentSampling']>) =>
    (await loadTfProbes()).measureMultiAgentSampling(...a),
  measureEnvStepsPerSecond,
  /** CartPoleGpu-v1 against CartPole-v1, transition by transition (the GPU env's e2e check). */
  gpuEnvAgreement,
  /** CartPoleGpu-v1's and CartPole-v1's env steps per second at `numEnvs` copies (bench `gpu-env`). */
  gpuEnvStepsPerSecond,
};

/** The probes `window.rl.diagnostics` offers (what the CLI's session helper can call by name). */
export type Diagnostics = typeof diagnostics;
