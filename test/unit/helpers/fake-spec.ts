/**
 * A second algorithm for the registry tests, so "more than one algorithm" is tested before DQN is
 * registered: its own training key (`fake_rate`), alias, preset, form section and chart, and a
 * load() that fails (it has no implementation). Tests mock algorithms/specs.ts to register it.
 * Declared the way a real algorithm is: one catalogue entry per key, the rest derived.
 */
import type { AlgorithmConfigBase } from '../../../src/core/config';
import { including, num, type ValuesOf } from '../../../src/core/config-catalogue';
import { RLError } from '../../../src/core/errors';
import { SHARED_KEYS, TRAINING_KEYS } from '../../../src/core/shared-keys';
import { configSchema, defineAlgorithm } from '../../../src/algorithms/define-algorithm';

const FAKE_TRAINING_KEYS = {
  ...including(TRAINING_KEYS, { lr: 1e-3, gamma: 0.9, trainBatchSizePerLearner: 32 }),
  fakeRate: num(0.5, { min: 0, max: 1, doc: 'A knob.', rllib: 'fake_rate', form: { label: 'Fake rate' } }),
};

export type FakeConfig = AlgorithmConfigBase & {
  readonly algo: 'FAKE';
  readonly training: ValuesOf<typeof FAKE_TRAINING_KEYS>;
};

const FAKE_SCHEMA = configSchema<FakeConfig>('FAKE', { ...SHARED_KEYS, training: FAKE_TRAINING_KEYS });
export const FAKE_DEFAULTS: FakeConfig = FAKE_SCHEMA.defaults;

export const FAKE_SPEC = defineAlgorithm<FakeConfig>({
  schema: FAKE_SCHEMA,
  title: 'FAKE — a test double',
  actionSpaces: ['discrete'],
  formSection: { id: 'training', title: 'FAKE hyperparameters' },
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
  charts: [{ title: 'Fake', testid: 'chart-fake', series: [{ key: 'fake', label: 'fake', color: '--c1' }] }],
  load: () => Promise.reject(new RLError('test/no-implementation', 'FAKE has no implementation.')),
});
