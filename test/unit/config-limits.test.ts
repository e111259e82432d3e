import { describe, expect, it } from 'vitest';
import { ppo, PPO_DEFAULTS } from '../../src/algorithms/ppo/ppo-config';
import { getSpec, resolveConfig } from '../../src/algorithms/registry';
import { parseUrlState } from '../../src/app/url-state';
import { mergeConfig } from '../../src/algorithms/algorithm-config';
import { machineWarnings, modelParameterCount } from '../../src/core/config-limits';
import { ConfigError } from '../../src/core/errors';

const issuesOf = (input: unknown, ctx = {}): { path: string; message: string; severity: string }[] =>
  ppo().fromJson(input).validate(ctx);
const errorAt = (input: unknown, path: string): string =>
  issuesOf(input).find((i) => i.path === path && i.severity === 'error')?.message ?? '(no error)';

describe('size limits: what a tab can build', () => {
  it('num_env_runners=100000 is refused, naming the limit and why', () => {
    expect(errorAt({ num_env_runners: 100000 }, 'envRunners.numEnvRunners')).toMatch(
      /numEnvRunners \(100,000\) is more than the limit of 64: each runner is a Web Worker/,
    );
    expect(() => resolveConfig({ num_env_runners: 100000 })).toThrow(ConfigError);
    expect(errorAt({ num_env_runners: 64 }, 'envRunners.numEnvRunners')).toBe('(no error)');
  });

  it('fcnet_hiddens=100000,100000 is refused with the parameter count and memory', () => {
    expect(errorAt({ fcnet_hiddens: [100000, 100000] }, 'rlModule.fcnetHiddens')).toMatch(
      /at least 2\.0e\+10 parameters \(~320,013 MB on the page.*limit is 50,000,000 parameters \(~800 MB\)/,
    );
    expect(errorAt({ fcnet_hiddens: [1024, 1024] }, 'rlModule.fcnetHiddens')).toBe('(no error)');
    expect(errorAt({ fcnet_hiddens: Array(40).fill(8) }, 'rlModule.fcnetHiddens')).toMatch(/40 layers.*limit of 32/);
  });

  it('a run whose checkpoint would exceed its size limit is refused before it builds, for one module or many', () => {
    // [4096, 4096]: ~33.6 M parameters (under the 50 M limit), ~101 M values with Adam's moments.
    expect(errorAt({ fcnet_hiddens: [4096, 4096] }, 'rlModule.fcnetHiddens')).toMatch(
      /at least 33,5\d\d,\d{3} parameters; a checkpoint holds each with Adam's two moments, 100,\d{3},\d{3} values, more than the 67,108,864 \(256 MB\)/,
    );
    const ma = (n: number) => ({
      env: 'MultiAgentCartPole',
      fcnet_hiddens: [256, 256],
      policies: Array.from({ length: n }, (_, i) => `p${i}`),
      policy_mapping_fn: { '*': 'p0' },
    });
    expect(errorAt(ma(300), 'rlModule.fcnetHiddens')).toMatch(/x 300 modules .* fewer modules \(policies\)/);
    expect(errorAt(ma(100), 'rlModule.fcnetHiddens')).toBe('(no error)');
  });

  it('envs per runner, fragment length and batch size have limits too', () => {
    expect(errorAt({ num_envs_per_env_runner: 5000 }, 'envRunners.numEnvsPerEnvRunner')).toMatch(/limit of 4096/);
    expect(errorAt({ rollout_fragment_length: 200000 }, 'envRunners.rolloutFragmentLength')).toMatch(
      /limit of 100,000/,
    );
    expect(
      errorAt({ rollout_fragment_length: 10000, num_envs_per_env_runner: 1000 }, 'envRunners.rolloutFragmentLength'),
    ).toMatch(/10,000,000 env steps per sample call, more than the limit of 1,000,000/);
    expect(errorAt({ train_batch_size: 1e8 }, 'training.trainBatchSizePerLearner')).toMatch(/limit of 1,000,000/);
  });

  it('counts parameters like the MLP module: two torsos unless shared, plus both heads', () => {
    // CartPole [64, 64]: pi 4*64+64 + 64*64+64 + 64*2+2, vf the same torso + 64+1.
    expect(modelParameterCount({ fcnetHiddens: [64, 64], vfShareLayers: false }, 4, 2)).toBe(
      2 * (4 * 64 + 64 + 64 * 64 + 64) + (64 * 2 + 2) + (64 + 1),
    );
  });

  it('machine warnings: more runners than cores, or a large model', () => {
    const cfg = mergeConfig(PPO_DEFAULTS, {
      envRunners: { numEnvRunners: 16 },
      rlModule: { fcnetHiddens: [2048, 2048] },
    });
    const warnings = machineWarnings(cfg, { hardwareConcurrency: 4 });
    expect(warnings.map((w) => w.path)).toEqual(['envRunners.numCpusPerEnvRunner', 'rlModule.fcnetHiddens']);
    expect(warnings[0]!.message).toMatch(
      /asks for 17 CPUs \(numCpusForMainProcess \(1\) \+ numEnvRunners \(16\) x numCpusPerEnvRunner \(1\)\).* is 4/,
    );
    expect(warnings[1]!.message).toMatch(/large model: at least 8,4\d\d,\d{3} parameters \(~\d+ MB/);
    expect(machineWarnings(PPO_DEFAULTS, { hardwareConcurrency: 4 })).toEqual([]);
  });

  it('a URL with num_env_runners=100000 is parsed but does not validate', () => {
    const state = parseUrlState('#num_env_runners=100000&fcnet_hiddens=100000,100000&autostart=1');
    expect(state.autostart).toBe(true);
    // The page's builder (PPO's spec): its configs carry the multiAgent section.
    const errors = getSpec('PPO')
      .builder()
      .fromJson(state.config)
      .validate()
      .filter((i) => i.severity === 'error');
    expect(errors.map((e) => e.path).sort()).toEqual(['envRunners.numEnvRunners', 'rlModule.fcnetHiddens']);
  });
});
