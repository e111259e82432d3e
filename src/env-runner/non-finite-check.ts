/**
 * NaN/Inf in what an env returns. One NaN observation or reward poisons the whole train batch
 * (GAE spreads it backwards through the episode, the loss and then every weight become NaN), so
 * the EnvRunner treats it as a failure of that sub-env: restarted when
 * restartFailedSubEnvironments is on (like a sub-env that throws), a runner error otherwise.
 *
 * Cost: the common case is one pass of `x * 0` sums over the obs and reward arrays the vector env
 * already wrote (0 when all finite, NaN otherwise, since NaN * 0 and Inf * 0 are NaN), with no
 * allocation; only when that sum is not 0 is the culprit looked up sub-env by sub-env.
 */
import { RLError } from '../core/errors';
import type { VectorEnv } from '../envs';

/** The first non-finite number of one sub-env: which field, and its value. */
export interface NonFiniteValue {
  readonly subEnv: number;
  /** `observation[2]`, `final observation[0]` or `reward`. */
  readonly field: string;
  readonly value: number;
}

/** Whether any observation, reward or (for sub-envs whose episode just ended) final observation is NaN/Inf. */
export function stepHasNonFinite(env: VectorEnv, obsDim: number): boolean {
  let probe = 0;
  const { obs, rewards, terminated, truncated, finalObs } = env;
  for (let k = 0; k < obs.length; k++) probe += obs[k]! * 0;
  for (let i = 0; i < rewards.length; i++) {
    probe += rewards[i]! * 0;
    if (terminated[i] || truncated[i]) {
      for (let k = i * obsDim; k < (i + 1) * obsDim; k++) probe += finalObs[k]! * 0;
    }
  }
  return probe !== 0;
}

/** Whether any current observation is NaN/Inf (after a reset). */
export function obsHasNonFinite(obs: Float32Array): boolean {
  let probe = 0;
  for (let k = 0; k < obs.length; k++) probe += obs[k]! * 0;
  return probe !== 0;
}

/**
 * Sub-env i's first non-finite value after a step (`afterStep`: reward and final observation
 * too) or a reset (observation only), or null.
 */
export function findNonFinite(
  env: Pick<VectorEnv, 'obs' | 'rewards' | 'terminated' | 'truncated' | 'finalObs'>,
  i: number,
  obsDim: number,
  afterStep: boolean,
): NonFiniteValue | null {
  if (afterStep) {
    const reward = env.rewards[i] ?? 0;
    if (!Number.isFinite(reward)) return { subEnv: i, field: 'reward', value: reward };
    if (env.terminated[i] || env.truncated[i]) {
      const k = firstNonFinite(env.finalObs, i * obsDim, obsDim);
      if (k >= 0) return { subEnv: i, field: `final observation[${k}]`, value: env.finalObs[i * obsDim + k]! };
    }
  }
  const k = firstNonFinite(env.obs, i * obsDim, obsDim);
  return k >= 0 ? { subEnv: i, field: `observation[${k}]`, value: env.obs[i * obsDim + k]! } : null;
}

function firstNonFinite(values: Float32Array, from: number, count: number): number {
  for (let k = 0; k < count; k++) if (!Number.isFinite(values[from + k]!)) return k;
  return -1;
}

/** The runner error for a non-finite value when sub-env restarts are off (or cannot help). */
export function nonFiniteError(
  envId: string,
  workerIndex: number,
  bad: NonFiniteValue,
  phase: 'step' | 'reset',
): RLError {
  return new RLError(
    'env/non-finite',
    `Env '${envId}' (EnvRunner ${workerIndex}, sub-env ${bad.subEnv}) returned ${bad.field} = ${bad.value} ` +
      `from ${phase}(). A NaN/Inf observation or reward would make the loss and then the weights NaN. ` +
      `Fix the env so it returns finite numbers (clip or guard the value), or set ` +
      `restartFailedSubEnvironments = true (restart_failed_sub_environments) to restart such a sub-env ` +
      `and drop its partial episode.`,
  );
}
