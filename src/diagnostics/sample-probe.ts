/**
 * One sample() of the runner group without training, summarised per runner: what the sampling
 * tests and benchmarks measure (steps per worker, episodes, what fault tolerance dropped).
 */
import type { EnvRunnerGroup } from '../runtime/env-runner-group';

export interface SampleSummary {
  readonly numSteps: number;
  /** Sample calls that returned (one per runner per round). */
  readonly numBatches: number;
  readonly perWorker: Record<number, number>;
  readonly numEpisodes: number;
  readonly numEnvStepsLost: number;
  readonly numEpisodesLost: number;
  readonly numSubEnvRestarts: number;
  readonly seconds: number;
}

export async function sampleOnce(group: EnvRunnerGroup, numTimesteps: number): Promise<SampleSummary> {
  const t0 = performance.now();
  const { batches, metrics } = await group.sample(numTimesteps);
  const perWorker: Record<number, number> = {};
  for (const b of batches) perWorker[b.workerIndex] = (perWorker[b.workerIndex] ?? 0) + b.numSteps;
  const sum = (f: (m: (typeof metrics)[number]) => number): number => metrics.reduce((n, m) => n + f(m), 0);
  return {
    numSteps: batches.reduce((n, b) => n + b.numSteps, 0),
    numBatches: batches.length,
    perWorker,
    numEpisodes: sum((m) => m.numEpisodes),
    numEnvStepsLost: sum((m) => m.numEnvStepsLost),
    numEpisodesLost: sum((m) => m.numEpisodesLost),
    numSubEnvRestarts: sum((m) => m.numSubEnvRestarts),
    seconds: (performance.now() - t0) / 1000,
  };
}
