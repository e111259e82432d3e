import { describe, expect, it } from 'vitest';
import { decodeConfigHash, encodeConfigHash } from '../../src/core/config-url';
import { mergeConfig } from '../../src/algorithms/algorithm-config';
import { PPO_DEFAULTS, ppo } from '../../src/algorithms/ppo/ppo-config';
import type { PPOConfig } from '../../src/algorithms/ppo/ppo-config';
import { PPO_SPEC } from '../../src/algorithms/ppo/ppo-spec';

function roundTrip(cfg: PPOConfig): PPOConfig {
  const { partial, issues } = decodeConfigHash(`#${encodeConfigHash(cfg, PPO_SPEC)}`, PPO_SPEC);
  expect(issues).toEqual([]);
  return mergeConfig(PPO_DEFAULTS, partial);
}

describe('config URL hash', () => {
  it('writes nothing for the defaults', () => {
    expect(encodeConfigHash(PPO_DEFAULTS, PPO_SPEC)).toBe('');
    expect(roundTrip(PPO_DEFAULTS)).toEqual(PPO_DEFAULTS);
  });

  it('writes only changed settings, with readable RLlib names', () => {
    const cfg = ppo()
      .envRunners({ numEnvRunners: 4 })
      .rlModule({ fcnetHiddens: [64, 64] })
      .training({ lr: 3e-4, lambda: 0.95 })
      .toConfig();
    expect(encodeConfigHash(cfg, PPO_SPEC)).toBe('num_env_runners=4&fcnet_hiddens=64,64&lr=0.0003&lambda=0.95');
  });

  it('round-trips every kind of value', () => {
    const cfg = ppo()
      .environment('Pendulum-v1', { g: 9.81, label: 'a b&c' })
      .envRunners({ numEnvRunners: 0, numEnvsPerEnvRunner: 4, rolloutFragmentLength: 128, explore: false })
      .envRunners({ batchMode: 'complete_episodes' })
      .learners({ numGpusPerLearner: 0 })
      .rlModule({ fcnetHiddens: [32], fcnetActivation: 'relu', vfShareLayers: true })
      .training({
        lr: [
          [0, 2.5e-4],
          [500_000, 0],
        ],
        gradClip: 0.5,
        gamma: 0.999,
      })
      .faultTolerance({ delayBetweenEnvRunnerRestartsS: 0.25 })
      .debugging({ seed: 42 })
      .toConfig();
    const hash = encodeConfigHash(cfg, PPO_SPEC);
    expect(hash).toContain('lr=0:0.00025,500000:0');
    expect(hash).toContain('env=Pendulum-v1');
    expect(roundTrip(cfg)).toEqual(cfg);
    // Changing back to a default (null seed, empty hiddens edge) also round-trips.
    const empty = ppo().rlModule({ fcnetHiddens: [] }).environment({ maxEpisodeSteps: 200 }).toConfig();
    expect(roundTrip(empty)).toEqual(empty);
  });

  it('accepts old-stack and camelCase names and bare flags when decoding', () => {
    const { partial, issues } = decodeConfigHash(
      'num_workers=3&numEnvsPerEnvRunner=2&sgd_minibatch_size=64&explore&num_gpus=auto',
      PPO_SPEC,
    );
    expect(issues).toEqual([]);
    expect(partial).toEqual({
      envRunners: { numEnvRunners: 3, numEnvsPerEnvRunner: 2, explore: true },
      training: { minibatchSize: 64 },
      learners: { numGpusPerLearner: 'auto' },
    });
  });

  it('reports unknown keys and bad escapes, keeps the rest', () => {
    const { partial, issues } = decodeConfigHash('#lr=0.001&num_env_runner=2&bad=%E0%A4%A', PPO_SPEC);
    expect(partial).toEqual({ training: { lr: 0.001 } });
    expect(issues.map((i) => i.path)).toEqual(['bad=%E0%A4%A', 'num_env_runner']);
    expect(issues[1]!.message).toMatch(/did you mean 'num_env_runners'/);
  });

  it('leaves invalid values for validate() to report', () => {
    const { partial } = decodeConfigHash('gamma=high', PPO_SPEC);
    const issues = ppo().fromJson(partial).validate();
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['training.gamma', "gamma must be a finite number, got 'high'."],
    ]);
  });
});
