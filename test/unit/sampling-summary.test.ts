/**
 * The configuration panel's sampling sentence states what one iteration really samples: an
 * off-policy iteration (DQN, SAC) repeats short training steps until min_sample_timesteps_per_iteration,
 * so DQN's preset samples 5 env steps per round and 1,000 per iteration.
 */
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/algorithms/registry';
import { samplingSummary } from '../../src/app/sampling-summary';

function summary(input: Record<string, unknown>): string {
  const { spec, config, valid } = checkConfig(input, { hardwareConcurrency: 2 });
  expect(valid).toBe(true);
  return samplingSummary(spec.samplingLayout(config), config.envRunners);
}

describe('samplingSummary', () => {
  it("states DQN's real iteration: 200 training steps of 5 env steps", () => {
    expect(summary({ algo: 'DQN', preset: 'CartPole-v1:rllib' })).toBe(
      '1 runner (the page) × 1 env × 5 steps = 5 env steps per round; ' +
        '200 training steps (sample, update, weight sync) = 1,000 env steps per iteration.',
    );
    // A round that does not divide the minimum: whole training steps, at least the minimum.
    expect(
      summary({
        algo: 'DQN',
        preset: 'CartPole-v1:rllib',
        num_envs_per_env_runner: 3,
        min_sample_timesteps_per_iteration: 100,
      }),
    ).toMatch(/= 15 env steps per round; 7 training steps .* = 105 env steps per iteration\.$/);
  });

  it('counts rounds per training step with a training_intensity (one update per 3 rounds here)', () => {
    // 5 env steps per round, batch 32: native ratio 6.4; intensity 2 -> one update every 3 rounds.
    expect(summary({ algo: 'DQN', preset: 'CartPole-v1:rllib', training_intensity: 2 })).toMatch(
      /= 5 env steps per round; 67 training steps .* = 1,005 env steps per iteration\.$/,
    );
  });

  it('keeps one round per iteration for PPO, and counts A2C rounds up to its minimum', () => {
    expect(summary({ algo: 'PPO', preset: 'CartPole-v1' })).toBe(
      '2 runners × 8 envs × 64 steps = 1,024 env steps per round; 1,024 per iteration.',
    );
    expect(summary({ algo: 'A2C', preset: 'CartPole-v1' })).toMatch(
      /^1 runner \(the page\) × 16 envs × 8 steps = 128 env steps per round; 16 training steps .* = 2,048 env steps per iteration\.$/,
    );
  });
});
