/**
 * Config layering, written once (app/compose-config.ts) for the CLI, the URL and the form: which
 * preset applies for each front end's request, the order of the layers, and the three front ends
 * agreeing on the config they describe the same way.
 */
import { describe, expect, it } from 'vitest';
import { AUTO_PRESET, checkConfig, getPreset, getSpec } from '../../src/algorithms/registry';
import { askedPreset, choosePreset, composeConfig, composeInput, resolvePresetId } from '../../src/app/compose-config';
import { buildUrlHash, parseUrlState } from '../../src/app/url-state';
import { parseSweep } from '../../src/tune/sweep';
import { parseArgs } from '../../src/cli/args';
import { planRun } from '../../src/cli/plan';
import { getPath, setPath } from '../../src/core/json-path';

const PPO = getSpec('PPO');
const SAC = getSpec('SAC');
const BC = getSpec('BC');

describe('choosePreset: one rule for every front end', () => {
  it('takes the preset asked for, or none when asked for none', () => {
    expect(choosePreset(PPO, { asked: 'CartPole-v1:cleanrl', env: 'Acrobot-v1' })).toEqual({
      id: 'CartPole-v1:cleanrl',
      reason: 'asked',
    });
    expect(choosePreset(PPO, { asked: null, env: 'CartPole-v1' }).id).toBeNull();
  });

  it("falls back to the config file's preset, then to the env's own, then to the automatic layout", () => {
    expect(choosePreset(PPO, { namedInFile: 'CartPole-v1', env: 'Acrobot-v1' }).reason).toBe('file');
    expect(choosePreset(PPO, { env: 'CartPole-v1' })).toEqual({ id: 'CartPole-v1', reason: 'env' });
    expect(choosePreset(getSpec('DQN'), { env: 'CartPole-v1' }).id).toBe('CartPole-v1');
    expect(choosePreset(PPO, { env: 'MultiAgentCartPole' }).id).toBe('MultiAgentCartPole');
    expect(choosePreset(SAC, { env: 'Acrobot-v1' }).id).toBe(AUTO_PRESET);
    expect(choosePreset(PPO, { env: 'SlowCartPole-v1' }).id).toBe(AUTO_PRESET);
    // An algorithm with neither (BC learns from files) keeps its plain defaults.
    expect(choosePreset(BC, { env: 'Acrobot-v1' }).id).toBeNull();
  });

  it('reads `none` and typed ids the same way wherever a preset is named', () => {
    expect(askedPreset(PPO, undefined)).toBeUndefined();
    expect(askedPreset(PPO, 'none')).toBeNull();
    expect(askedPreset(PPO, ' None ')).toBeNull();
    expect(askedPreset(PPO, 'cartpole:CleanRL')).toBe('CartPole-v1:cleanrl');
    expect(askedPreset(PPO, 'auto')).toBe(AUTO_PRESET);
  });

  it('keeps a resumed checkpoint as it is, apart from a preset asked for by name', () => {
    const resuming = { env: 'CartPole-v1', namedInFile: 'CartPole-v1', resuming: true };
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

describe('the CLI, the URL and a sweep compose the same run', () => {
  it('--preset X --lr Y and #preset=X&lr=Y build one config', () => {
    const plan = planRun(parseArgs(['--preset', 'CartPole-v1', '--lr', '0.01', '--num-env-runners', '2']));
    const url = parseUrlState('#preset=CartPole-v1&lr=0.01&num_env_runners=2');
    expect(url.issues).toEqual([]);
    expect(checkConfig(plan.configInput).config).toEqual(checkConfig(url.config).config);
    expect(plan.stop).toEqual(url.stop);
  });

  // The same keys with no preset named, through each way in: every one applies the env's preset
  // for the algorithm (or the automatic layout), never RLlib's plain defaults.
  // `keys` as typed on a command line or in a hash; `json` as a sweep file writes them.
  const CASES: {
    algo: string;
    env: string;
    keys: Record<string, string>;
    json?: Record<string, unknown>;
    preset: string;
  }[] = [
    { algo: 'PPO', env: 'CartPole-v1', keys: { lr: '0.002', seed: '3' }, preset: 'CartPole-v1' },
    {
      algo: 'PPO',
      env: 'MultiAgentCartPole',
      keys: { policies: 'p0,p1', policy_mapping_fn: '0=p0,1=p1', seed: '1' },
      json: { policies: ['p0', 'p1'], policy_mapping_fn: { 0: 'p0', 1: 'p1' }, seed: 1 },
      preset: 'MultiAgentCartPole',
    },
    { algo: 'DQN', env: 'CartPole-v1', keys: { lr: '0.001', seed: '2' }, preset: 'CartPole-v1' },
    { algo: 'IMPALA', env: 'CartPole-v1', keys: { seed: '2' }, preset: 'CartPole-v1' },
    { algo: 'SAC', env: 'Pendulum-v1', keys: { seed: '4' }, preset: 'Pendulum-v1' },
    { algo: 'PPO', env: 'SlowCartPole-v1', keys: { seed: '5' }, preset: AUTO_PRESET },
  ];
  for (const c of CASES) {
    it(`${c.algo} on ${c.env}: flags, hash and sweep agree, over preset ${c.preset}`, () => {
      const ctx = { hardwareConcurrency: 2 };
      const argv = ['--algo', c.algo, '--env', c.env];
      for (const [k, v] of Object.entries(c.keys)) argv.push(`--${k}`, v);
      const plan = planRun(parseArgs(argv));
      const hash = `#algo=${c.algo}&env=${c.env}&${Object.entries(c.keys)
        .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
        .join('&')}`;
      const url = parseUrlState(hash);
      expect(url.issues).toEqual([]);
      expect(url.presetId).toBe(c.preset);
      const values = c.json ?? Object.fromEntries(Object.entries(c.keys).map(([k, v]) => [k, Number(v)]));
      const { sweep, issues } = parseSweep({
        param_space: { algo: { grid_search: [c.algo] }, env: c.env, ...values },
      });
      expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
      const trial = composeInput(sweep!.trials[0]!.config);
      expect(trial.presetId).toBe(c.preset);
      const fromCli = checkConfig(plan.configInput, ctx).config;
      expect(checkConfig(url.config, ctx).config).toEqual(fromCli);
      expect(checkConfig(trial.input, ctx).config).toEqual(fromCli);
      // And not the plain defaults: the preset's own settings are there.
      expect(fromCli).not.toEqual(
        checkConfig(composeInput({ algo: c.algo, env: c.env, ...values, preset: 'none' }).input, ctx).config,
      );
    });
  }

  it('`none` asks for the plain defaults in every way in', () => {
    const plan = planRun(parseArgs(['--env', 'CartPole-v1', '--preset', 'none', '--seed', '1']));
    const url = parseUrlState('#env=CartPole-v1&preset=none&seed=1');
    const trial = composeInput({ env: 'CartPole-v1', preset: 'none', seed: 1 });
    expect(url.presetId).toBeNull();
    expect(trial.presetId).toBeNull();
    const fromCli = checkConfig(plan.configInput).config;
    expect(checkConfig(url.config).config).toEqual(fromCli);
    expect(checkConfig(trial.input).config).toEqual(fromCli);
    expect(fromCli.training).toEqual(PPO.defaults.training);
  });

  it('a hash written for a preset reads back the same config, whatever the preset', () => {
    for (const preset of ['CartPole-v1', 'CartPole-v1:cleanrl', AUTO_PRESET, null]) {
      const base = composeConfig(PPO, { env: 'CartPole-v1', preset }).config;
      const config = { ...base, training: { ...base.training, lr: 0.0123 } };
      const hash = buildUrlHash(config, {}, {}, preset);
      const back = parseUrlState(`#${hash}`);
      expect(back.presetId, hash).toBe(preset);
      expect(back.config, hash).toEqual(config);
    }
    // The rule's own preset is not written; a hash over it lists only what differs from it.
    const preset = composeConfig(PPO, { env: 'CartPole-v1', preset: 'CartPole-v1' }).config;
    expect(buildUrlHash({ ...preset, training: { ...preset.training, lr: 0.5 } }, {}, {}, 'CartPole-v1')).toBe(
      'lr=0.5',
    );
  });
});
