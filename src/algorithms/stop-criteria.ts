/**
 * Ray Tune-style stop criteria: `{ 'env_runners/episode_return_mean': 450, num_env_steps_sampled_lifetime: 300000 }`.
 * A run stops when ANY criterion is met (result[key] >= value), like Tune's dict form.
 */
import type { ResultDict } from '../core/metric-keys';

export type StopCriteria = Readonly<Record<string, number>>;

/** Short names accepted for convenience (RLlib example scripts' flags). */
const ALIASES: Readonly<Record<string, string>> = {
  reward: 'env_runners/episode_return_mean',
  episode_return_mean: 'env_runners/episode_return_mean',
  timesteps: 'num_env_steps_sampled_lifetime',
  iters: 'training_iteration',
  time_s: 'time_total_s',
};

export function normalizeStopCriteria(stop: Readonly<Record<string, number>>): StopCriteria {
  return Object.fromEntries(Object.entries(stop).map(([k, v]) => [ALIASES[k] ?? k, v]));
}

/** The first criterion the result meets, or null. */
export function metStopCriterion(result: ResultDict, stop: StopCriteria): string | null {
  for (const [key, threshold] of Object.entries(stop)) {
    const value = result[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= threshold) return key;
  }
  return null;
}
