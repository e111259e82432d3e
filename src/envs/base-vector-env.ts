import { ConfigError, RLError } from '../core/errors';
import { Rng } from '../core/rng';
import { flatDim, type Box, type Discrete } from '../core/spaces';
import type { EnvFactoryOptions, RenderContext, VectorEnv } from './types';

/**
 * A seed from the platform's entropy source, for envs created without one (Gymnasium seeds
 * `np_random` from the OS in that case). `crypto` exists in pages, workers and Node >= 19.
 */
export function entropySeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
}

/** Reads an optional finite number from envConfig, throwing a ConfigError that names the key. */
export function configNumber(config: Readonly<Record<string, unknown>>, key: string, fallback: number): number {
  const value = config[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ConfigError([
      {
        path: `environment.envConfig.${key}`,
        message: `must be a finite number, got ${JSON.stringify(value)}`,
        severity: 'error',
      },
    ]);
  }
  return value;
}

export function configBoolean(config: Readonly<Record<string, unknown>>, key: string, fallback: boolean): boolean {
  const value = config[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new ConfigError([
      {
        path: `environment.envConfig.${key}`,
        message: `must be true or false, got ${JSON.stringify(value)}`,
        severity: 'error',
      },
    ]);
  }
  return value;
}

/**
 * Shared machinery of the built-in envs: buffers, one Rng per sub-env, per-sub-env step
 * counters for the time limit, same-step autoreset, get/set state. A subclass supplies the
 * physics (`step`), the initial-state distribution, the observation function and a picture.
 *
 * The physical state is float64 (`numEnvs * stateDim`, row-major) like Gymnasium's numpy state;
 * observations are float32 like Gymnasium's `observation_space` dtype.
 */
export abstract class BaseVectorEnv implements VectorEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Discrete | Box;
  readonly maxEpisodeSteps: number;
  readonly obsDim: number;
  readonly actionDim: number;
  readonly obs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finalObs: Float32Array;

  protected readonly stateDim: number;
  protected readonly state: Float64Array;
  /** Steps taken in the current episode of each sub-env (TimeLimit's `_elapsed_steps`). */
  protected readonly episodeSteps: Int32Array;
  protected readonly rngs: Rng[];
  private hasBeenReset = false;

  protected constructor(
    options: EnvFactoryOptions,
    spaces: { observation: Box; action: Discrete | Box; stateDim: number },
  ) {
    const { numEnvs, maxEpisodeSteps } = options;
    if (!Number.isInteger(numEnvs) || numEnvs < 1) {
      throw new RLError('env/invalid-num-envs', `${options.id}: numEnvs must be a positive integer, got ${numEnvs}`);
    }
    if (!(maxEpisodeSteps >= 1)) {
      throw new RLError('env/invalid-max-steps', `${options.id}: maxEpisodeSteps must be >= 1, got ${maxEpisodeSteps}`);
    }
    this.id = options.id;
    this.numEnvs = numEnvs;
    this.maxEpisodeSteps = maxEpisodeSteps;
    this.singleObservationSpace = spaces.observation;
    this.singleActionSpace = spaces.action;
    this.obsDim = flatDim(spaces.observation);
    this.actionDim = flatDim(spaces.action);
    this.stateDim = spaces.stateDim;
    this.obs = new Float32Array(numEnvs * this.obsDim);
    this.finalObs = new Float32Array(numEnvs * this.obsDim);
    this.rewards = new Float32Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
    this.state = new Float64Array(numEnvs * this.stateDim);
    this.episodeSteps = new Int32Array(numEnvs);
    const seed = options.seed ?? entropySeed();
    this.rngs = Array.from({ length: numEnvs }, (_, i) => new Rng(seed + i));
  }

  /** Draws sub-env i's initial state into `state` (Gymnasium's `reset` body). */
  protected abstract sampleInitialState(i: number, rng: Rng): void;
  /** Writes sub-env i's observation, computed from `state`, into row i of `out`. */
  protected abstract writeObs(i: number, out: Float32Array): void;
  abstract step(actions: Int32Array | Float32Array): void;
  abstract render(i: number, ctx: RenderContext): void;

  reset(seed?: number): void {
    if (seed !== undefined) {
      if (!Number.isInteger(seed)) {
        throw new RLError('env/invalid-seed', `${this.id}: seed must be an integer, got ${seed}`);
      }
      for (let i = 0; i < this.numEnvs; i++) this.rngs[i] = new Rng(seed + i);
    }
    for (let i = 0; i < this.numEnvs; i++) this.startEpisode(i);
    this.hasBeenReset = true;
  }

  resetSubEnv(i: number, seed?: number): void {
    this.checkIndex(i);
    if (seed !== undefined) this.rngs[i] = new Rng(seed);
    this.startEpisode(i);
  }

  getState(i: number): Float64Array {
    this.checkIndex(i);
    return this.state.slice(i * this.stateDim, (i + 1) * this.stateDim);
  }

  setState(i: number, state: ArrayLike<number>): void {
    this.checkIndex(i);
    if (state.length !== this.stateDim) {
      throw new RLError('env/invalid-state', `${this.id}: state needs ${this.stateDim} numbers, got ${state.length}`);
    }
    for (let k = 0; k < this.stateDim; k++) this.state[i * this.stateDim + k] = state[k] ?? Number.NaN;
    this.writeObs(i, this.obs);
  }

  /** Called once at the top of `step`: Gymnasium's OrderEnforcing plus a shape check. */
  protected beginStep(actions: Int32Array | Float32Array): void {
    if (!this.hasBeenReset) {
      throw new RLError('env/not-reset', `${this.id}: call reset() before step() (Gymnasium's OrderEnforcing).`);
    }
    if (actions.length !== this.numEnvs * this.actionDim) {
      throw new RLError(
        'env/invalid-action',
        `${this.id}: step() needs numEnvs * actionDim = ${this.numEnvs * this.actionDim} actions, got ${actions.length}`,
      );
    }
  }

  /**
   * Called per sub-env after the physics wrote `state`, `obs` and `rewards`: applies the time
   * limit (TimeLimit wrapper) and the same-step autoreset.
   */
  protected finishStep(i: number, terminated: boolean): void {
    const steps = this.episodeSteps[i]! + 1;
    const truncated = !terminated && steps >= this.maxEpisodeSteps;
    this.terminated[i] = terminated ? 1 : 0;
    this.truncated[i] = truncated ? 1 : 0;
    if (terminated || truncated) this.autoreset(i);
    else this.episodeSteps[i] = steps;
  }

  protected invalidAction(i: number, action: number): never {
    const space = this.singleActionSpace;
    const expected = space.kind === 'discrete' ? `an integer in [0, ${space.n - 1}]` : 'a number';
    throw new RLError('env/invalid-action', `${this.id}: action of sub-env ${i} must be ${expected}, got ${action}`);
  }

  private autoreset(i: number): void {
    // A copy loop, not set(subarray()): subarray allocates a view, and this runs inside step().
    for (let k = i * this.obsDim, end = k + this.obsDim; k < end; k++) this.finalObs[k] = this.obs[k]!;
    this.sampleInitialState(i, this.rngs[i]!);
    this.episodeSteps[i] = 0;
    this.writeObs(i, this.obs);
  }

  private startEpisode(i: number): void {
    this.sampleInitialState(i, this.rngs[i]!);
    this.episodeSteps[i] = 0;
    this.rewards[i] = 0;
    this.terminated[i] = 0;
    this.truncated[i] = 0;
    this.writeObs(i, this.obs);
  }

  private checkIndex(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.numEnvs) {
      throw new RLError('env/invalid-index', `${this.id}: sub-env index ${i} is outside [0, ${this.numEnvs - 1}]`);
    }
  }
}
