/**
 * The page's own EnvRunner (numEnvRunners 0) shares the learner module's variables instead of
 * getting copies (EnvRunnerGroup.syncWeights with a WeightsSource): after a sync it acts exactly
 * as the learner's greedy policy; a later update of the learner does not reach it before the next
 * sync (the weights stay pinned to their sequence number); a module of another shape is refused;
 * and no tensor is left behind by many syncs.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DQN } from '../../src/algorithms/dqn/dqn';
import { resolveConfig } from '../../src/algorithms/registry';
import { EnvRunnerHost } from '../../src/env-runner/env-runner-host';
import type { DQNConfig } from '../../src/algorithms/dqn/dqn-config';

let algo: DQN;

function pageRunner(a: DQN): EnvRunnerHost {
  const conn = a.envRunnerGroup.supervisor.slots[0]!.conn;
  if (!(conn?.api instanceof EnvRunnerHost)) throw new Error('expected the page runner');
  return conn.api;
}

const OBS = new Float32Array(Array.from({ length: 64 * 4 }, (_, i) => Math.sin(i * 0.37) * 0.2));

beforeAll(async () => {
  await tf.setBackend('cpu');
  const config = resolveConfig({
    algo: 'DQN',
    env: 'CartPole-v1',
    num_env_runners: 0,
    num_gpus_per_learner: 0,
    fcnet_hiddens: [16],
    head_fcnet_hiddens: [16],
    num_steps_sampled_before_learning_starts: 32,
    min_sample_timesteps_per_iteration: 100,
    train_batch_size_per_learner: 16,
    seed: 3,
  }) as DQNConfig;
  algo = await DQN.build(config, { backend: 'cpu' });
});

afterAll(() => algo.stop());

describe('a page runner shares the learner module', () => {
  it('acts as the learner after a sync, and keeps those weights until the next', async () => {
    await algo.train(); // updates happen: the learner's weights moved away from the runner's initial ones
    const runner = pageRunner(algo);
    await algo.envRunnerGroup.syncWeights(algo.learner.module);
    const learnerActions = await algo.computeActions(OBS, 64);
    expect(await runner.computeActions(OBS, 64)).toEqual(learnerActions);
    // Storage is shared, not copied: each runner variable holds the learner variable's data.
    const runnerModule = (runner as unknown as { active: { module: { trainableVariables: tf.Variable[] } } }).active
      .module;
    const engine = tf.engine();
    runnerModule.trainableVariables.forEach((v, i) => {
      expect(engine.state.tensorInfo.get(v.dataId)).toBe(
        engine.state.tensorInfo.get(algo.learner.module.trainableVariables[i]!.dataId),
      );
    });
    // The learner moves on (new storage for its variables); the runner keeps the synced weights.
    const before = await runner.computeActions(OBS, 64);
    algo.learner.module.trainableVariables.forEach((v) => v.assign(tf.tidy(() => tf.neg(v))));
    algo.learner.module.weightsVersion += 1;
    expect(await runner.computeActions(OBS, 64)).toEqual(before);
    expect(await algo.computeActions(OBS, 64)).not.toEqual(before);
    await algo.envRunnerGroup.syncWeights(algo.learner.module);
    expect(await runner.computeActions(OBS, 64)).toEqual(await algo.computeActions(OBS, 64));
  });

  it('refuses a module of another shape, naming the variable', () => {
    const other = {
      trainableVariables: [tf.variable(tf.zeros([3, 3]))],
      variableNames: ['encoder/fc_0/kernel'],
      weightsVersion: 99,
    };
    const runner = pageRunner(algo);
    expect(() => runner.shareWeights(other, 10_000)).toThrow(/do not fit this module at variable 0/);
    other.trainableVariables[0]!.dispose();
  });

  it('leaves no tensor behind over many syncs and iterations', async () => {
    await algo.train();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      algo.learner.module.weightsVersion += 1;
      await algo.envRunnerGroup.syncWeights(algo.learner.module, { epsilon: 0.1 });
    }
    await algo.train();
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
