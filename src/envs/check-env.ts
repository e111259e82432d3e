import { RLError, errorMessage } from '../core/errors';
import { Rng } from '../core/rng';
import { flatDim, type Box, type Space } from '../core/spaces';
import type { VectorEnv } from './types';

/**
 * Gymnasium's env checker (gymnasium/utils/env_checker.py) for our VectorEnv contract: spaces,
 * buffer types and shapes, reset/step contract, terminated vs truncated, finite values, bounds,
 * same-step autoreset with finalObs, seeding determinism (and sub-env i seeded with seed + i),
 * get/set state and resetSubEnv. It steps the env with random actions; reset it afterwards.
 */
export interface CheckEnvOptions {
  /** Seed for the checker's resets and its random actions. Default 123. */
  readonly seed?: number;
  /** Steps per rollout; enough to see episodes end. Default 1200. */
  readonly numSteps?: number;
  /** Report a problem when no episode ended during the rollout. Default false. */
  readonly requireEpisodeEnd?: boolean;
  /** Throw an RLError ('env/check-failed') listing every problem instead of returning them. */
  readonly throwOnProblems?: boolean;
  /** Called with each error a phase throws (the phase is 'reset()', 'step()', ...), e.g. to locate it. */
  readonly onThrow?: (phase: string, error: unknown) => void;
}

/** One message per kind of problem, so a bug hit on every step is reported once. */
class Problems {
  private readonly byKind = new Map<string, { message: string; count: number }>();

  add(kind: string, message: string): void {
    const seen = this.byKind.get(kind);
    if (seen) seen.count++;
    else this.byKind.set(kind, { message, count: 1 });
  }

  get size(): number {
    return this.byKind.size;
  }

  list(): string[] {
    return [...this.byKind.values()].map(({ message, count }) => (count > 1 ? `${message} (${count} times)` : message));
  }
}

/** Returns the problems found (empty = the env passes), or throws them all with `throwOnProblems`. */
export function checkEnv(env: VectorEnv, options: CheckEnvOptions = {}): string[] {
  const { seed = 123, numSteps = 1200, requireEpisodeEnd = false } = options;
  const problems = new Problems();
  const phase = (name: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      options.onThrow?.(name, e);
      problems.add(`threw:${name}`, `${name} threw: ${errorMessage(e)}`);
    }
  };
  phase('space check', () => checkSpaces(env, problems));
  if (problems.size === 0) phase('buffer check', () => checkBuffers(env, problems));
  if (problems.size === 0) {
    const actions = sampleActions(env.singleActionSpace, env.numEnvs, numSteps, seed);
    phase('reset()', () => checkReset(env, seed, problems));
    phase('step()', () => {
      const first = rollout(env, seed, actions, problems);
      if (requireEpisodeEnd && first.episodesEnded === 0) {
        problems.add('no-end', `no episode ended in ${numSteps} steps, so autoreset was not checked`);
      }
      const second = rollout(env, seed, actions, null);
      compareTrajectories(first, second, problems);
    });
    phase('getState()/setState()', () => checkState(env, problems));
    if (env.resetSubEnv) phase('resetSubEnv()', () => checkResetSubEnv(env, seed, problems));
  }
  const list = problems.list().map((p) => `[${env.id}] ${p}`);
  if (options.throwOnProblems && list.length > 0) {
    throw new RLError('env/check-failed', `checkEnv found ${list.length} problem(s):\n  - ${list.join('\n  - ')}`);
  }
  return list;
}

function checkSpaces(env: VectorEnv, problems: Problems): void {
  if (typeof env.id !== 'string' || env.id === '') problems.add('id', 'id must be a non-empty string');
  if (!Number.isInteger(env.numEnvs) || env.numEnvs < 1) {
    problems.add('numEnvs', `numEnvs must be >= 1, got ${env.numEnvs}`);
  }
  const obsSpace = env.singleObservationSpace as Space | undefined;
  if (obsSpace?.kind !== 'box') problems.add('obs-space', 'singleObservationSpace must be a Box');
  else checkBox(obsSpace, 'singleObservationSpace', problems);
  const actSpace = env.singleActionSpace as Space | undefined;
  if (actSpace?.kind === 'discrete') {
    if (!Number.isInteger(actSpace.n) || actSpace.n < 1) {
      problems.add('act-space', `Discrete n must be >= 1, got ${actSpace.n}`);
    }
  } else if (actSpace?.kind === 'box') {
    checkBox(actSpace, 'singleActionSpace', problems);
  } else {
    problems.add('act-space', 'singleActionSpace must be a Discrete or a Box');
  }
}

function checkBox(space: Box, name: string, problems: Problems): void {
  const size = space.shape.reduce((a, b) => a * b, 1);
  if (!space.shape.every((d) => Number.isInteger(d) && d >= 1)) {
    problems.add(`${name}-shape`, `${name}.shape is invalid`);
  }
  if (space.low.length !== size || space.high.length !== size) {
    problems.add(
      `${name}-bounds`,
      `${name} low/high need ${size} elements, got ${space.low.length}/${space.high.length}`,
    );
    return;
  }
  for (let k = 0; k < size; k++) {
    const lo = space.low[k]!;
    const hi = space.high[k]!;
    if (Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
      problems.add(`${name}-order`, `${name} needs low <= high, element ${k}: [${lo}, ${hi}]`);
    }
  }
}

function checkBuffers(env: VectorEnv, problems: Problems): void {
  const n = env.numEnvs;
  const obsLength = n * flatDim(env.singleObservationSpace);
  const expect = (name: string, value: unknown, type: string, ok: boolean, length: number): void => {
    if (!ok) problems.add(`buf-${name}`, `${name} must be a ${type}`);
    else if ((value as ArrayLike<number>).length !== length) {
      problems.add(`buf-${name}`, `${name} must have length ${length}, got ${(value as ArrayLike<number>).length}`);
    }
  };
  expect('obs', env.obs, 'Float32Array', env.obs instanceof Float32Array, obsLength);
  expect('finalObs', env.finalObs, 'Float32Array', env.finalObs instanceof Float32Array, obsLength);
  expect('rewards', env.rewards, 'Float32Array', env.rewards instanceof Float32Array, n);
  expect('terminated', env.terminated, 'Uint8Array', env.terminated instanceof Uint8Array, n);
  expect('truncated', env.truncated, 'Uint8Array', env.truncated instanceof Uint8Array, n);
  for (const method of ['reset', 'step', 'getState', 'setState', 'render'] as const) {
    if (typeof env[method] !== 'function') problems.add(`method-${method}`, `${method}() is missing`);
  }
}

/** Actions for every step, drawn once so both rollouts replay the same ones. */
function sampleActions(space: Space, numEnvs: number, numSteps: number, seed: number): (Int32Array | Float32Array)[] {
  const rng = new Rng(seed ^ 0x5bd1e995);
  const dim = flatDim(space);
  return Array.from({ length: numSteps }, () => {
    if (space.kind === 'discrete') return Int32Array.from({ length: numEnvs }, () => rng.integer(space.n));
    return Float32Array.from({ length: numEnvs * dim }, (_, j) => {
      const lo = space.low[j % dim]!;
      const hi = space.high[j % dim]!;
      return rng.uniform(Number.isFinite(lo) ? lo : -1, Number.isFinite(hi) ? hi : 1);
    });
  });
}

/** Float32 views of the bounds: observations are float32, so compare against float32 bounds. */
function obsBounds(env: VectorEnv): { low: Float32Array; high: Float32Array } {
  return {
    low: Float32Array.from(env.singleObservationSpace.low),
    high: Float32Array.from(env.singleObservationSpace.high),
  };
}

/** Index of the first non-finite or out-of-bounds element of row i, or -1. */
function badObsElement(buf: Float32Array, i: number, bounds: { low: Float32Array; high: Float32Array }): number {
  const dim = bounds.low.length;
  for (let k = 0; k < dim; k++) {
    const v = buf[i * dim + k]!;
    if (Number.isNaN(v) || v < bounds.low[k]! || v > bounds.high[k]!) return k;
  }
  return -1;
}

function checkReset(env: VectorEnv, seed: number, problems: Problems): void {
  const bounds = obsBounds(env);
  env.reset(seed);
  for (let i = 0; i < env.numEnvs; i++) {
    const k = badObsElement(env.obs, i, bounds);
    if (k >= 0) {
      problems.add(
        'reset-obs',
        `reset(): obs[${i}][${k}] = ${env.obs[i * bounds.low.length + k]} is NaN or outside the observation space`,
      );
    }
    if (env.terminated[i] !== 0 || env.truncated[i] !== 0 || env.rewards[i] !== 0) {
      problems.add('reset-flags', 'reset() must clear rewards, terminated and truncated');
    }
  }
  const first = env.obs.slice();
  env.reset(seed);
  if (!sameBits(first, env.obs)) {
    problems.add('reset-seed', `reset(${seed}) twice gave different observations: seeding is not deterministic`);
  }
  if (env.numEnvs >= 2) {
    const dim = bounds.low.length;
    const row1 = first.slice(dim, 2 * dim);
    env.reset(seed + 1);
    if (!sameBits(row1, env.obs.slice(0, dim))) {
      problems.add(
        'reset-seed-offset',
        `sub-env 1 after reset(${seed}) differs from sub-env 0 after reset(${seed + 1}): sub-env i must be seeded with seed + i`,
      );
    }
  }
}

interface Trajectory {
  readonly obs: Float32Array;
  readonly rewards: Float32Array;
  /** terminated * 2 + truncated, per step and sub-env. */
  readonly flags: Uint8Array;
  readonly finalObs: Float32Array;
  readonly episodesEnded: number;
}

/** Resets with `seed`, replays `actions`, records everything; checks each step when given `problems`. */
function rollout(
  env: VectorEnv,
  seed: number,
  actions: (Int32Array | Float32Array)[],
  problems: Problems | null,
): Trajectory {
  const n = env.numEnvs;
  const dim = env.obs.length / n;
  const obs = new Float32Array(actions.length * n * dim);
  const rewards = new Float32Array(actions.length * n);
  const flags = new Uint8Array(actions.length * n);
  const finalObs = new Float32Array(actions.length * n * dim).fill(Number.NaN);
  let episodesEnded = 0;
  const obsRef = env.obs;
  const lengths = new Int32Array(n);
  const bounds = obsBounds(env);
  env.reset(seed);
  actions.forEach((a, step) => {
    env.step(a);
    if (problems && env.obs !== obsRef) {
      problems.add('obs-identity', 'step() replaced the obs array; it must be written in place');
    }
    for (let i = 0; i < n; i++) {
      lengths[i] = lengths[i]! + 1;
      if (problems) checkStepRow(env, i, { step, length: lengths[i]!, bounds }, problems);
      if (env.terminated[i] === 1 || env.truncated[i] === 1) {
        episodesEnded++;
        lengths[i] = 0;
        finalObs.set(env.finalObs.subarray(i * dim, (i + 1) * dim), (step * n + i) * dim);
      }
      flags[step * n + i] = env.terminated[i]! * 2 + env.truncated[i]!;
    }
    obs.set(env.obs, step * n * dim);
    rewards.set(env.rewards, step * n);
  });
  return { obs, rewards, flags, finalObs, episodesEnded };
}

interface StepContext {
  readonly step: number;
  /** Steps of the current episode of this sub-env, including this one. */
  readonly length: number;
  readonly bounds: { low: Float32Array; high: Float32Array };
}

function checkStepRow(env: VectorEnv, i: number, { step, length, bounds }: StepContext, problems: Problems): void {
  const dim = bounds.low.length;
  const where = `step ${step}, sub-env ${i}`;
  const term = env.terminated[i]!;
  const trunc = env.truncated[i]!;
  if (term > 1 || trunc > 1) {
    problems.add('flag-values', `terminated/truncated must be 0 or 1 (${where})`);
  }
  if (term === 1 && trunc === 1) {
    problems.add('flag-both', `terminated and truncated are both 1 (${where}); report terminated only`);
  }
  if (!Number.isFinite(env.rewards[i])) {
    problems.add('reward-finite', `reward ${env.rewards[i]} is not finite (${where})`);
  }
  const k = badObsElement(env.obs, i, bounds);
  if (k >= 0) {
    const value = env.obs[i * dim + k];
    problems.add('obs-bounds', `obs[${i}][${k}] = ${value} is NaN or outside the observation space (${where})`);
  }
  if (env.maxEpisodeSteps !== undefined && length > env.maxEpisodeSteps) {
    problems.add(
      'time-limit',
      `an episode ran ${length} steps, past maxEpisodeSteps ${env.maxEpisodeSteps} (${where})`,
    );
  }
  if (term === 0 && trunc === 0) return;
  const f = badObsElement(env.finalObs, i, bounds);
  if (f >= 0) {
    const value = env.finalObs[i * dim + f];
    problems.add('final-obs', `finalObs[${i}][${f}] = ${value} is NaN or outside the observation space (${where})`);
  }
  // Only after termination: a truncated episode may legitimately stop where the next one starts.
  const finalRow = env.finalObs.subarray(i * dim, (i + 1) * dim);
  if (term === 1 && sameBits(finalRow, env.obs.subarray(i * dim, (i + 1) * dim))) {
    problems.add(
      'autoreset',
      `obs equals finalObs on the step the episode terminated (${where}): ` +
        "obs must already hold the next episode's first observation",
    );
  }
}

function compareTrajectories(a: Trajectory, b: Trajectory, problems: Problems): void {
  const same =
    sameBits(a.obs, b.obs) &&
    sameBits(a.rewards, b.rewards) &&
    sameBits(a.flags, b.flags) &&
    sameBits(a.finalObs, b.finalObs);
  if (!same) {
    problems.add(
      'determinism',
      'two rollouts with the same seed and actions differ: the env is not deterministic given its seed',
    );
  }
}

function checkState(env: VectorEnv, problems: Problems): void {
  const dim = env.obs.length / env.numEnvs;
  const state = env.getState(0);
  if (!(state instanceof Float64Array)) problems.add('state-type', 'getState() must return a Float64Array');
  const before = env.obs.slice(0, dim);
  state.fill(Number.NaN);
  if (env.getState(0).some(Number.isNaN)) {
    problems.add('state-copy', 'getState() must return a copy, not a view of the env state');
  }
  env.setState(0, env.getState(0));
  if (!sameBits(before, env.obs.subarray(0, dim))) {
    problems.add('state-roundtrip', 'setState(i, getState(i)) changed obs[i]');
  }
  if (env.numEnvs >= 2) {
    const saved = env.getState(0);
    env.setState(0, env.getState(1));
    if (!sameBits(env.obs.subarray(0, dim), env.obs.subarray(dim, 2 * dim))) {
      problems.add(
        'state-obs',
        'setState(0, getState(1)) did not make obs[0] equal obs[1]: setState must recompute obs',
      );
    }
    env.setState(0, saved);
  }
}

function checkResetSubEnv(env: VectorEnv, seed: number, problems: Problems): void {
  const dim = env.obs.length / env.numEnvs;
  env.reset(seed);
  env.step(sampleActions(env.singleActionSpace, env.numEnvs, 1, seed)[0]!);
  const others = env.obs.slice(dim);
  env.resetSubEnv!(0, seed);
  const row = env.obs.slice(0, dim);
  if (env.terminated[0] !== 0 || env.truncated[0] !== 0 || env.rewards[0] !== 0) {
    problems.add('reset-sub-flags', 'resetSubEnv(i) must clear reward, terminated and truncated of sub-env i');
  }
  if (!sameBits(others, env.obs.subarray(dim))) {
    problems.add('reset-sub-others', 'resetSubEnv(0) changed other sub-envs');
  }
  env.resetSubEnv!(0, seed);
  if (!sameBits(row, env.obs.subarray(0, dim))) {
    problems.add('reset-sub-seed', 'resetSubEnv(0, seed) twice gave different observations');
  }
}

/** Element-wise equality that treats NaN as equal to NaN (bitwise-ish comparison of typed arrays). */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return false;
  return true;
}
