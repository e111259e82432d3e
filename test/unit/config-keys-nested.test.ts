/** RLlib's dotted names for nested settings (`replay_buffer_config.capacity`) resolve to three-level paths. */
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/algorithms/registry';

describe('nested config keys', () => {
  it('replay_buffer_config.capacity sets only the capacity and keeps the other replay settings', () => {
    for (const input of [
      { algo: 'DQN', 'replay_buffer_config.capacity': 5000 },
      { algo: 'DQN', 'training.replayBufferConfig.capacity': 5000 },
      { algo: 'DQN', training: { replay_buffer_config: { capacity: 5000 } } },
    ]) {
      const { config, issues } = checkConfig(input);
      expect(issues, JSON.stringify(input)).toEqual([]);
      expect((config.training as unknown as { replayBufferConfig: object }).replayBufferConfig).toEqual({
        type: 'PrioritizedEpisodeReplayBuffer',
        capacity: 5000,
        alpha: 0.6,
        beta: 0.4,
      });
    }
  });

  it('a misspelt nested name is reported with a suggestion', () => {
    const { issues } = checkConfig({ algo: 'DQN', 'replay_buffer_config.capacty': 5000 });
    expect(issues.map((i) => i.severity)).toContain('error');
  });
});
