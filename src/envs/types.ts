import type { Box, Discrete } from '../core/spaces';

/** A 2D canvas context on the page or in a worker (OffscreenCanvas). */
export type RenderContext = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/**
 * A batch of `numEnvs` copies of one environment, stepped together in place over typed arrays
 * (Gymnasium's VectorEnv with same-step autoreset). Nothing here allocates per step.
 *
 * Per step, for every sub-env i:
 * - `rewards[i]`, `terminated[i]`, `truncated[i]` describe that step. At most one of the two flags
 *   is 1: a step that terminates exactly at the time limit reports `terminated` only (Gymnasium's
 *   TimeLimit would set both; termination is what matters for bootstrapping, so it wins).
 * - If the episode ended, `finalObs` row i holds its last observation and `obs` row i already
 *   holds the first observation of the next episode (same-step autoreset). Rows of `finalObs` for
 *   sub-envs that did not just end hold stale data.
 */
export interface VectorEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Discrete | Box;
  /** numEnvs * obsDim, current observations. The same array object for the env's lifetime. */
  readonly obs: Float32Array;
  /** numEnvs, reward of the last step (0 after a reset). */
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** numEnvs * obsDim, last observation of episodes that just ended. */
  readonly finalObs: Float32Array;
  /** Time limit per episode (Infinity when none). Optional so user envs need not expose it. */
  readonly maxEpisodeSteps?: number;
  /**
   * Starts a new episode in every sub-env and clears rewards/flags. With a seed, sub-env i is
   * seeded with `seed + i`; without one, every sub-env continues its own random stream.
   */
  reset(seed?: number): void;
  /**
   * One step of every sub-env. Discrete spaces: `actions[i]` is the action of sub-env i.
   * Box spaces: row-major `numEnvs * actionDim`.
   */
  step(actions: Int32Array | Float32Array): void;
  /**
   * The same step for an env whose physics runs on a device (a GPU compute shader): the step is
   * done, and the arrays above written, when the promise resolves. An env that has it may refuse
   * the synchronous `step`; the EnvRunner awaits this one whenever it exists.
   */
  stepAsync?(actions: Int32Array | Float32Array): Promise<void>;
  /** Releases what the env holds outside the JS heap (GPU buffers); the env is not used after it. */
  close?(): void;
  /** Copy of sub-env i's physical state, in the layout of Gymnasium's `env.unwrapped.state`. */
  getState(i: number): Float64Array;
  /** Overwrites sub-env i's physical state and recomputes `obs` row i from it. */
  setState(i: number, state: ArrayLike<number>): void;
  /** Draws sub-env i onto the context, scaled to `ctx.canvas`. */
  render(i: number, ctx: RenderContext): void;
  /**
   * Rebuilds sub-env i alone: fresh state, new episode, `obs` row i written, its step counter 0,
   * its reward and flags cleared. With a seed, its random stream restarts from that seed.
   * Used to restart one crashed sub-env while keeping the others' episodes.
   */
  resetSubEnv?(i: number, seed?: number): void;
}

/** What `makeVectorEnv` accepts. */
export interface MakeVectorEnvOptions {
  readonly numEnvs: number;
  readonly seed?: number | undefined;
  /** Overrides the registered time limit. */
  readonly maxEpisodeSteps?: number | undefined;
  /** Per-env options (RLlib's `env_config`), e.g. `{ g: 9.81 }` for Pendulum-v1. */
  readonly envConfig?: Readonly<Record<string, unknown>> | undefined;
  /** Which EnvRunner hosts the env (0 = the local one); chaos wrappers use it. */
  readonly workerIndex?: number | undefined;
  /** The hosting runner's WebGPU device, for envs that step on a GPU (see EnvFactoryOptions.gpuDevice). */
  readonly gpuDevice?: GPUDevice | null | undefined;
}

/** What a registered factory receives: `MakeVectorEnvOptions` with defaults filled in. */
export interface EnvFactoryOptions {
  readonly id: string;
  readonly numEnvs: number;
  /** Undefined means "seed from entropy". */
  readonly seed: number | undefined;
  /** Resolved time limit (Infinity when none). */
  readonly maxEpisodeSteps: number;
  readonly envConfig: Readonly<Record<string, unknown>>;
  readonly workerIndex: number;
  /**
   * The WebGPU device of the EnvRunner that builds the env: set when the runner has one
   * (envRunners.numGpusPerEnvRunner > 0, RLlib's GPU for an env that "itself requires a GPU"),
   * null otherwise, and null for every copy built only to read the spaces. An env registered with
   * `requiresGpu` refuses to build in a runner without one (RLError `env/needs-gpu`).
   */
  readonly gpuDevice: GPUDevice | null;
}

export type EnvFactory = (options: EnvFactoryOptions) => VectorEnv;

/** Registry metadata, like Gymnasium's EnvSpec. */
export interface EnvMeta {
  /** Default time limit; Gymnasium's `max_episode_steps`. */
  readonly maxEpisodeSteps?: number;
  /** Return at which the task counts as solved; Gymnasium's `reward_threshold`. */
  readonly rewardThreshold?: number;
  readonly description?: string;
  /**
   * The env_config keys the env reads (camelCase; Gymnasium's snake_case keyword is accepted too).
   * Declared: any other key is refused with this list. Undeclared: the config is passed as given.
   */
  readonly configKeys?: readonly string[];
  /**
   * The env steps on the GPU: an EnvRunner builds it only with a device of its own
   * (numGpusPerEnvRunner > 0) and hands that device to the factory; elsewhere it fails with
   * `env/needs-gpu` naming the setting.
   */
  readonly requiresGpu?: boolean;
}

export interface EnvSpec extends EnvMeta {
  readonly id: string;
}
