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
  /** Each sub-env steps in its own nested Web Worker (RLlib's remote_worker_envs). */
  readonly remoteWorkerEnvs: boolean;
  /** How long to wait for more remote sub-envs' results before inference (0: whatever is ready). */
  readonly remoteEnvBatchWaitMs: number;
  /**
   * remoteWorkerEnvs: a sub-env worker that does not answer a request within this many seconds is
   * hung and is rebuilt like a crashed one (faultTolerance.envRunnerHealthProbeTimeoutS). Null or
   * absent: no deadline.
   */
  readonly subEnvHealthProbeTimeoutS?: number | null;
  /**
   * A multi-agent run (env registered with registerMultiAgentEnv): the runner steps a multi-agent
   * vector env with one module per id and returns one batch per module (MultiAgentEnvRunner).
   */
  readonly multiAgent?: MultiAgentRunnerLayout;
}

/** The policy mapping as a runner needs it: module ids, and each agent slot's module, resolved once. */
export interface MultiAgentRunnerLayout {
  /** Module ids (RLlib: policies), in a fixed order. */
  readonly moduleIds: readonly string[];
  /** Index into moduleIds of each agent slot's module. */
  readonly moduleOfSlot: readonly number[];
  /**
   * The agents this runner steps when they are split across runners (multiAgent.splitAgentsAcrossEnvRunners):
   * its env holds only them, and moduleIds / moduleOfSlot only their modules. Absent: every agent.
   */
  readonly agentIds?: readonly string[];
  /** One forward per step for each group of same-shape modules (multiAgent.stackModules). */
  readonly stackModules?: boolean;
}

/** A multi-agent runner's counts besides the env-level ones (RLlib's agent and module metrics). */
export interface MultiAgentSampleMetrics {
  readonly numAgentSteps: number;
  readonly agentStepsByModule: Readonly<Record<string, number>>;
  /** Per agent id: the returns of that agent's episodes that ended in this call. */
  readonly agentEpisodeReturns: Readonly<Record<string, readonly number[]>>;
  /** Per module id: per ended env episode, the summed return of the module's agents. */
  readonly moduleEpisodeReturns: Readonly<Record<string, readonly number[]>>;
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
  /**
   * Milliseconds its WebGPU device was busy (inference, a GPU env) during the sample calls
   * reported: only a runner with a device of its own (numGpusPerEnvRunner > 0) has one.
   */
  readonly gpuBusyMs?: number;
  /** How gpuBusyMs was measured: 'timestamp-query' or 'submit-to-done' (gpu-busy-meter.ts). */
  readonly gpuTiming?: 'timestamp-query' | 'submit-to-done';
  /** Multi-agent runs only: agent steps and per-agent / per-module episode returns. */
  readonly multiAgent?: MultiAgentSampleMetrics;
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
