/**
 * The multi-agent config where it enters: `npm run train` flags, the page's URL hash and JSON,
 * each validated with every problem at once, and the way back (URL written from a config).
 */
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/algorithms/registry';
import { MIN_MODULE_EPISODE_RETURNS_MEAN } from '../../src/algorithms/multi-agent/multi-agent-windows';
import { buildUrlHash, parseUrlState } from '../../src/app/url-state';
import { parseArgs } from '../../src/cli/args';
import { planRun } from '../../src/cli/plan';

const messages = (issues: readonly { path: string; message: string }[]): string =>
  issues.map((i) => `${i.path}: ${i.message}`).join('\n');

describe('npm run train flags', () => {
  it('--policies and --policy-mapping become multiAgent; --stop-reward stops on every module', () => {
    const opts = parseArgs([
      '--env',
      'MultiAgentCartPole',
      '--policies',
      'p0,p1',
      '--policy-mapping',
      '0=p0,1=p1',
      '--policies-to-train',
      'p0',
      '--stop-reward',
      '450',
      '--out',
      '/tmp/never-written',
    ]);
    const plan = planRun(opts);
    expect(plan.algo).toBe('PPO');
    expect(plan.configInput['multiAgent']).toEqual({
      policies: ['p0', 'p1'],
      policyMappingFn: { '0': 'p0', '1': 'p1' },
      policiesToTrain: ['p0'],
    });
    expect(plan.returnKey).toBe(MIN_MODULE_EPISODE_RETURNS_MEAN);
    expect(plan.stop[MIN_MODULE_EPISODE_RETURNS_MEAN]).toBe(450);
    expect(plan.stop['env_runners/episode_return_mean']).toBeUndefined();
    expect(plan.presetNote).toMatch(/preset 'MultiAgentCartPole'/);
    const check = checkConfig(plan.configInput);
    expect(check.issues).toEqual([]);
  });

  it('RLlib snake_case JSON works as a config file would give it', () => {
    const check = checkConfig({
      env: 'MultiAgentCartPole',
      multi_agent: { policies: ['a', 'b'], policy_mapping_fn: { '0': 'a', '*': 'b' }, policies_to_train: null },
      num_env_runners: 1,
    });
    expect(check.valid).toBe(true);
    expect(check.config.envRunners.numEnvRunners).toBe(1); // runners in Web Workers
  });
});

describe('the URL hash', () => {
  it('round-trips the multi-agent settings, readable', () => {
    const state = parseUrlState(
      '#env=MultiAgentCartPole&policies=p0,p1&policy_mapping_fn=0%3Dp0,1%3Dp1&stop_module_reward=450',
    );
    expect(state.issues).toEqual([]);
    const config = state.config as unknown as { multiAgent: unknown };
    expect(config.multiAgent).toEqual({
      policies: ['p0', 'p1'],
      policyMappingFn: { '0': 'p0', '1': 'p1' },
      policiesToTrain: null,
      stackModules: true,
      splitAgentsAcrossEnvRunners: false,
    });
    expect(state.stop).toEqual({ [MIN_MODULE_EPISODE_RETURNS_MEAN]: 450 });
    const hash = buildUrlHash(state.config!, state.stop!);
    expect(hash).toContain('policies=p0,p1');
    expect(hash).toContain('policy_mapping_fn=0%3Dp0,1%3Dp1');
    expect(parseUrlState(`#${hash}`).config).toEqual(state.config);
  });

  it('a bad multi-agent config reports every problem at once, naming the setting', () => {
    const state = parseUrlState(
      '#env=MultiAgentCartPole&policies=p0,p0,bad/id&policy_mapping_fn=0%3Dp9&policies_to_train=zz&num_learners=1&stack_modules=false',
    );
    const check = checkConfig(state.config);
    const text = messages(check.issues);
    expect(check.valid).toBe(false);
    expect(text).toMatch(/multiAgent.policies: policies lists a module id twice/);
    expect(text).toMatch(/multiAgent.policies: module id "bad\/id" must be/);
    expect(text).toMatch(/multiAgent.policyMappingFn: pattern "0" maps to "p9"/);
    expect(text).toMatch(/multiAgent.policiesToTrain: "zz" is not in policies/);
    expect(text).toMatch(/multiAgent.stackModules: with numLearners 1 each learner worker trains a stack of modules/);
  });

  it('several policies without a mapping, or a mapping on a single-agent env, say what to set', () => {
    const noMap = checkConfig({ env: 'MultiAgentCartPole', policies: ['p0', 'p1'] });
    expect(messages(noMap.issues)).toMatch(/multiAgent.policyMappingFn: with 2 policies .* --policy-mapping 0=p0,1=p1/);
    const single = checkConfig({ env: 'CartPole-v1', policies: ['p0'], policy_mapping_fn: { '*': 'p0' } });
    expect(messages(single.issues)).toMatch(
      /multiAgent: .*'CartPole-v1' is single-agent; use one of MultiAgentCartPole/,
    );
    // A plain PPO config is untouched by the section's defaults.
    expect(checkConfig({ env: 'CartPole-v1' }).issues.filter((i) => i.severity === 'error')).toEqual([]);
  });
});
