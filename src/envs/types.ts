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
}

export interface EnvSpec extends EnvMeta {
  readonly id: string;
}
