/**
 * Every algorithm with a `multiAgent` section trains a multi-agent run (issue 30, item 1): a
 * short smoke run per algorithm in Node (cpu backend, in-process runners) that fails when the
 * multi-agent path breaks: both modules train on their own agents' rows, results carry the
 * per-module keys, no tensor leaks across iterations, and a checkpoint restores into a fresh run
 * with every module's weights. Learning to the issue's thresholds is the CLI's and the bench's.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Algorithm } from '../../src/algorithms/algorithm';
import { buildAlgorithm, resolveConfig } from '../../src/algorithms/registry';
import { unpackModuleWeights } from '../../src/rl-module/multi-module-weights';
import { fakeFleet } from './helpers/fake-runners';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const TWO_POLICIES = { policies: ['p0', 'p1'], policy_mapping_fn: { '0': 'p0', '1': 'p1' } };
const CARTPOLE = { env: 'MultiAgentCartPole', env_config: { num_agents: 2 } };

/** Small configs that update every iteration; IMPALA/APPO sample on a worker (asynchronous). */
const RUNS: Record<string, Record<string, unknown>> = {
  PPO: { ...CARTPOLE, fcnet_hiddens: [8], train_batch_size_per_learner: 64, minibatch_size: 32, num_epochs: 1 },
  A2C: { ...CARTPOLE, fcnet_hiddens: [8], train_batch_size_per_learner: 32, num_envs_per_env_runner: 2 },
  DQN: {
    ...CARTPOLE,
    fcnet_hiddens: [8],
    head_fcnet_hiddens: [],
    num_steps_sampled_before_learning_starts: 16,
    min_sample_timesteps_per_iteration: 32,
    train_batch_size_per_learner: 8,
    n_step: [1, 2],
  },
  SAC: {
    env: 'MultiAgentPendulum',
    env_config: { num_agents: 2 },
    policy_model_config: { fcnet_hiddens: [8] },
    q_model_config: { fcnet_hiddens: [8] },
    num_steps_sampled_before_learning_starts: 16,
    min_sample_timesteps_per_iteration: 32,
    train_batch_size_per_learner: 8,
    replay_buffer_config: { capacity: 500 },
    store_buffer_in_checkpoints: true,
  },
  IMPALA: {
    ...CARTPOLE,
    num_env_runners: 1,
    num_envs_per_env_runner: 2,
    rollout_fragment_length: 16,
    fcnet_hiddens: [8],
    train_batch_size_per_learner: 32,
  },
  APPO: {
    ...CARTPOLE,
    num_env_runners: 1,
    num_envs_per_env_runner: 2,
    rollout_fragment_length: 16,
    fcnet_hiddens: [8],
    train_batch_size_per_learner: 32,
  },
};

async function build(algo: string): Promise<Algorithm> {
  const config = resolveConfig({
    algo,
    num_env_runners: 0,
    num_gpus_per_learner: 0,
    ...RUNS[algo],
    ...TWO_POLICIES,
    seed: 3,
  });
  return buildAlgorithm(config, { backend: 'cpu', connect: fakeFleet().connect });
}

describe.each(Object.keys(RUNS))('%s, 2 agents -> 2 policies', (algo) => {
  it('trains each module on its own agents, reports per module, leaks no tensors, checkpoints every module', async () => {
    const run = await build(algo);
    try {
      await run.train();
      const before = await run.save();
      const tensors = tf.memory().numTensors;
      let r = await run.train();
      for (let i = 0; i < 5 && r['learners/p1/num_module_steps_trained'] === undefined; i++) r = await run.train();
      expect(tf.memory().numTensors).toBeLessThanOrEqual(tensors + 2);
      for (const id of ['p0', 'p1']) {
        expect(Number(r[`learners/${id}/num_module_steps_trained`]), id).toBeGreaterThan(0);
        expect(r[`env_runners/module_episode_returns_mean/${id}`], id).toBeDefined();
      }
      expect(Number(r['num_agent_steps_sampled_lifetime'])).toBeGreaterThan(0);
      const ckpt = await run.save();
      expect(Object.keys(ckpt.modules ?? {}).sort()).toEqual(['p0', 'p1']);
      const trainedWeights = unpackModuleWeights(ckpt.weights);
      const firstWeights = unpackModuleWeights(before.weights);
      expect(trainedWeights.get('p1')!.arrays).not.toEqual(firstWeights.get('p1')!.arrays);
      const fresh = await build(algo);
      try {
        await fresh.restore(ckpt);
        const restored = unpackModuleWeights((await fresh.save()).weights);
        for (const id of ['p0', 'p1']) expect(restored.get(id)!.arrays).toEqual(trainedWeights.get(id)!.arrays);
        // The checkpoint's counters (an asynchronous run may have sampled on since it was taken).
        expect(fresh.counters.numEnvStepsSampledLifetime).toBe(ckpt.counters.numEnvStepsSampledLifetime);
      } finally {
        fresh.stop();
      }
    } finally {
      run.stop();
    }
  }, 120_000);
});
