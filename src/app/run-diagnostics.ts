/**
 * `rl.diagnostics`: what this browser offers and how the run behaves, for the device line, the
 * WebGPU, sampling and fault-tolerance tests and the benchmarks: the device as detected, the
 * device self-checks and benchmark probes (src/diagnostics/), and two probes of the built run.
 */
import { detectDevice } from '../backend/device';
import { diagnostics, sampleOnce, type Diagnostics, type SampleSummary } from '../diagnostics';
import { builtAlgorithm, type TrainerApp } from './trainer-app';

export type { SampleSummary } from '../diagnostics';

export type RunDiagnostics = Diagnostics & {
  /** What this browser offers before anything is built: the WebGPU adapter (if any), the cores, isolation. */
  readonly detectDevice: typeof detectDevice;
  /** One group sample() without training: steps per runner, episodes, what fault tolerance dropped. */
  sampleOnce(numTimesteps: number): Promise<SampleSummary>;
  /** Greedy actions for `obs` from the page's (learner) module and from every runner: do they agree? */
  compareRunnerActions(
    obs: number[],
    batchSize: number,
  ): Promise<{ page: number[]; runners: Record<number, number[]> }>;
};

export function runDiagnostics(run: TrainerApp): RunDiagnostics {
  return {
    ...diagnostics,
    detectDevice,
    sampleOnce: (numTimesteps) => sampleOnce(builtAlgorithm(run).envRunnerGroup, numTimesteps),
    compareRunnerActions: async (obs, batchSize) => {
      const algo = builtAlgorithm(run);
      const page = await algo.computeActions(Float32Array.from(obs), batchSize);
      const perRunner = await algo.envRunnerGroup.computeActions(Float32Array.from(obs), batchSize);
      return {
        page: Array.from(page),
        runners: Object.fromEntries([...perRunner].map(([i, a]) => [i, Array.from(a)])),
      };
    },
  };
}
