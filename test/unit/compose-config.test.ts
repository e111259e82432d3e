/**
 * Config layering, written once (app/compose-config.ts) for the CLI, the URL and the form: which
 * preset applies for each front end's request, the order of the layers, and the three front ends
 * agreeing on the config they describe the same way.
 */
import { describe, expect, it } from 'vitest';
import { AUTO_PRESET, checkConfig, getPreset, getSpec } from '../../src/algorithms/registry';
import { choosePreset, composeConfig, resolvePresetId } from '../../src/app/compose-config';
import { parseUrlState } from '../../src/app/url-state';
import { parseArgs } from '../../src/cli/args';
import { planRun } from '../../src/cli/plan';
import { getPath, setPath } from '../../src/core/json-path';

const PPO = getSpec('PPO');
const SAC = getSpec('SAC');
const BC = getSpec('BC');

describe('choosePreset', () => {
  it('takes the preset asked for, or none when asked for none', () => {
    expect(choosePreset(PPO, { asked: 'CartPole-v1:cleanrl', env: 'Acrobot-v1' })).toEqual({
      id: 'CartPole-v1:cleanrl',
      reason: 'asked',
    });
    expect(choosePreset(PPO, { asked: null, env: 'CartPole-v1', fallBackToEnv: true }).id).toBeNull();
  });

  it("falls back to the config file's preset, then to the env's own or the automatic layout", () => {
    expect(choosePreset(PPO, { namedInFile: 'CartPole-v1', env: 'Acrobot-v1' }).reason).toBe('file');
    expect(choosePreset(PPO, { env: 'CartPole-v1', fallBackToEnv: true })).toEqual({
      id: 'CartPole-v1',
      reason: 'env',
    });
    expect(choosePreset(SAC, { env: 'Acrobot-v1', fallBackToEnv: true }).id).toBe(AUTO_PRESET);
    expect(choosePreset(BC, { env: 'Acrobot-v1', fallBackToEnv: true }).id).toBeNull();
    // The URL takes only the preset it names.
    expect(choosePreset(PPO, { env: 'CartPole-v1' }).id).toBeNull();
  });

  it('keeps a resumed checkpoint as it is, apart from a preset asked for by name', () => {
    const resuming = { env: 'CartPole-v1', fallBackToEnv: true, namedInFile: 'CartPole-v1', resuming: true };
    expect(choosePreset(PPO, resuming).id).toBeNull();
    expect(choosePreset(PPO, { ...resuming, asked: AUTO_PRESET }).id).toBeNull();
    expect(choosePreset(PPO, { ...resuming, asked: 'CartPole-v1' }).id).toBe('CartPole-v1');
  });

  it('reads preset ids as typed on a command line', () => {
    expect(resolvePresetId(PPO, 'cartpole:CleanRL')).toBe('CartPole-v1:cleanrl');
    expect(resolvePresetId(PPO, 'nope')).toBe('nope');
  });
});

describe('composeConfig', () => {
  it('stacks defaults, preset, config file and overrides, the last one winning', () => {
    const { config, presetId, presetStop } = composeConfig(PPO, {
      preset: 'CartPole-v1',
      file: { training: { lr: 0.1, gamma: 0.5 } },
      overrides: { training: { lr: 0.2 } },
    });
    expect(presetId).toBe('CartPole-v1');
    expect(presetStop).toEqual(getPreset(PPO, 'CartPole-v1').stop);
    expect(config.training).toMatchObject({ lr: 0.2, gamma: 0.5, numEpochs: 6 });
    expect(config.envRunners).toEqual({
      ...PPO.defaults.envRunners,
      ...getPreset(PPO, 'CartPole-v1').config.envRunners,
    });
  });

  it('merges nested settings key by key (a preset replay buffer keeps its type under a capacity flag)', () => {
    const overrides: Record<string, unknown> = {};
    setPath(overrides, 'training.replayBufferConfig.capacity', 5);
    const { config } = composeConfig(SAC, { preset: 'Pendulum-v1', overrides });
    expect(getPath(config, 'training.replayBufferConfig')).toEqual({
      ...(getPath(SAC.defaults, 'training.replayBufferConfig') as object),
      type: 'EpisodeReplayBuffer',
      capacity: 5,
    });
  });

  it('without a preset, starts from the defaults for the env', () => {
    const { config, presetId } = composeConfig(PPO, { env: 'Acrobot-v1', preset: null });
    expect(presetId).toBeNull();
    expect(config.environment.env).toBe('Acrobot-v1');
    expect(config.training).toEqual(PPO.defaults.training);
  });

  it('goes on from a full config, and leaves the automatic layout to the page for a partial one', () => {
    const base = composeConfig(PPO, { preset: 'CartPole-v1' }).config;
    expect(composeConfig(PPO, { base, overrides: { training: { lr: 1 } } }).config).toEqual({
      ...base,
      training: { ...base.training, lr: 1 },
    });
    expect(composeConfig(PPO, { base: 'partial', preset: AUTO_PRESET, file: { seed: 1 } }).config).toEqual({
      preset: AUTO_PRESET,
      seed: 1,
    });
    const sized = composeConfig(SAC, { env: 'Acrobot-v1', preset: AUTO_PRESET, context: { hardwareConcurrency: 4 } });
    expect(sized.presetId).toBe(AUTO_PRESET);
    expect(sized.config.environment.env).toBe('Acrobot-v1');
  });

  it('names the algorithm and its presets for an unknown preset', () => {
    expect(() => composeConfig(PPO, { preset: 'nope' })).toThrow(/No PPO preset 'nope'\. Available: .*CartPole-v1/);
  });
});

describe('the CLI and the URL compose the same run', () => {
  it('--preset X --lr Y and #preset=X&lr=Y build one config', () => {
    const plan = planRun(parseArgs(['--preset', 'CartPole-v1', '--lr', '0.01', '--num-env-runners', '2']));
    const url = parseUrlState('#preset=CartPole-v1&lr=0.01&num_env_runners=2');
    expect(url.issues).toEqual([]);
    expect(checkConfig(plan.configInput).config).toEqual(checkConfig(url.config).config);
    expect(plan.stop).toEqual(url.stop);
  });
});
