/**
 * Ray Tune-style stop criteria: `{ 'env_runners/episode_return_mean': 450, num_env_steps_sampled_lifetime: 300000 }`.
 * A run stops when ANY criterion is met (result[key] >= value), like Tune's dict form. A return
 * mean counts only once it covers its whole window (metrics_num_episodes_for_smoothing episodes):
 * a mean over the first few, lucky, short episodes is not a trained policy.
 */
import {
  EPISODE_RETURN_MEAN,
  NUM_EPISODES_IN_RETURN_MEAN,
  RETURN_MEAN_WINDOW,
  type ResultDict,
} from '../core/metric-keys';
import {
  MIN_MODULE_EPISODE_RETURNS_MEAN,
  NUM_EPISODES_IN_MIN_MODULE_RETURNS_MEAN,
} from './multi-agent/multi-agent-windows';

/** Return means and the result key that says how many episodes each covers. */
const EPISODES_BEHIND: Readonly<Record<string, string>> = {
  [EPISODE_RETURN_MEAN]: NUM_EPISODES_IN_RETURN_MEAN,
  [MIN_MODULE_EPISODE_RETURNS_MEAN]: NUM_EPISODES_IN_MIN_MODULE_RETURNS_MEAN,
};

/** Whether a return mean in `result` covers its whole window (true for any other key). */
export function windowIsFull(result: ResultDict, key: string): boolean {
  const countKey = Object.hasOwn(EPISODES_BEHIND, key) ? EPISODES_BEHIND[key] : undefined;
  if (countKey === undefined) return true;
  const count = result[countKey];
  const window = result[RETURN_MEAN_WINDOW];
  return typeof count !== 'number' || typeof window !== 'number' || count >= window;
}

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
    if (typeof value === 'number' && Number.isFinite(value) && value >= threshold && windowIsFull(result, key)) {
      return key;
    }
  }
  return null;
}
