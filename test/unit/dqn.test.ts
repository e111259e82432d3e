import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DQN } from '../../src/algorithms/dqn/dqn';
import { dqn, replayRatio, type DQNConfig } from '../../src/algorithms/dqn/dqn-config';
import { DQN_SPEC } from '../../src/algorithms/dqn/dqn-spec';
import { listEnvs } from '../../src/envs';
import { fakeFleet } from './helpers/fake-runners';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function config(over: object = {}): DQNConfig {
  const b = dqn().fromJson({
    environment: { env: 'CartPole-v1' },
    envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 2 },
    rlModule: { fcnetHiddens: [8] },
    learners: { numGpusPerLearner: 0 },
    training: {
      numStepsSampledBeforeLearningStarts: 60,
      minSampleTimestepsPerIteration: 40,
      trainBatchSizePerLearner: 8,
      targetNetworkUpdateFreq: 50,
      epsilon: [
        [0, 1],
        [100, 0.1],
      ],
    },
    debugging: { seed: 5 },
  });
  b.fromJson(over);
  const errors = b.validate({ knownEnvIds: listEnvs() }).filter((i) => i.severity === 'error');
  expect(errors).toEqual([]);
  return b.toConfig();
}

describe('DQN training step', () => {
  it('adds to the replay buffer, respects learning starts, and sends epsilon to the runner', async () => {
    const fleet = fakeFleet();
    const algo = await DQN.build(config(), { backend: 'cpu', connect: fleet.connect });
    try {
      const r1 = await algo.train();
      expect(r1['replay_buffer/size']).toBe(r1['num_env_steps_sampled_lifetime']);
      expect(r1['num_env_steps_sampled_lifetime']).toBeGreaterThanOrEqual(40);
      expect(r1['learners/default_policy/qf_loss']).toBeUndefined(); // 40 < 60: no update yet
      expect(r1['num_env_steps_trained']).toBe(0);
      const r2 = await algo.train();
      expect(Number(r2['learners/default_policy/qf_loss'])).toBeGreaterThanOrEqual(0);
      expect(r2['num_env_steps_trained']).toBeGreaterThan(0);
      expect(Number(r2['learners/default_policy/num_target_updates'])).toBeGreaterThanOrEqual(1);
      const eps = Number(r2['env_runners/epsilon']);
      expect(eps).toBeCloseTo(Math.max(0.1, 1 - 0.9 * (Number(r2['num_env_steps_sampled_lifetime']) / 100)), 6);
      const received = fleet.started[0]!.explorationReceived;
      expect(received.at(-1)?.epsilon).toBeCloseTo(eps, 6);
      expect(received.at(0)?.epsilon).toBe(1);
      const tensors = tf.memory().numTensors; // Adam's state now exists
      await algo.train();
      expect(tf.memory().numTensors).toBe(tensors);
    } finally {
      algo.stop();
    }
  });

  it("computes RLlib's replay ratio from training_intensity", () => {
    // 1 runner x 2 envs x fragment 1 = 2 env steps per round; batch 8: native ratio 4.
    expect(replayRatio(config())).toEqual({ sampleRounds: 1, updates: 1 });
    expect(replayRatio(config({ training: { trainingIntensity: 16 } }))).toEqual({ sampleRounds: 1, updates: 4 });
    expect(replayRatio(config({ training: { trainingIntensity: 1 } }))).toEqual({ sampleRounds: 4, updates: 1 });
  });

  it('refuses a Box env naming the fix, and takes RLlib names', () => {
    const issues = DQN_SPEC.validate(dqn().environment('Pendulum-v1').toConfig(), { knownEnvIds: listEnvs() });
    expect(issues.some((i) => i.path === 'environment.env' && /SAC or PPO/.test(i.message))).toBe(true);
    const cfg = dqn()
      .fromJson({ double_q: false, n_step: 3, replay_buffer_config: { capacity: 1000 } })
      .toConfig();
    expect(cfg.training.doubleQ).toBe(false);
    expect(cfg.training.nStep).toBe(3);
    expect(cfg.training.replayBufferConfig).toEqual({
      ...DQN_SPEC.defaults.training.replayBufferConfig,
      capacity: 1000,
    });
    expect(DQN_SPEC.defaults.envRunners.numEnvRunners).toBe(0);
  });
});
