import type { ModuleDescriptor } from '../rl-module/module-factory';

/** Everything an EnvRunner needs, as plain data: it crosses postMessage to a worker. */
export interface EnvRunnerSettings {
  /** 0 = the local runner on the driver page; remote runners are 1..numEnvRunners (as RLlib). */
  readonly workerIndex: number;
  readonly env: string;
  /** Env modules (absolute same-origin URLs) the page loaded; the runner imports them before building `env`. */
  readonly envModules: readonly string[];
  readonly envConfig: Readonly<Record<string, unknown>>;
  readonly maxEpisodeSteps: number | null;
  readonly numEnvs: number;
  readonly rolloutFragmentLength: number;
  readonly batchMode: 'truncate_episodes' | 'complete_episodes';
  readonly explore: boolean;
  /** The RLModule the runner builds (makeRLModule): its kind and model config. */
  readonly module: ModuleDescriptor;
  /** Base seed of the run; the runner derives its env and action seeds from it and workerIndex. */
  readonly seed: number;
  readonly restartFailedSubEnvironments: boolean;
  /** Inference backend inside the runner: wasm by default, webgpu when numGpusPerEnvRunner > 0. */
  readonly inferenceBackend: 'wasm' | 'webgpu' | 'cpu';
}

export interface SampleRequest {
  /** Env steps to collect in total over all sub-envs (rounded up to a multiple of numEnvs). */
  readonly numTimesteps?: number;
  /** Collect this many complete episodes instead (evaluation-style). */
  readonly numEpisodes?: number;
  readonly explore?: boolean;
}

/** What a runner measured since the previous report. Lifetime totals are kept on the page. */
export interface EnvRunnerMetrics {
  readonly workerIndex: number;
  readonly numEnvSteps: number;
  readonly numEpisodes: number;
  readonly episodeReturns: number[];
  readonly episodeLengths: number[];
  readonly envStepMs: number;
  readonly inferenceMs: number;
  readonly sampleMs: number;
  readonly numSubEnvRestarts: number;
  readonly numEnvStepsLost: number;
  readonly numEpisodesLost: number;
  readonly weightsSeq: number;
}

/**
 * Per-module exploration state that travels with every weight sync. RLlib's DQN module evaluates
 * its epsilon schedule itself at the runner's env-step count; here the algorithm evaluates it at
 * the lifetime env steps sampled (a page-side counter that survives runner restarts) and sends
 * the value, so every runner explores with the same epsilon.
 */
export interface ExplorationState {
  /** Epsilon-greedy probability of a random action (QModule.setEpsilon). */
  readonly epsilon?: number;
}
