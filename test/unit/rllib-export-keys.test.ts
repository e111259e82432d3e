/**
 * Every config key of every registered algorithm is either mapped to an RLlib setter argument or
 * marked "no RLlib equivalent" with a reason: a key added to a config without an entry fails here.
 * The names are checked against what RLlib users type (our own alias tables, which are RLlib's
 * names) and against a few spelled out by hand from RLlib's sources.
 */
import { describe, expect, it } from 'vitest';
import { ALGORITHM_SPECS, getPreset, presetIds, type AnySpec } from '../../src/algorithms/registry';
import { configLeaves, rllibKeyFor, SHARED_RLLIB_KEYS } from '../../src/algorithms/rllib/rllib-mapping';
import { pyLiteral, rllibKeyMap } from '../../src/algorithms/rllib/rllib-python';
import { deepMerge } from '../../src/core/config';
import { resolveKeyPath } from '../../src/core/config-keys';

/** Mapped keys whose RLlib name is not (or not only) one of our aliases for the same path, and why. */
const NAME_DIFFERS: Readonly<Record<string, string>> = {
  'training.minSampleTimestepsPerIteration': 'reporting() in RLlib; our alias is the same name',
  'training.headFcnetHiddens': 'model_config entry',
  'training.headFcnetActivation': 'model_config entry',
  'training.policyModelConfig.fcnetHiddens': "RLlib's new stack: model_config.fcnet_hiddens",
  'training.policyModelConfig.fcnetActivation': "RLlib's new stack: model_config.fcnet_activation",
};

describe.each(ALGORITHM_SPECS.map((s) => [s.name, s] as const))('%s RLlib key map', (_name, spec: AnySpec) => {
  it('has an RLlib mapping', () => {
    expect(spec.rllib, `${spec.name} needs an rllib table in its spec`).toBeDefined();
  });

  it('maps or explicitly excludes every key of its defaults and of every preset', () => {
    const mapping = spec.rllib!;
    const configs = [
      spec.defaults,
      ...presetIds(spec).map((id) => deepMerge(spec.defaults, getPreset(spec, id).config)),
    ];
    for (const config of configs) {
      const unmapped = configLeaves(config)
        .filter((p) => p !== 'algo')
        .filter((p) => rllibKeyFor(mapping, p) === undefined);
      expect(unmapped, `keys of ${spec.name} without an RLlib entry`).toEqual([]);
    }
  });

  it("uses RLlib's names: each mapped name resolves to the same key through our RLlib alias table", () => {
    const mapping = spec.rllib!;
    for (const path of configLeaves(spec.defaults).filter((p) => p !== 'algo')) {
      const key = rllibKeyFor(mapping, path)!;
      if ('none' in key) {
        expect(key.none.length, `${path}: say why RLlib has none`).toBeGreaterThan(20);
        continue;
      }
      if (Object.hasOwn(NAME_DIFFERS, path) || key.method === 'model_config' || key.method === 'environment') continue;
      expect(resolveKeyPath(key.name, spec), `${path} -> ${key.method}(${key.name})`).toBe(path);
    }
  });

  it('writes every mapped value as a Python literal', () => {
    for (const { rllib } of rllibKeyMap(spec.defaults, spec.rllib!))
      if (!('none' in rllib)) expect(() => pyLiteral(rllib.value)).not.toThrow();
  });
});

describe('RLlib key map', () => {
  it("spells RLlib's setters' argument names as RLlib's sources do", () => {
    const ppo = ALGORITHM_SPECS.find((s) => s.name === 'PPO')!.rllib!;
    const spot: [string, string, string][] = [
      ['training.lambda', 'training', 'lambda_'],
      ['training.numEpochs', 'training', 'num_epochs'],
      ['envRunners.numEnvsPerEnvRunner', 'env_runners', 'num_envs_per_env_runner'],
      ['faultTolerance.restartFailedEnvRunners', 'fault_tolerance', 'restart_failed_env_runners'],
      ['rlModule.fcnetHiddens', 'model_config', 'fcnet_hiddens'],
      ['learners.numGpusPerLearner', 'learners', 'num_gpus_per_learner'],
    ];
    for (const [path, method, name] of spot) expect(rllibKeyFor(ppo, path)).toMatchObject({ method, name });
  });

  it('fails loudly on a key nobody mapped', () => {
    const ppo = ALGORITHM_SPECS.find((s) => s.name === 'PPO')!;
    const withNewKey = { ...ppo.defaults, training: { ...ppo.defaults.training, brandNewKnob: 1 } };
    expect(() => rllibKeyMap(withNewKey, ppo.rllib!)).toThrow(/training\.brandNewKnob has no RLlib mapping/);
    expect(SHARED_RLLIB_KEYS['training.brandNewKnob']).toBeUndefined();
  });

  it('writes Python literals', () => {
    expect(pyLiteral({ a: [true, null, 3e-4], b: { $tuple: [2, 5] }, c: 'x"y' })).toBe(
      '{"a": [True, None, 0.0003], "b": (2, 5), "c": "x\\"y"}',
    );
  });
});
