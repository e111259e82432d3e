import { describe, expect, it } from 'vitest';
import { deepEqual, deepMerge } from '../../src/core/config';
import { lrAt } from '../../src/learner/lr-schedule';
import { validateBase } from '../../src/core/config-validation';
import type { ValidationContext } from '../../src/core/config-validation';
import { coerceValue, normalizeConfigInput, resolveKeyPath } from '../../src/core/config-keys';
import { ConfigError } from '../../src/core/errors';
import type { ConfigIssue } from '../../src/core/errors';
import { resolveConfig } from '../../src/algorithms/registry';
import { PPO_SPEC } from '../../src/algorithms/ppo/ppo-spec';
import { AlgorithmConfigBuilder } from '../../src/algorithms/algorithm-config';
import { PPO_DEFAULTS, derivedSizes, ppo, validatePPOConfig } from '../../src/algorithms/ppo/ppo-config';
import type { PPOConfig } from '../../src/algorithms/ppo/ppo-config';

const ENVS = ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1'];
const CTX: ValidationContext = { hardwareConcurrency: 8, webGpuAvailable: true, knownEnvIds: ENVS };

function byPath(issues: readonly ConfigIssue[], path: string): ConfigIssue | undefined {
  return issues.find((i) => i.path === path);
}

describe('PPO defaults', () => {
  it("match RLlib's PPOConfig (ppo.py) and AlgorithmConfig (algorithm_config.py)", () => {
    expect(PPO_DEFAULTS.training).toEqual({
      lr: 5e-5,
      gamma: 0.99,
      lambda: 1.0,
      clipParam: 0.3,
      vfClipParam: 10.0,
      vfLossCoeff: 1.0,
      entropyCoeff: 0.0,
      useKlLoss: true,
      klCoeff: 0.2,
      klTarget: 0.01,
      numEpochs: 30,
      minibatchSize: 128,
      trainBatchSizePerLearner: 4000,
      gradClip: null,
      gradClipBy: 'global_norm',
      shuffleBatchPerEpoch: true,
      maxConsecutiveNonFiniteUpdates: 10,
      sampleAsync: false,
      adamEpsilon: 1e-8,
    });
    expect(PPO_DEFAULTS.envRunners).toMatchObject({
      numEnvRunners: 2,
      rolloutFragmentLength: 'auto',
      sampleTimeoutS: 60,
      remoteWorkerEnvs: false,
      remoteEnvBatchWaitMs: 0,
    });
    expect(PPO_DEFAULTS.faultTolerance).toMatchObject({
      maxNumEnvRunnerRestarts: 1000,
      delayBetweenEnvRunnerRestartsS: 1,
    });
    expect(PPO_DEFAULTS.learners.numGpusPerLearner).toBe('auto');
    expect(validatePPOConfig(PPO_DEFAULTS, CTX)).toEqual([]);
  });
});

describe('validate()', () => {
  it('returns every problem at once, each with its path, the offending value and a fix', () => {
    const builder = ppo()
      .environment('CartPol-v1')
      .learners({ numLearners: 17, numGpusPerLearner: 1 })
      .training({ minibatchSize: 512, trainBatchSizePerLearner: 256, gamma: 1.5 })
      .faultTolerance({ ignoreEnvRunnerFailures: true, restartFailedEnvRunners: true })
      .fromJson({ num_env_runner: 4 });
    const issues = builder.validate({ ...CTX, webGpuAvailable: false });
    const errors = issues.filter((i) => i.severity === 'error');
    expect(errors.map((i) => i.path).sort()).toEqual(
      [
        'environment.env',
        'faultTolerance.ignoreEnvRunnerFailures',
        'learners.numGpusPerLearner',
        'learners.numLearners',
        'num_env_runner',
        'training.gamma',
        'training.minibatchSize',
      ].sort(),
    );
    expect(byPath(issues, 'environment.env')?.message).toMatch(
      /unknown env 'CartPol-v1' \(did you mean 'CartPole-v1'\?\)/,
    );
    expect(byPath(issues, 'environment.env')?.message).toContain('Pendulum-v1');
    expect(byPath(issues, 'faultTolerance.ignoreEnvRunnerFailures')?.message).toMatch(
      /set ignoreEnvRunnerFailures = false/,
    );
    expect(byPath(issues, 'learners.numGpusPerLearner')?.message).toMatch(
      /no WebGPU adapter.*Set numGpusPerLearner to 0.*'auto'/,
    );
    expect(byPath(issues, 'learners.numLearners')?.message).toMatch(/numLearners \(17\) must be <= 16/);
    expect(byPath(issues, 'training.minibatchSize')?.message).toBe(
      'minibatchSize (512) must be <= trainBatchSizePerLearner (256); PPO splits each batch into minibatches. ' +
        'Lower minibatchSize or raise trainBatchSizePerLearner.',
    );
    expect(byPath(issues, 'training.gamma')?.message).toBe('gamma (1.5) must be >= 0 and <= 1.');
    expect(byPath(issues, 'num_env_runner')?.message).toMatch(/did you mean 'num_env_runners'/);
  });

  it('reports wrong types and values with the value given', () => {
    const cfg = ppo()
      .fromJson({
        envRunners: { numEnvsPerEnvRunner: 2.5, rolloutFragmentLength: 0, batchMode: 'episodes' },
        rlModule: { fcnetHiddens: [64, -1], fcnetActivation: 'gelu' },
        training: { clipParam: 0, numEpochs: '4', gradClip: -1 },
        debugging: { seed: 1.5 },
      })
      .validate(CTX);
    expect(byPath(cfg, 'envRunners.numEnvsPerEnvRunner')?.message).toBe(
      'numEnvsPerEnvRunner must be an integer >= 1, got 2.5.',
    );
    expect(byPath(cfg, 'envRunners.rolloutFragmentLength')?.message).toBe('rolloutFragmentLength (0) must be >= 1.');
    expect(byPath(cfg, 'envRunners.batchMode')?.message).toContain("got 'episodes'");
    expect(byPath(cfg, 'rlModule.fcnetHiddens.1')?.message).toBe('fcnetHiddens[1] (-1) must be >= 1.');
    expect(byPath(cfg, 'rlModule.fcnetActivation')?.message).toContain("'tanh', 'relu'");
    expect(byPath(cfg, 'training.clipParam')?.message).toBe('clipParam (0) must be > 0.');
    expect(byPath(cfg, 'training.numEpochs')?.message).toBe("numEpochs must be an integer >= 1, got '4'.");
    expect(byPath(cfg, 'training.gradClip')).toBeDefined();
    expect(byPath(cfg, 'debugging.seed')).toBeDefined();
  });

  it('warns when runners exceed the cores, naming both numbers and the alternative', () => {
    const cfg = ppo().envRunners({ numEnvRunners: 6 }).toConfig();
    const issues = validateBase(cfg, { hardwareConcurrency: 4 });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.severity).toBe('warning');
    expect(issues[0]!.path).toBe('envRunners.numCpusPerEnvRunner');
    expect(issues[0]!.message).toMatch(
      /7 CPUs.*numEnvRunners \(6\) x numCpusPerEnvRunner \(1\)\).*hardwareConcurrency is 4.*numEnvsPerEnvRunner/,
    );
    expect(validateBase(cfg, { hardwareConcurrency: 8 })).toEqual([]);
  });

  it('flags GPU settings only when WebGPU is known to be missing', () => {
    // The scaling guide's recipe: the learner and both runners share the one device.
    const cfg = ppo().envRunners({ numGpusPerEnvRunner: 0.49995 }).learners({ numGpusPerLearner: 0.0001 }).toConfig();
    expect(validateBase(cfg, {})).toEqual([]);
    expect(validateBase(cfg, { webGpuAvailable: true })).toEqual([]);
    const paths = validateBase(cfg, { webGpuAvailable: false }).map((i) => i.path);
    expect(paths).toEqual(['envRunners.numGpusPerEnvRunner', 'learners.numGpusPerLearner']);
    const auto = ppo().learners({ numGpusPerLearner: 'auto' }).toConfig();
    expect(validateBase(auto, { webGpuAvailable: false })).toEqual([]);
  });

  it('checks lr schedules: start at 0, increasing steps, values >= 0', () => {
    const check = (lr: unknown): string[] =>
      validatePPOConfig({ ...PPO_DEFAULTS, training: { ...PPO_DEFAULTS.training, lr } } as PPOConfig).map(
        (i) => i.message,
      );
    expect(
      check([
        [0, 1e-3],
        [1000, 0],
      ]),
    ).toEqual([]);
    expect(
      check([
        [0, 1e-3],
        [2000, 5e-4],
        [1000, 0],
      ])[0],
    ).toMatch(/step 1000 follows 2000\. Sort by step/);
    expect(check([[10, 1e-3]])[0]).toMatch(/must start at step 0/);
    expect(check([[0, -1]])[0]).toMatch(/>= 0, got -1/);
    expect(check('fast')[0]).toMatch(/positive number or a schedule/);
    expect(check(0)[0]).toBe('lr must be a finite number > 0, got 0.');
  });

  it('warns when explicit fragments overshoot the train batch by more than 10%', () => {
    const issues = ppo()
      .envRunners({ numEnvRunners: 2, numEnvsPerEnvRunner: 8, rolloutFragmentLength: 200 })
      .training({ trainBatchSizePerLearner: 1000, minibatchSize: 100 })
      .validate(CTX);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'envRunners.rolloutFragmentLength', severity: 'warning' });
    expect(issues[0]!.message).toMatch(/gives 3200 steps.*'auto' or 62/);
  });
});

describe('RLlib names', () => {
  const camel = ppo()
    .environment('Pendulum-v1', { g: 9.81 })
    .envRunners({ numEnvRunners: 3, numEnvsPerEnvRunner: 4, rolloutFragmentLength: 50 })
    .learners({ numGpusPerLearner: 0 })
    .rlModule({ fcnetHiddens: [64, 64], vfShareLayers: true })
    .training({ lr: 3e-4, lambda: 0.95, numEpochs: 8, minibatchSize: 64, trainBatchSizePerLearner: 600 })
    .faultTolerance({ restartFailedEnvRunners: false, ignoreEnvRunnerFailures: true })
    .debugging({ seed: 7 })
    .toConfig();

  const inputs: Record<string, unknown> = {
    'flat new-stack snake_case': {
      env: 'Pendulum-v1',
      env_config: { g: 9.81 },
      num_env_runners: 3,
      num_envs_per_env_runner: 4,
      rollout_fragment_length: 50,
      num_gpus_per_learner: 0,
      fcnet_hiddens: [64, 64],
      vf_share_layers: true,
      lr: 3e-4,
      lambda_: 0.95,
      num_epochs: 8,
      minibatch_size: 64,
      train_batch_size_per_learner: 600,
      restart_failed_env_runners: false,
      ignore_env_runner_failures: true,
      seed: 7,
    },
    'flat old-stack names': {
      env: 'Pendulum-v1',
      env_config: { g: 9.81 },
      num_workers: 3,
      num_envs_per_worker: 4,
      rollout_fragment_length: 50,
      num_gpus: 0,
      model: { fcnet_hiddens: [64, 64], vf_share_layers: true },
      lr: 3e-4,
      lambda: 0.95,
      num_sgd_iter: 8,
      sgd_minibatch_size: 64,
      train_batch_size: 600,
      recreate_failed_workers: false,
      ignore_worker_failures: true,
      seed: 7,
    },
    'flat camelCase': {
      env: 'Pendulum-v1',
      envConfig: { g: 9.81 },
      numEnvRunners: 3,
      numEnvsPerEnvRunner: 4,
      rolloutFragmentLength: 50,
      numGpusPerLearner: 0,
      fcnetHiddens: [64, 64],
      vfShareLayers: true,
      lr: 3e-4,
      lambda: 0.95,
      numEpochs: 8,
      minibatchSize: 64,
      trainBatchSizePerLearner: 600,
      restartFailedEnvRunners: false,
      ignoreEnvRunnerFailures: true,
      seed: 7,
    },
    'sectioned snake_case': {
      environment: { env: 'Pendulum-v1', env_config: { g: 9.81 } },
      env_runners: { num_env_runners: 3, num_envs_per_env_runner: 4, rollout_fragment_length: 50 },
      learners: { num_gpus_per_learner: 0 },
      model_config: { fcnet_hiddens: [64, 64], vf_share_layers: true },
      training: { lr: 3e-4, lambda_: 0.95, num_epochs: 8, minibatch_size: 64, train_batch_size_per_learner: 600 },
      fault_tolerance: { restart_failed_env_runners: false, ignore_env_runner_failures: true },
      debugging: { seed: 7 },
    },
    'sectioned camelCase (our JSON)': JSON.parse(JSON.stringify(camel)) as unknown,
  };

  for (const [name, input] of Object.entries(inputs)) {
    it(`${name} gives the same config as the builder chain`, () => {
      const b = ppo().fromJson(input);
      expect(b.toConfig()).toEqual(camel);
      expect(b.validate(CTX)).toEqual([]);
    });
  }

  it('reports unknown keys with a suggestion, flat and inside sections', () => {
    const { issues } = normalizeConfigInput(
      { num_env_runner: 2, training: { clip_parm: 0.2 }, env_runners: { numEnvsPerRunner: 2 }, zzz_qqq_xxx: 1 },
      PPO_SPEC,
    );
    expect(issues.map((i) => [i.path, i.severity])).toEqual([
      ['num_env_runner', 'error'],
      ['training.clip_parm', 'error'],
      ['env_runners.numEnvsPerRunner', 'error'],
      ['zzz_qqq_xxx', 'error'],
    ]);
    expect(issues[0]!.message).toBe(
      "unknown config key 'num_env_runner'; did you mean 'num_env_runners' (envRunners.numEnvRunners)?",
    );
    expect(issues[1]!.message).toMatch(/in section training; did you mean 'clip_param' \(training\.clipParam\)/);
    expect(issues[2]!.message).toMatch(/did you mean 'numEnvsPerEnvRunner'/);
    expect(issues[3]!.message).not.toContain('did you mean');
  });

  it('accepts the algorithm name in any case and under RLlib-ish keys', () => {
    expect(ppo().fromJson({ algorithm: 'ppo', lr: 1e-3 }).validate(CTX)).toEqual([]);
    expect(normalizeConfigInput({ algo_class: 'ppo' }).partial).toEqual({ algo: 'PPO' });
    expect(ppo().fromJson({ algo: 'DQN' }).validate(CTX)[0]?.message).toBe(
      "algo must be 'PPO' for a PPO config, got 'DQN'.",
    );
  });

  it('warns about RLlib-only settings and duplicates instead of failing', () => {
    const { partial, issues } = normalizeConfigInput({ framework: 'torch', num_workers: 1, num_env_runners: 2 });
    expect(partial).toEqual({ envRunners: { numEnvRunners: 2 } });
    expect(issues.map((i) => i.severity)).toEqual(['warning', 'warning']);
    expect(issues[1]!.message).toMatch(/given twice \(num_workers and num_env_runners\); using num_env_runners/);
  });

  it('resolveKeyPath maps CLI and RLlib spellings to paths', () => {
    const cases: Record<string, string | undefined> = {
      '--lr': 'training.lr',
      '--num-env-runners': 'envRunners.numEnvRunners',
      '--num_env_runners': 'envRunners.numEnvRunners',
      numEnvRunners: 'envRunners.numEnvRunners',
      num_rollout_workers: 'envRunners.numEnvRunners',
      '--lambda': 'training.lambda',
      lambda_: 'training.lambda',
      '--num-gpus': 'learners.numGpusPerLearner',
      'env_runners.num_envs_per_worker': 'envRunners.numEnvsPerEnvRunner',
      'training.minibatchSize': 'training.minibatchSize',
      '--max-episode-steps': 'environment.maxEpisodeSteps',
      '--shuffle-batch-per-epoch': 'training.shuffleBatchPerEpoch',
      algo: 'algo',
      algorithm: 'algo',
      '--lrr': undefined,
      constructor: undefined,
    };
    for (const [name, path] of Object.entries(cases))
      expect([name, resolveKeyPath(name, PPO_SPEC)]).toEqual([name, path]);
  });

  it('coerceValue reads CLI/URL strings', () => {
    expect(coerceValue('training.lr', '3e-4')).toBe(3e-4);
    expect(coerceValue('envRunners.explore', 'false')).toBe(false);
    expect(coerceValue('learners.numGpusPerLearner', 'auto')).toBe('auto');
    expect(coerceValue('debugging.seed', 'null')).toBeNull();
    expect(coerceValue('rlModule.fcnetHiddens', '64,64')).toEqual([64, 64]);
    expect(coerceValue('rlModule.fcnetHiddens', '[32, 32]')).toEqual([32, 32]);
    expect(coerceValue('rlModule.fcnetHiddens', '128')).toEqual([128]);
    expect(coerceValue('training.lr', '0:2.5e-4,500000:0')).toEqual([
      [0, 2.5e-4],
      [500000, 0],
    ]);
    expect(coerceValue('environment.envConfig', '{"g":9.81}')).toEqual({ g: 9.81 });
    expect(coerceValue('environment.env', '123')).toBe('123');
    expect(coerceValue('envRunners.batchMode', 'complete_episodes')).toBe('complete_episodes');
    expect(coerceValue('training.lr', '[1,')).toBe('[1,');
  });
});

describe('builder', () => {
  it('chain equals the JSON path and does not touch the defaults', () => {
    const chain = ppo()
      .environment('CartPole-v1')
      .envRunners({ numEnvRunners: 2, numEnvsPerEnvRunner: 8 })
      .learners({ numGpusPerLearner: 1 })
      .training({ lr: 3e-4 })
      .faultTolerance({ restartFailedEnvRunners: true })
      .toConfig();
    const json = ppo()
      .fromJson({
        env: 'CartPole-v1',
        num_env_runners: 2,
        num_envs_per_env_runner: 8,
        num_gpus_per_learner: 1,
        lr: 3e-4,
      })
      .toConfig();
    expect(chain).toEqual(json);
    expect(chain.envRunners.numEnvsPerEnvRunner).toBe(8);
    expect(chain.envRunners.batchMode).toBe('truncate_episodes'); // other settings kept
    expect(PPO_DEFAULTS.envRunners.numEnvsPerEnvRunner).toBe(1);
  });

  it('toConfig is deeply frozen and JSON round-trips', () => {
    const cfg = ppo()
      .rlModule({ fcnetHiddens: [64, 64] })
      .environment('CartPole-v1', { a: { b: 1 } })
      .toConfig();
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.training)).toBe(true);
    expect(Object.isFrozen(cfg.rlModule.fcnetHiddens)).toBe(true);
    expect(Object.isFrozen(cfg.environment.envConfig['a'])).toBe(true);
    expect(() => {
      (cfg.training as { lr: number }).lr = 1;
    }).toThrow(TypeError);
    const text = JSON.stringify(cfg);
    expect(JSON.parse(text)).toEqual(cfg);
    expect(ppo().fromJson(JSON.parse(text)).toConfig()).toEqual(cfg);
    expect(
      JSON.stringify(
        ppo()
          .rlModule({ fcnetHiddens: [64, 64] })
          .environment('CartPole-v1', { a: { b: 1 } }),
      ),
    ).toBe(text);
  });

  it('environment() replaces envConfig; copy() is independent', () => {
    const a = ppo().environment('CartPole-v1', { x: 1 });
    const b = a.copy().environment({ envConfig: { y: 2 } });
    expect(a.toConfig().environment.envConfig).toEqual({ x: 1 });
    expect(b.toConfig().environment.envConfig).toEqual({ y: 2 });
    expect(b).toBeInstanceOf(AlgorithmConfigBuilder);
    expect(a.model({ fcnetHiddens: [8] }).toConfig().rlModule.fcnetHiddens).toEqual([8]);
  });

  it('resolveConfig validates, throws ConfigError with every error, and freezes a valid config', () => {
    const ok = resolveConfig(ppo().toConfig(), CTX);
    expect(Object.isFrozen(ok)).toBe(true);
    expect(resolveConfig(ppo().debugging({ seed: 5 }).toConfig(), CTX).debugging.seed).toBe(5);
    const bad = ppo().training({ gamma: 2 }).learners({ numLearners: -1 }).toConfig();
    expect(() => resolveConfig(bad, CTX)).toThrow(ConfigError);
    try {
      resolveConfig(bad, CTX);
    } catch (e) {
      expect((e as ConfigError).issues.map((i) => i.path)).toEqual(['learners.numLearners', 'training.gamma']);
      expect((e as ConfigError).code).toBe('config/invalid');
    }
  });
});

describe('derivedSizes', () => {
  const sizes = (envRunners: Partial<PPOConfig['envRunners']>, trainBatchSizePerLearner: number) =>
    derivedSizes(ppo().envRunners(envRunners).training({ trainBatchSizePerLearner }).toConfig());

  it('auto fragment = ceil(batch / (runners * envs)), like RLlib', () => {
    expect(sizes({}, 4000)).toEqual({
      rolloutFragmentLength: 2000,
      stepsPerSampleCall: 2000,
      trainBatchSize: 4000,
      numRunnersSampling: 2,
      numSampleRounds: 1,
    });
    expect(sizes({ numEnvRunners: 3, numEnvsPerEnvRunner: 7 }, 1000)).toMatchObject({
      rolloutFragmentLength: 48, // ceil(1000 / 21)
      stepsPerSampleCall: 336,
      trainBatchSize: 1008,
      numSampleRounds: 1,
    });
  });

  it('numEnvRunners 0 samples with one local runner (CleanRL layout)', () => {
    expect(sizes({ numEnvRunners: 0, numEnvsPerEnvRunner: 4, rolloutFragmentLength: 128 }, 512)).toEqual({
      rolloutFragmentLength: 128,
      stepsPerSampleCall: 512,
      trainBatchSize: 512,
      numRunnersSampling: 1,
      numSampleRounds: 1,
    });
    expect(sizes({ numEnvRunners: 0, numEnvsPerEnvRunner: 1 }, 4000).rolloutFragmentLength).toBe(4000);
  });

  it('explicit fragments sample whole rounds until the batch is reached', () => {
    expect(sizes({ numEnvRunners: 2, numEnvsPerEnvRunner: 8, rolloutFragmentLength: 64 }, 4000)).toMatchObject({
      stepsPerSampleCall: 512,
      trainBatchSize: 4096,
      numSampleRounds: 4,
    });
  });
});

describe('config helpers', () => {
  it('lrAt (the one schedule evaluator) interpolates linearly and holds the last value', () => {
    const s = [
      [0, 1],
      [100, 0],
      [200, 0.5],
    ] as const;
    expect(lrAt(s, 0)).toBe(1);
    expect(lrAt(s, 25)).toBeCloseTo(0.75, 12);
    expect(lrAt(s, 150)).toBeCloseTo(0.25, 12);
    expect(lrAt(s, 1e9)).toBe(0.5);
    expect(lrAt(3e-4, 1e9)).toBe(3e-4);
  });

  it('deepMerge merges objects, replaces arrays, skips undefined', () => {
    const base = { a: { x: 1, y: [1, 2] }, b: 2 };
    const merged = deepMerge(base, { a: { y: [3] } });
    expect(merged).toEqual({ a: { x: 1, y: [3] }, b: 2 });
    expect(base.a.y).toEqual([1, 2]);
    expect(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  });
});
