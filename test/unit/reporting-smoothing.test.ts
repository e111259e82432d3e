/**
 * RLlib's reporting(metrics_num_episodes_for_smoothing=N): episode_return_mean is the mean of the
 * newest N episodes (a 10-episode bar like SAC's Pendulum one needs N = 10).
 */
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/algorithms/registry';
import { buildTinyPpo, tinyConfig } from './helpers/ppo-fixture';

describe('reporting.metricsNumEpisodesForSmoothing', () => {
  it('defaults to 100, takes RLlib names (flat and sectioned), and refuses values outside 1..100', () => {
    expect(checkConfig({}).config.reporting.metricsNumEpisodesForSmoothing).toBe(100);
    expect(checkConfig({ metrics_num_episodes_for_smoothing: 10 }).config.reporting).toEqual({
      metricsNumEpisodesForSmoothing: 10,
    });
    expect(checkConfig({ reporting: { metrics_num_episodes_for_smoothing: 5 } }).valid).toBe(true);
    for (const bad of [0, 101, 2.5]) {
      const { issues } = checkConfig({ metrics_num_episodes_for_smoothing: bad });
      expect(issues.some((i) => i.path === 'reporting.metricsNumEpisodesForSmoothing' && i.severity === 'error')).toBe(
        true,
      );
    }
  });

  it('episode_return_mean, min and max cover only the newest N episodes of the window', async () => {
    const { algo } = await buildTinyPpo(tinyConfig({ reporting: { metricsNumEpisodesForSmoothing: 3 } }));
    try {
      await algo.train();
      // Replace the window with known episodes: 1..20; the newest three are 18, 19, 20.
      algo.metrics.episodeReturns.length = 0;
      algo.metrics.episodeLengths.length = 0;
      algo.metrics.addEpisodes(
        Array.from({ length: 20 }, (_, i) => i + 1),
        Array.from({ length: 20 }, () => 7),
      );
      const result = await algo.train();
      const window = algo.metrics.episodeReturns.slice(-3);
      const expected = window.reduce((a, b) => a + b, 0) / 3;
      expect(result['env_runners/episode_return_mean']).toBeCloseTo(expected, 9);
      expect(result['env_runners/episode_return_min']).toBe(Math.min(...window));
      expect(result['env_runners/episode_return_max']).toBe(Math.max(...window));
    } finally {
      algo.stop();
    }
  });
});
