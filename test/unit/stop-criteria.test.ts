/**
 * Issue 27 item 15: a reward stop criterion counts only once the return mean covers its whole
 * window (metrics_num_episodes_for_smoothing episodes). Before, a mean over the first 4 lucky,
 * short episodes of a user env "reached" its threshold after one iteration.
 */
import { describe, expect, it } from 'vitest';
import { metStopCriterion, windowIsFull } from '../../src/algorithms/stop-criteria';
import {
  MIN_MODULE_EPISODE_RETURNS_MEAN,
  NUM_EPISODES_IN_MIN_MODULE_RETURNS_MEAN,
} from '../../src/algorithms/multi-agent/multi-agent-windows';
import {
  EPISODE_RETURN_MEAN,
  NUM_ENV_STEPS_SAMPLED_LIFETIME,
  NUM_EPISODES_IN_RETURN_MEAN,
  RETURN_MEAN_WINDOW,
} from '../../src/core/metric-keys';
import { buildTinyPpo, tinyConfig } from './helpers/ppo-fixture';

describe('reward stop criteria wait for a full window', () => {
  const stop = { [EPISODE_RETURN_MEAN]: 0.6, [NUM_ENV_STEPS_SAMPLED_LIFETIME]: 1_000_000 };

  it('a mean over 4 of 100 episodes stops nothing; over 100 it does', () => {
    const early = { [EPISODE_RETURN_MEAN]: 0.9, [NUM_EPISODES_IN_RETURN_MEAN]: 4, [RETURN_MEAN_WINDOW]: 100 };
    expect(windowIsFull(early, EPISODE_RETURN_MEAN)).toBe(false);
    expect(metStopCriterion(early, stop)).toBeNull();
    expect(metStopCriterion({ ...early, [NUM_EPISODES_IN_RETURN_MEAN]: 100 }, stop)).toBe(EPISODE_RETURN_MEAN);
    // Other criteria are not held back by the window.
    expect(metStopCriterion({ ...early, [NUM_ENV_STEPS_SAMPLED_LIFETIME]: 2_000_000 }, stop)).toBe(
      NUM_ENV_STEPS_SAMPLED_LIFETIME,
    );
  });

  it("multi-agent: the lowest module's mean counts once every module's window is full", () => {
    const result = {
      [MIN_MODULE_EPISODE_RETURNS_MEAN]: 480,
      [NUM_EPISODES_IN_MIN_MODULE_RETURNS_MEAN]: 30,
      [RETURN_MEAN_WINDOW]: 100,
    };
    expect(metStopCriterion(result, { [MIN_MODULE_EPISODE_RETURNS_MEAN]: 450 })).toBeNull();
    expect(
      metStopCriterion(
        { ...result, [NUM_EPISODES_IN_MIN_MODULE_RETURNS_MEAN]: 100 },
        { [MIN_MODULE_EPISODE_RETURNS_MEAN]: 450 },
      ),
    ).toBe(MIN_MODULE_EPISODE_RETURNS_MEAN);
  });

  it('every result says how many episodes its mean covers, and the window', async () => {
    const { algo } = await buildTinyPpo(tinyConfig({ reporting: { metricsNumEpisodesForSmoothing: 20 } }));
    try {
      const r = await algo.train();
      expect(r[RETURN_MEAN_WINDOW]).toBe(20);
      expect(r[NUM_EPISODES_IN_RETURN_MEAN]).toBe(Math.min(20, Number(r['env_runners/num_episodes_lifetime'])));
    } finally {
      algo.stop();
    }
  });
});
