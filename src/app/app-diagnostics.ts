/**
 * Device self-checks: the same computation on several backends (used by the WebGPU e2e test and
 * the benchmarks). The TF.js ones come from algorithms/diagnostics.ts on first call, so the app
 * facade itself loads no TF.js.
 */
import { measureEnvStepsPerSecond } from '../envs';

type TfDiagnostics = typeof import('../algorithms/diagnostics');
const loadDiagnostics = (): Promise<TfDiagnostics> => import('../algorithms/diagnostics');

export const appDiagnostics = {
  tinyComputation: async (...a: Parameters<TfDiagnostics['tinyComputation']>) =>
    (await loadDiagnostics()).tinyComputation(...a),
  ppoBackendParity: async (...a: Parameters<TfDiagnostics['ppoBackendParity']>) =>
    (await loadDiagnostics()).ppoBackendParity(...a),
  learnerThroughput: async (...a: Parameters<TfDiagnostics['learnerThroughput']>) =>
    (await loadDiagnostics()).learnerThroughput(...a),
  learnerGroupThroughput: async (...a: Parameters<TfDiagnostics['learnerGroupThroughput']>) =>
    (await loadDiagnostics()).learnerGroupThroughput(...a),
  measureMultiAgentSampling: async (...a: Parameters<TfDiagnostics['measureMultiAgentSampling']>) =>
    (await loadDiagnostics()).measureMultiAgentSampling(...a),
  measureEnvStepsPerSecond,
};
