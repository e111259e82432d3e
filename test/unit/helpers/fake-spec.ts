/**
 * A second algorithm for the registry tests, so "more than one algorithm" is tested before DQN is
 * registered: its own training key (`fake_rate`), alias, preset, form section and chart, and a
 * load() that fails (it has no implementation). Tests mock algorithms/specs.ts to register it.
 */
import {
  ALGORITHM_CONFIG_DEFAULTS,
  deepFreeze,
  type AlgorithmConfigBase,
  type ScheduleValue,
} from '../../../src/core/config';
import { IssueList, validateBase, type ValidationContext } from '../../../src/core/config-validation';
import { RLError, type ConfigIssue } from '../../../src/core/errors';
import { AlgorithmConfigBuilder } from '../../../src/algorithms/algorithm-config';
import type { AlgorithmSpec } from '../../../src/algorithms/spec';

interface FakeTraining {
  readonly lr: ScheduleValue;
  readonly gamma: number;
  readonly trainBatchSizePerLearner: number;
  readonly fakeRate: number;
}
export type FakeConfig = AlgorithmConfigBase & { readonly algo: 'FAKE'; readonly training: FakeTraining };

export const FAKE_DEFAULTS: FakeConfig = deepFreeze({
  algo: 'FAKE',
  ...ALGORITHM_CONFIG_DEFAULTS,
  training: { lr: 1e-3, gamma: 0.9, trainBatchSizePerLearner: 32, fakeRate: 0.5 },
});

function validateFake(cfg: FakeConfig, ctx: ValidationContext = {}): ConfigIssue[] {
  const out = new IssueList();
  out.issues.push(...validateBase(cfg, ctx));
  out.schedule('training.lr', cfg.training.lr);
  out.number('training.fakeRate', cfg.training.fakeRate, { min: 0, max: 1 });
  return out.issues;
}

class FakeConfigBuilder extends AlgorithmConfigBuilder<FakeConfig> {
  constructor() {
    super(FAKE_DEFAULTS, { fake_rate: 'training.fakeRate', lr: 'training.lr' });
  }

  protected override validateConfig(cfg: FakeConfig, ctx: ValidationContext): ConfigIssue[] {
    return validateFake(cfg, ctx);
  }
}

export const FAKE_SPEC: AlgorithmSpec<FakeConfig> = {
  name: 'FAKE',
  title: 'FAKE — a test double',
  actionSpaces: ['discrete'],
  defaults: FAKE_DEFAULTS,
  keyAliases: { fake_rate: 'training.fakeRate', lr: 'training.lr' },
  builder: () => new FakeConfigBuilder(),
  validate: validateFake,
  samplingLayout: (c) => ({
    rolloutFragmentLength: 1,
    stepsPerSampleCall: c.envRunners.numEnvsPerEnvRunner,
    trainBatchSize: c.envRunners.numEnvsPerEnvRunner,
    numRunnersSampling: Math.max(1, c.envRunners.numEnvRunners),
    numSampleRounds: 1,
  }),
  presets: {
    'CartPole-v1': {
      description: 'A fake preset for CartPole.',
      config: { environment: { env: 'CartPole-v1' }, training: { fakeRate: 0.25 } },
      stop: { training_iteration: 7 },
    },
  },
  formSections: [
    {
      id: 'training',
      title: 'FAKE hyperparameters',
      fields: [{ path: 'training.fakeRate', label: 'Fake rate', rllib: 'fake_rate', kind: 'number', help: 'A knob.' }],
    },
  ],
  charts: [{ title: 'Fake', testid: 'chart-fake', series: [{ key: 'fake', label: 'fake', color: '--c1' }] }],
  load: () => Promise.reject(new RLError('test/no-implementation', 'FAKE has no implementation.')),
};
