/**
 * checkEnv for the multi-agent contract (types.ts): Gymnasium's env checker idea applied to
 * RLlib's MultiAgentEnv, vectorised. It checks the agent slots and their spaces, buffer types and
 * sizes, reset (observations in their spaces, flags cleared, at least one agent per copy, the
 * same seed giving the same observations), then steps the env with random actions for the alive
 * lanes and checks every step: flags are 0/1 and never both, rewards finite, an agent that was not
 * alive gets no reward and no flag, an agent never leaves without a flag, `__all__` closes every
 * live agent and resets the copy in the same step, finalObs of a leaving agent lies in its space,
 * and two rollouts with the same seed and actions agree. One message per kind of problem.
 */
import { RLError, errorMessage } from '../../core/errors';
import { Rng } from '../../core/rng';
import { flatDim, type Box, type Space } from '../../core/spaces';
import type { CheckEnvOptions } from '../check-env';
import { ALL_AGENTS, type MultiAgentVectorEnv } from './types';

/** One message per kind of problem, with how often it happened. */
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
export function checkMultiAgentEnv(env: MultiAgentVectorEnv, options: CheckEnvOptions = {}): string[] {
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
  phase('space check', () => checkSlots(env, problems));
  if (problems.size === 0) phase('buffer check', () => checkBuffers(env, problems));
  if (problems.size === 0) {
    const actions = randomActions(env, numSteps, seed);
    phase('reset()', () => checkReset(env, seed, problems));
    phase('step()', () => {
      const first = rollout(env, seed, actions, problems);
      if (requireEpisodeEnd && first.episodesEnded === 0) {
        problems.add('no-end', `no episode ended (${ALL_AGENTS}) in ${numSteps} steps, so its reset was not checked`);
      }
      const second = rollout(env, seed, actions, null);
      if (!sameBits(first.record, second.record)) {
        problems.add(
          'determinism',
          'two rollouts with the same seed and actions differ: the env is not deterministic given its seed',
        );
      }
    });
  }
  const list = problems.list().map((p) => `[${env.id}] ${p}`);
  if (options.throwOnProblems && list.length > 0) {
    throw new RLError('env/check-failed', `checkEnv found ${list.length} problem(s):\n  - ${list.join('\n  - ')}`);
  }
  return list;
}

function checkSlots(env: MultiAgentVectorEnv, problems: Problems): void {
  if (typeof env.id !== 'string' || env.id === '') problems.add('id', 'id must be a non-empty string');
  if (!Number.isInteger(env.numEnvs) || env.numEnvs < 1) problems.add('numEnvs', `numEnvs must be >= 1`);
  const n = env.maxAgents;
  if (!Number.isInteger(n) || n < 1) {
    problems.add('maxAgents', `maxAgents must be an integer >= 1, got ${String(n)}`);
    return;
  }
  const ids: readonly unknown[] = Array.isArray(env.agentIds) ? env.agentIds : [];
  if (ids.length !== n) problems.add('agent-ids', `agentIds must list ${n} ids (one per slot), got ${ids.length}`);
  if (ids.some((id) => typeof id !== 'string' || id === '' || id === ALL_AGENTS)) {
    problems.add('agent-id', `agent ids must be non-empty strings other than '${ALL_AGENTS}'`);
  }
  if (new Set(ids).size !== ids.length) problems.add('agent-id-unique', 'agent ids must be unique');
  if (env.observationSpaces?.length !== n || env.actionSpaces?.length !== n) {
    problems.add('slot-spaces', `observationSpaces and actionSpaces need one space per slot (${n})`);
    return;
  }
  let obsMax = 0;
  let actMax = 0;
  for (let s = 0; s < n; s++) {
    const o: Space | undefined = env.observationSpaces[s];
    if (o?.kind !== 'box') problems.add('obs-space', `observationSpaces[${s}] must be a Box`);
    else {
      checkBox(o, `observationSpaces[${s}]`, problems);
      obsMax = Math.max(obsMax, flatDim(o));
    }
    const a: Space | undefined = env.actionSpaces[s];
    if (a?.kind === 'discrete') {
      if (!Number.isInteger(a.n) || a.n < 1) problems.add('act-space', `actionSpaces[${s}]: Discrete n must be >= 1`);
      actMax = Math.max(actMax, 1);
    } else if (a?.kind === 'box') {
      checkBox(a, `actionSpaces[${s}]`, problems);
      actMax = Math.max(actMax, flatDim(a));
    } else problems.add('act-space', `actionSpaces[${s}] must be a Discrete or a Box`);
  }
  if (env.obsStride !== obsMax) problems.add('obs-stride', `obsStride must be ${obsMax} (the largest observation)`);
  if (env.actionStride !== actMax) problems.add('act-stride', `actionStride must be ${actMax} (the largest action)`);
}

function checkBox(space: Box, name: string, problems: Problems): void {
  const size = space.shape.reduce((a, b) => a * b, 1);
  if (space.low.length !== size || space.high.length !== size) {
    problems.add(`${name}-bounds`, `${name} low/high need ${size} elements`);
    return;
  }
  for (let k = 0; k < size; k++) {
    if (!(space.low[k]! <= space.high[k]!)) problems.add(`${name}-order`, `${name} needs low <= high (element ${k})`);
  }
}

function checkBuffers(env: MultiAgentVectorEnv, problems: Problems): void {
  const lanes = env.numEnvs * env.maxAgents;
  const expect = (
    name: string,
    value: unknown,
    type: typeof Float32Array | typeof Uint8Array,
    length: number,
  ): void => {
    if (!(value instanceof type)) problems.add(`buf-${name}`, `${name} must be a ${type.name}`);
    else if (value.length !== length)
      problems.add(`buf-${name}`, `${name} must have length ${length}, got ${value.length}`);
  };
  expect('obs', env.obs, Float32Array, lanes * env.obsStride);
  expect('finalObs', env.finalObs, Float32Array, lanes * env.obsStride);
  expect('rewards', env.rewards, Float32Array, lanes);
  expect('alive', env.alive, Uint8Array, lanes);
  expect('terminated', env.terminated, Uint8Array, lanes);
  expect('truncated', env.truncated, Uint8Array, lanes);
  expect('terminatedAll', env.terminatedAll, Uint8Array, env.numEnvs);
  expect('truncatedAll', env.truncatedAll, Uint8Array, env.numEnvs);
  for (const method of ['reset', 'step', 'render'] as const) {
    if (typeof env[method] !== 'function') problems.add(`method-${method}`, `${method}() is missing`);
  }
}

/** Random actions per step for every lane (`actionStride` scalars each), drawn once for both rollouts. */
function randomActions(env: MultiAgentVectorEnv, numSteps: number, seed: number): (Int32Array | Float32Array)[] {
  const rng = new Rng(seed ^ 0x5bd1e995);
  const stride = env.actionStride;
  const discrete = env.actionSpaces.every((a) => a.kind === 'discrete');
  const lanes = env.numEnvs * env.maxAgents;
  return Array.from({ length: numSteps }, () => {
    const out = discrete ? new Int32Array(lanes * stride) : new Float32Array(lanes * stride);
    for (let lane = 0; lane < lanes; lane++) {
      const space = env.actionSpaces[lane % env.maxAgents]!;
      if (space.kind === 'discrete') out[lane * stride] = rng.integer(space.n);
      else {
        for (let k = 0; k < space.low.length; k++) {
          const lo = space.low[k]!;
          const hi = space.high[k]!;
          out[lane * stride + k] = rng.uniform(Number.isFinite(lo) ? lo : -1, Number.isFinite(hi) ? hi : 1);
        }
      }
    }
    return out;
  });
}

/** Index of the first NaN or out-of-bounds element of `lane`'s row in `buf`, or -1. */
function badElement(env: MultiAgentVectorEnv, buf: Float32Array, lane: number): number {
  const space = env.observationSpaces[lane % env.maxAgents]!;
  for (let k = 0; k < space.low.length; k++) {
    const v = buf[lane * env.obsStride + k]!;
    if (Number.isNaN(v) || v < Math.fround(space.low[k]!) || v > Math.fround(space.high[k]!)) return k;
  }
  return -1;
}

function checkReset(env: MultiAgentVectorEnv, seed: number, problems: Problems): void {
  env.reset(seed);
  const n = env.maxAgents;
  for (let e = 0; e < env.numEnvs; e++) {
    let alive = 0;
    for (let s = 0; s < n; s++) {
      const lane = e * n + s;
      if (env.alive[lane] !== 1) continue;
      alive++;
      const k = badElement(env, env.obs, lane);
      if (k >= 0)
        problems.add('reset-obs', `reset(): agent '${env.agentIds[s]}' obs[${k}] is NaN or outside its space`);
    }
    if (alive === 0) problems.add('reset-alive', 'reset() left a copy with no alive agent; nothing would act');
  }
  const cleared = [env.rewards, env.terminated, env.truncated, env.terminatedAll, env.truncatedAll].every((b) =>
    b.every((x) => x === 0),
  );
  if (!cleared) problems.add('reset-flags', 'reset() must clear rewards, flags and the __all__ flags');
  const first = env.obs.slice();
  const alive = env.alive.slice();
  env.reset(seed);
  if (!sameBits(first, env.obs) || !sameBits(alive, env.alive)) {
    problems.add('reset-seed', `reset(${seed}) twice gave different observations: seeding is not deterministic`);
  }
}

/** Everything a rollout produced (obs, rewards, flags, alive), for the determinism check. */
interface Rollout {
  readonly record: Float64Array;
  readonly episodesEnded: number;
}

function rollout(
  env: MultiAgentVectorEnv,
  seed: number,
  actions: (Int32Array | Float32Array)[],
  problems: Problems | null,
): Rollout {
  const lanes = env.numEnvs * env.maxAgents;
  const perStep = env.obs.length + 4 * lanes;
  const record = new Float64Array(actions.length * perStep);
  const obsRef = env.obs;
  let episodesEnded = 0;
  env.reset(seed);
  const wasAlive = env.alive.slice();
  actions.forEach((a, step) => {
    wasAlive.set(env.alive);
    env.step(a);
    if (problems && env.obs !== obsRef)
      problems.add('obs-identity', 'step() replaced the obs array; write it in place');
    for (let e = 0; e < env.numEnvs; e++) {
      if (env.terminatedAll[e] || env.truncatedAll[e]) episodesEnded++;
      if (problems) checkCopy(env, e, step, wasAlive, problems);
    }
    const at = step * perStep;
    record.set(env.obs, at);
    record.set(env.rewards, at + env.obs.length);
    record.set(env.terminated, at + env.obs.length + lanes);
    record.set(env.truncated, at + env.obs.length + 2 * lanes);
    record.set(env.alive, at + env.obs.length + 3 * lanes);
  });
  return { record, episodesEnded };
}

/** One copy after one step: per-agent rules, then `__all__`'s. */
function checkCopy(env: MultiAgentVectorEnv, e: number, step: number, wasAlive: Uint8Array, problems: Problems): void {
  const n = env.maxAgents;
  const all = env.terminatedAll[e]! + env.truncatedAll[e]!;
  if (env.terminatedAll[e]! > 1 || env.truncatedAll[e]! > 1 || all > 1) {
    problems.add('all-flags', `terminatedAll/truncatedAll must be 0 or 1 and not both (step ${step}, copy ${e})`);
  }
  let aliveAfter = 0;
  for (let s = 0; s < n; s++) {
    const lane = e * n + s;
    const where = `step ${step}, copy ${e}, agent '${env.agentIds[s]}'`;
    const term = env.terminated[lane]!;
    const trunc = env.truncated[lane]!;
    if (env.alive[lane]) aliveAfter++;
    if (term > 1 || trunc > 1) problems.add('flag-values', `terminated/truncated must be 0 or 1 (${where})`);
    if (term === 1 && trunc === 1) problems.add('flag-both', `terminated and truncated are both 1 (${where})`);
    if (!wasAlive[lane]) {
      if (env.rewards[lane] !== 0 || term || trunc) {
        problems.add('dead-lane', `an agent that was not alive got a reward or a flag (${where}); it did not act`);
      }
      continue;
    }
    if (!Number.isFinite(env.rewards[lane])) problems.add('reward-finite', `reward is not finite (${where})`);
    if (all === 1 && !term && !trunc) {
      problems.add('all-closes', `${ALL_AGENTS} ended the episode but a live agent got no flag (${where})`);
    }
    if (term || trunc) {
      const k = badElement(env, env.finalObs, lane);
      if (k >= 0) problems.add('final-obs', `finalObs[${k}] is NaN or outside the agent's space (${where})`);
    } else if (all === 0) {
      if (!env.alive[lane]) problems.add('left-silently', `an agent left without terminated or truncated (${where})`);
      const k = badElement(env, env.obs, lane);
      if (k >= 0) problems.add('obs-bounds', `obs[${k}] is NaN or outside the agent's space (${where})`);
    }
  }
  if (all === 1 && aliveAfter === 0) {
    problems.add('all-reset', `after ${ALL_AGENTS} the copy must start its next episode in the same step (copy ${e})`);
  }
}

/** Element-wise equality that treats NaN as equal to NaN. */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return false;
  return true;
}
