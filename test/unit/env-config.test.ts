/**
 * Issue 27 item 13: an env's keyword arguments are checked like RLlib's gym.make checks them: a
 * key the env does not read is an error listing the ones it does, Gymnasium's snake_case keyword
 * works beside ours, and a value the env refuses is a config error before anything is built.
 */
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/algorithms/registry';
import { makeVectorEnv } from '../../src/envs';
import { makeMultiAgentVectorEnv } from '../../src/envs/multi-agent/registry';

const errors = (input: object): { path: string; message: string }[] =>
  checkConfig(input)
    .issues.filter((i) => i.severity === 'error')
    .map(({ path, message }) => ({ path, message }));

describe('env_config keys', () => {
  it("takes Gymnasium's keyword (sutton_barto_reward) and refuses a value the env does not take", () => {
    expect(errors({ env: 'CartPole-v1', env_config: { sutton_barto_reward: true } })).toEqual([]);
    expect(errors({ env: 'CartPole-v1', env_config: { sutton_barto_reward: 'yes' } })).toEqual([
      { path: 'environment.envConfig.suttonBartoReward', message: 'must be true or false, got "yes"' },
    ]);
  });

  it('refuses a misspelt key, naming the keys the env reads and a guess', () => {
    const [issue, ...rest] = errors({ env: 'CartPole-v1', env_config: { sutton_barto_rewards: true } });
    expect(rest).toEqual([]);
    expect(issue?.path).toBe('environment.envConfig.sutton_barto_rewards');
    expect(issue?.message).toContain("CartPole-v1 has no env_config key 'sutton_barto_rewards'");
    expect(issue?.message).toContain("did you mean 'suttonBartoReward'");
    expect(errors({ env: 'Acrobot-v1', env_config: { g: 9.8 } })[0]?.message).toContain('it takes no env_config keys');
  });

  it('applies the snake_case keyword when the env is built (the reward changes)', () => {
    const env = makeVectorEnv('CartPole-v1', { numEnvs: 1, seed: 0, envConfig: { sutton_barto_reward: true } });
    env.reset(0);
    env.step(Int32Array.of(0));
    expect(env.rewards[0]).toBe(0); // Sutton & Barto: 0 per step, -1 on failure; the default is +1
    expect(() =>
      makeVectorEnv('CartPole-v1', { numEnvs: 1, envConfig: { suttonBartoReward: true, sutton_barto_reward: false } }),
    ).toThrow(/given twice/);
  });

  it('checks multi-agent envs the same way', () => {
    expect(() => makeMultiAgentVectorEnv('MultiAgentCartPole', { numEnvs: 1, envConfig: { num_agent: 3 } })).toThrow(
      /did you mean 'numAgents'/,
    );
    expect(makeMultiAgentVectorEnv('MultiAgentCartPole', { numEnvs: 1, envConfig: { num_agents: 3 } }).maxAgents).toBe(
      3,
    );
  });

  it('passes a user env that declares no keys its config as given', () => {
    expect(errors({ env: 'GridWalk-v0', env_config: { anything: 1 } })).toEqual([]);
  });
});
