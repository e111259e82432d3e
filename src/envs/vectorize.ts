import { RLError } from '../core/errors';
import { Rng } from '../core/rng';
import { flatDim, type Box, type Discrete } from '../core/spaces';
import { entropySeed } from './base-vector-env';
import type { EnvFactory, EnvFactoryOptions, RenderContext, VectorEnv } from './types';

/** What a single env's `step` returns. Time limits are applied by the vector wrapper. */
export interface SingleEnvStep {
  readonly obs: ArrayLike<number>;
  readonly reward: number;
  readonly terminated: boolean;
  /** Set when the env itself cuts the episode short (not for the registered time limit). */
  readonly truncated?: boolean;
}

/**
 * One environment written with plain numbers, Gymnasium style. `vectorize` runs `numEnvs` of
 * them behind the VectorEnv interface. All randomness must come from the `rng` argument (never
 * Math.random), so a seed reproduces the episodes.
 */
export interface SingleEnv {
  /** Starts an episode and returns its first observation. */
  reset(rng: Rng): ArrayLike<number>;
  /**
   * Discrete action spaces pass the action index; Box spaces pass a Float32Array of the action
   * (reused between calls: copy it if you keep it).
   */
  step(action: number | Float32Array, rng: Rng): SingleEnvStep;
  /** The physical state, as plain numbers. */
  getState(): ArrayLike<number>;
  /** Restores a state from `getState()` and returns the observation in that state. */
  setState(state: ArrayLike<number>): ArrayLike<number>;
  /** Draws the env in a `width x height` canvas (optional). */
  render?(ctx: RenderContext, width: number, height: number): void;
}

export interface SingleEnvSpec {
  readonly observationSpace: Box;
  readonly actionSpace: Discrete | Box;
  /** Builds one env; `index` is the sub-env index inside the vector env. */
  create(envConfig: Readonly<Record<string, unknown>>, index: number): SingleEnv;
}

/**
 * Turns a single-env class into a registrable VectorEnv factory.
 *
 * @example
 * ```ts
 * import type { Rng } from '../core/rng';
 * import { box, discrete } from '../core/spaces';
 * import { registerEnv, vectorize, makeVectorEnv, type SingleEnv } from './index';
 *
 * class Corridor implements SingleEnv {
 *   private pos = 0;
 *   reset(rng: Rng) { this.pos = rng.integer(3); return [this.pos]; }
 *   step(action: number) {
 *     this.pos = Math.max(0, this.pos + (action === 1 ? 1 : -1));
 *     return { obs: [this.pos], reward: this.pos === 9 ? 1 : -0.01, terminated: this.pos === 9 };
 *   }
 *   getState() { return [this.pos]; }
 *   setState(s: ArrayLike<number>) { this.pos = s[0] ?? 0; return [this.pos]; }
 * }
 * registerEnv('Corridor-v0', vectorize({
 *   observationSpace: box(0, 9, [1]),
 *   actionSpace: discrete(2),
 *   create: () => new Corridor(),
 * }), { maxEpisodeSteps: 50 });
 * const env = makeVectorEnv('Corridor-v0', { numEnvs: 4, seed: 0 });
 * ```
 *
 * Each step calls every sub-env's `step` and copies what it returns, so this is the easy way,
 * not the fast way: for speed write a VectorEnv over typed arrays like CartPoleVectorEnv.
 */
export function vectorize(spec: SingleEnvSpec): EnvFactory {
  return (options) => new VectorizedEnv(spec, options);
}

class VectorizedEnv implements VectorEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Discrete | Box;
  readonly maxEpisodeSteps: number;
  readonly obs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finalObs: Float32Array;

  private readonly envs: SingleEnv[];
  private readonly rngs: Rng[];
  private readonly episodeSteps: Int32Array;
  private readonly obsDim: number;
  private readonly actionDim: number;
  private readonly actionScratch: Float32Array;
  private hasBeenReset = false;

  constructor(spec: SingleEnvSpec, options: EnvFactoryOptions) {
    this.id = options.id;
    this.numEnvs = options.numEnvs;
    this.maxEpisodeSteps = options.maxEpisodeSteps;
    this.singleObservationSpace = spec.observationSpace;
    this.singleActionSpace = spec.actionSpace;
    this.obsDim = flatDim(spec.observationSpace);
    this.actionDim = flatDim(spec.actionSpace);
    this.obs = new Float32Array(this.numEnvs * this.obsDim);
    this.finalObs = new Float32Array(this.numEnvs * this.obsDim);
    this.rewards = new Float32Array(this.numEnvs);
    this.terminated = new Uint8Array(this.numEnvs);
    this.truncated = new Uint8Array(this.numEnvs);
    this.episodeSteps = new Int32Array(this.numEnvs);
    this.actionScratch = new Float32Array(this.actionDim);
    this.envs = Array.from({ length: this.numEnvs }, (_, i) => spec.create(options.envConfig, i));
    const seed = options.seed ?? entropySeed();
    this.rngs = Array.from({ length: this.numEnvs }, (_, i) => new Rng(seed + i));
  }

  reset(seed?: number): void {
    if (seed !== undefined) for (let i = 0; i < this.numEnvs; i++) this.rngs[i] = new Rng(seed + i);
    for (let i = 0; i < this.numEnvs; i++) this.startEpisode(i);
    this.hasBeenReset = true;
  }

  resetSubEnv(i: number, seed?: number): void {
    this.env(i);
    if (seed !== undefined) this.rngs[i] = new Rng(seed);
    this.startEpisode(i);
  }

  step(actions: Int32Array | Float32Array): void {
    if (!this.hasBeenReset) throw new RLError('env/not-reset', `${this.id}: call reset() before step().`);
    if (actions.length !== this.numEnvs * this.actionDim) {
      throw new RLError('env/invalid-action', `${this.id}: step() needs ${this.numEnvs * this.actionDim} actions`);
    }
    const discreteSpace = this.singleActionSpace.kind === 'discrete';
    for (let i = 0; i < this.numEnvs; i++) {
      let action: number | Float32Array;
      if (discreteSpace) {
        action = actions[i]!;
      } else {
        for (let k = 0; k < this.actionDim; k++) this.actionScratch[k] = actions[i * this.actionDim + k]!;
        action = this.actionScratch;
      }
      const result = this.envs[i]!.step(action, this.rngs[i]!);
      this.writeObs(i, result.obs, this.obs);
      this.rewards[i] = result.reward;
      const steps = this.episodeSteps[i]! + 1;
      const terminated = result.terminated;
      const truncated = !terminated && (result.truncated === true || steps >= this.maxEpisodeSteps);
      this.terminated[i] = terminated ? 1 : 0;
      this.truncated[i] = truncated ? 1 : 0;
      this.episodeSteps[i] = steps;
      if (terminated || truncated) {
        this.writeObs(i, result.obs, this.finalObs);
        this.writeObs(i, this.envs[i]!.reset(this.rngs[i]!), this.obs);
        this.episodeSteps[i] = 0;
      }
    }
  }

  getState(i: number): Float64Array {
    return Float64Array.from(this.env(i).getState());
  }

  setState(i: number, state: ArrayLike<number>): void {
    this.writeObs(i, this.env(i).setState(state), this.obs);
  }

  render(i: number, ctx: RenderContext): void {
    const env = this.env(i);
    const { width, height } = ctx.canvas;
    // save/restore here, so a user's render() cannot leak canvas state into the next frame.
    ctx.save();
    try {
      if (env.render) {
        env.render(ctx, width, height);
        return;
      }
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, width, height);
      ctx.fillStyle = '#000000';
      ctx.fillText(`${this.id}: no render()`, 8, 16);
    } finally {
      ctx.restore();
    }
  }

  private startEpisode(i: number): void {
    this.writeObs(i, this.env(i).reset(this.rngs[i]!), this.obs);
    this.episodeSteps[i] = 0;
    this.rewards[i] = 0;
    this.terminated[i] = 0;
    this.truncated[i] = 0;
  }

  private writeObs(i: number, obs: ArrayLike<number>, out: Float32Array): void {
    if (obs.length !== this.obsDim) {
      throw new RLError(
        'env/invalid-obs',
        `${this.id}: observation has ${obs.length} numbers, the space needs ${this.obsDim}`,
      );
    }
    for (let k = 0; k < this.obsDim; k++) out[i * this.obsDim + k] = obs[k]!;
  }

  private env(i: number): SingleEnv {
    const env = this.envs[i];
    if (!env) {
      throw new RLError('env/invalid-index', `${this.id}: sub-env index ${i} is outside [0, ${this.numEnvs - 1}]`);
    }
    return env;
  }
}
