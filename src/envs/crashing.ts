import { ConfigError, RLError, type ConfigIssue } from '../core/errors';
import { Rng } from '../core/rng';
import type { Box, Discrete } from '../core/spaces';
import { entropySeed } from './base-vector-env';
import { CartPoleVectorEnv } from './cartpole';
import type { EnvFactoryOptions, RenderContext, VectorEnv } from './types';

/**
 * Thrown by a vector env when some of its sub-envs crashed. It is thrown after the healthy
 * sub-envs finished their step/reset, so their rows of obs/rewards/flags/finalObs are valid and
 * the caller keeps them; it rebuilds only `subEnvIndices` with `resetSubEnv(i)` (until then those
 * sub-envs keep crashing, like RLlib's CartPoleCrashing that expects a reset after a crash).
 */
export class SubEnvCrashError extends RLError {
  readonly subEnvIndices: number[];
  readonly phase: 'step' | 'reset';

  constructor(envId: string, subEnvIndices: number[], phase: 'step' | 'reset', detail = '') {
    super(
      'env/sub-env-crash',
      `${envId}: sub-env(s) ${subEnvIndices.join(', ')} crashed during ${phase}()${detail}. ` +
        'The other sub-envs completed normally; rebuild the crashed ones with resetSubEnv(i).',
    );
    this.name = 'SubEnvCrashError';
    this.subEnvIndices = subEnvIndices;
    this.phase = phase;
  }
}

/** Chaos settings, named after RLlib's CartPoleCrashing config (`p_crash` -> `pCrash`, ...). */
export interface ChaosOptions {
  /** Probability that a sub-env crashes in a step. */
  readonly pCrash?: number;
  /** Probability that a sub-env crashes in a reset (reset() or resetSubEnv()). */
  readonly pCrashReset?: number;
  /** Probability that a sub-env stalls in a step (busy-waits, blocking the whole thread). */
  readonly pStall?: number;
  /** Stall duration in seconds, drawn uniformly from [min, max]. Default [1, 1]. */
  readonly stallTimeRangeS?: readonly [number, number];
  /** When given, only EnvRunners with these worker indices crash. */
  readonly crashOnWorkerIndices?: readonly number[];
  /** When given, only EnvRunners with these worker indices stall. */
  readonly stallOnWorkerIndices?: readonly number[];
  /** Seed of the chaos draws (separate from the env's own Rngs). */
  readonly seed?: number;
  /** Index of the EnvRunner hosting the env (0 = local). */
  readonly workerIndex?: number;
  /** Id the wrapped env reports; defaults to the inner env's id. */
  readonly id?: string;
}

/** The envConfig keys parseChaosConfig reads (RLlib's CartPoleCrashing names, in camelCase). */
export const CHAOS_CONFIG_KEYS = [
  'pCrash',
  'pCrashReset',
  'pStall',
  'crashOnWorkerIndices',
  'stallOnWorkerIndices',
  'stallTimeRangeS',
  'seed',
] as const;

/** Reads ChaosOptions from an envConfig, reporting every bad key at once. */
export function parseChaosConfig(config: Readonly<Record<string, unknown>>, defaults: ChaosOptions = {}): ChaosOptions {
  const issues: ConfigIssue[] = [];
  const options: { -readonly [K in keyof ChaosOptions]: ChaosOptions[K] } = {};
  const read = (key: keyof ChaosOptions, valid: (v: unknown) => boolean, expected: string): unknown => {
    const v = config[key] ?? defaults[key];
    if (v === undefined || valid(v)) return v;
    issues.push({
      path: `environment.envConfig.${key}`,
      message: `${expected}, got ${JSON.stringify(v)}`,
      severity: 'error',
    });
    return undefined;
  };
  const isProbability = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v <= 1;
  const isIndexList = (v: unknown): boolean =>
    Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0);
  const isRange = (v: unknown): boolean =>
    Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && x >= 0) && v[0] <= v[1];

  for (const key of ['pCrash', 'pCrashReset', 'pStall'] as const) {
    const p = read(key, isProbability, 'must be a probability in [0, 1]');
    if (typeof p === 'number') options[key] = p;
  }
  for (const key of ['crashOnWorkerIndices', 'stallOnWorkerIndices'] as const) {
    const list = read(key, isIndexList, 'must be an array of worker indices (integers >= 0)');
    if (Array.isArray(list)) options[key] = list as number[];
  }
  const range = read('stallTimeRangeS', isRange, 'must be [minS, maxS] with 0 <= minS <= maxS');
  if (Array.isArray(range)) options.stallTimeRangeS = [range[0] as number, range[1] as number];
  const seed = read('seed', Number.isInteger, 'must be an integer');
  if (typeof seed === 'number') options.seed = seed;
  if (issues.length > 0) throw new ConfigError(issues);
  return options;
}

/** Blocks the thread, as a hung env does to its worker (no timers: a stall must not yield). */
function busyWait(seconds: number): void {
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    // spin
  }
}

class ChaosVectorEnv implements VectorEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly singleObservationSpace: Box;
  readonly singleActionSpace: Discrete | Box;
  readonly obs: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly finalObs: Float32Array;
  readonly maxEpisodeSteps?: number;

  private readonly obsDim: number;
  private readonly rng: Rng;
  private readonly pCrash: number;
  private readonly pCrashReset: number;
  private readonly pStall: number;
  private readonly stallRange: readonly [number, number];
  /** 1 for a sub-env that crashed and has not been rebuilt yet. */
  private readonly broken: Uint8Array;
  /** Scratch list of crashed indices, so a healthy step allocates nothing. */
  private readonly crashed: Int32Array;

  constructor(
    private readonly inner: VectorEnv,
    opts: ChaosOptions,
  ) {
    this.id = opts.id ?? inner.id;
    this.numEnvs = inner.numEnvs;
    this.singleObservationSpace = inner.singleObservationSpace;
    this.singleActionSpace = inner.singleActionSpace;
    this.obs = inner.obs;
    this.rewards = inner.rewards;
    this.terminated = inner.terminated;
    this.truncated = inner.truncated;
    this.finalObs = inner.finalObs;
    if (inner.maxEpisodeSteps !== undefined) this.maxEpisodeSteps = inner.maxEpisodeSteps;
    this.obsDim = inner.obs.length / inner.numEnvs;

    const workerIndex = opts.workerIndex ?? 0;
    // As in RLlib, an empty or missing index list means "every worker".
    const crashOn = opts.crashOnWorkerIndices ?? [];
    const stallOn = opts.stallOnWorkerIndices ?? [];
    const crashes = crashOn.length === 0 || crashOn.includes(workerIndex);
    const stalls = stallOn.length === 0 || stallOn.includes(workerIndex);
    this.pCrash = crashes ? (opts.pCrash ?? 0) : 0;
    this.pCrashReset = crashes ? (opts.pCrashReset ?? 0) : 0;
    this.pStall = stalls ? (opts.pStall ?? 0) : 0;
    this.stallRange = opts.stallTimeRangeS ?? [1, 1];
    // Different workers must not crash in lockstep: mix the worker index into the seed.
    this.rng = new Rng((opts.seed ?? entropySeed()) + 7919 * workerIndex);
    this.broken = new Uint8Array(this.numEnvs);
    this.crashed = new Int32Array(this.numEnvs);
  }

  reset(seed?: number): void {
    this.inner.reset(seed);
    this.broken.fill(0);
    let numCrashed = 0;
    if (this.pCrashReset > 0) {
      for (let i = 0; i < this.numEnvs; i++) if (this.rng.random() < this.pCrashReset) this.crashed[numCrashed++] = i;
    }
    if (numCrashed > 0) this.crash(numCrashed, 'reset');
  }

  step(actions: Int32Array | Float32Array): void {
    let numCrashed = 0;
    let stallS = 0;
    for (let i = 0; i < this.numEnvs; i++) {
      // A crashed sub-env stays down until it is rebuilt; its fresh draws are skipped.
      if (this.broken[i] === 1) this.crashed[numCrashed++] = i;
      else if (this.pCrash > 0 && this.rng.random() < this.pCrash) this.crashed[numCrashed++] = i;
      if (this.pStall > 0 && this.rng.random() < this.pStall) {
        stallS += this.rng.uniform(this.stallRange[0], this.stallRange[1]);
      }
    }
    this.inner.step(actions);
    if (stallS > 0) busyWait(stallS);
    if (numCrashed > 0) this.crash(numCrashed, 'step');
  }

  resetSubEnv(i: number, seed?: number): void {
    if (!this.inner.resetSubEnv) {
      throw new RLError(
        'env/no-reset-sub-env',
        `${this.inner.id} has no resetSubEnv(i); it cannot rebuild one sub-env.`,
      );
    }
    this.inner.resetSubEnv(i, seed);
    this.broken[i] = 0;
    if (this.pCrashReset > 0 && this.rng.random() < this.pCrashReset) {
      this.crashed[0] = i;
      this.crash(1, 'reset');
    }
  }

  getState(i: number): Float64Array {
    return this.inner.getState(i);
  }

  setState(i: number, state: ArrayLike<number>): void {
    this.inner.setState(i, state);
  }

  render(i: number, ctx: RenderContext): void {
    this.inner.render(i, ctx);
  }

  /** Marks sub-envs broken, poisons their rows with NaN so accidental use is loud, and throws. */
  private crash(numCrashed: number, phase: 'step' | 'reset'): never {
    const indices = Array.from(this.crashed.subarray(0, numCrashed));
    for (const i of indices) {
      this.broken[i] = 1;
      this.obs.fill(Number.NaN, i * this.obsDim, (i + 1) * this.obsDim);
      this.finalObs.fill(Number.NaN, i * this.obsDim, (i + 1) * this.obsDim);
      this.rewards[i] = Number.NaN;
      this.terminated[i] = 0;
      this.truncated[i] = 0;
    }
    const p = phase === 'step' ? this.pCrash : this.pCrashReset;
    throw new SubEnvCrashError(this.id, indices, phase, ` (simulated by the chaos wrapper, p=${p})`);
  }
}

/** Wraps any VectorEnv so its sub-envs crash and stall at random (see ChaosOptions). */
export function withChaos(inner: VectorEnv, opts: ChaosOptions): VectorEnv {
  return new ChaosVectorEnv(inner, opts);
}

/**
 * `CartPoleCrashing-v1`: CartPole-v1 under `withChaos`, configured through envConfig like RLlib's
 * CartPoleCrashing (default pCrash 0.005, RLlib's default `p_crash`).
 */
export function makeCartPoleCrashing(options: EnvFactoryOptions): VectorEnv {
  const chaos = parseChaosConfig(options.envConfig, { pCrash: 0.005 });
  // The chaos seed combines envConfig.seed with the env seed: the same run reproduces its chaos,
  // but a restarted runner (which gets a new env seed) does not replay the crash that killed it,
  // which would turn one crash into a deterministic crash loop.
  const chaosSeed =
    chaos.seed === undefined
      ? options.seed === undefined
        ? undefined
        : options.seed + 1_000_003
      : (chaos.seed * 1_000_003 + (options.seed ?? 0)) >>> 0;
  const inner = new CartPoleVectorEnv({ ...options, id: 'CartPole-v1' });
  return withChaos(inner, {
    ...chaos,
    ...(chaosSeed === undefined ? {} : { seed: chaosSeed }),
    workerIndex: options.workerIndex,
    id: options.id,
  });
}
