/**
 * Multi-agent: the policy mapping, the vector env's alive mask and same-step autoreset with
 * agents that ended early, per-module batching in the runner, and one PPO iteration at scale.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapAgent, resolveModuleOfSlot, validateMultiAgent } from '../../src/algorithms/multi-agent/multi-agent-config';
import { MultiAgentPPO } from '../../src/algorithms/multi-agent/multi-agent-ppo';
import { multiAgentPpo } from '../../src/algorithms/multi-agent/multi-agent-ppo-config';
import { ChunkEnd } from '../../src/core/sample-batch';
import { unpackModuleWeights } from '../../src/rl-module/multi-module-weights';
import { MultiAgentEnvRunner } from '../../src/env-runner/multi-agent-env-runner';
import { makeMultiAgentVectorEnv } from '../../src/envs/multi-agent';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('policy mapping', () => {
  const table = { '0': 'p0', 'red_*': 'red', '*': 'shared' };
  it('exact ids win over globs; globs in order', () => {
    expect(mapAgent(table, '0')).toBe('p0');
    expect(mapAgent(table, 'red_3')).toBe('red');
    expect(mapAgent(table, 'blue_1')).toBe('shared');
    expect(mapAgent({ 'a*': 'x' }, 'b')).toBeUndefined();
  });
  it('resolves one module index per agent slot', () => {
    const ma = { policies: ['p0', 'red', 'shared'], policyMappingFn: table, policiesToTrain: null };
    expect(resolveModuleOfSlot(ma, ['0', 'red_1', 'x'])).toEqual([0, 1, 2]);
    expect(resolveModuleOfSlot(ma, ['a', 'b'], (id) => (id === 'a' ? 'red' : 'p0'))).toEqual([1, 0]);
    expect(() => resolveModuleOfSlot(ma, ['a'], () => 'nope')).toThrow(/agent "a" maps to "nope"/);
  });
  it('validation reports every problem at once, naming the setting', () => {
    const issues = validateMultiAgent(
      { policies: ['p0', 'p0'], policyMappingFn: { '0': 'p1' }, policiesToTrain: ['zz'] },
      ['0', '1'],
    );
    const text = issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(text).toMatch(/multiAgent.policies: policies lists a module id twice/);
    expect(text).toMatch(/multiAgent.policyMappingFn: pattern "0" maps to "p1"/);
    expect(text).toMatch(/agent "1" matches no pattern/);
    expect(text).toMatch(/multiAgent.policiesToTrain: "zz" is not in policies/);
  });
  it('the builder validates the section and what multi-agent does not support yet', () => {
    const b = multiAgentPpo()
      .envRunners({ numEnvRunners: 2, remoteWorkerEnvs: true })
      .multiAgent({ policies: ['p0'], policyMappingFn: { '*': 'p1' } });
    const paths = b.validate().map((i) => i.path);
    expect(paths).toContain('envRunners.remoteWorkerEnvs');
    expect(paths).not.toContain('envRunners.numEnvRunners'); // runners in Web Workers are supported
    expect(paths).toContain('multiAgent.policyMappingFn');
    const snake = multiAgentPpo().fromJson({ policies: ['a', 'b'], policy_mapping_fn: { '0': 'a', '1': 'b' } });
    expect(snake.validate()).toEqual([]);
    expect(snake.toConfig().multiAgent.policies).toEqual(['a', 'b']);
  });
});

describe('MultiAgentCartPole vector env', () => {
  it('alive mask: an agent that fell stops acting, the other goes on, `__all__` resets the copy in the same step', () => {
    const env = makeMultiAgentVectorEnv('MultiAgentCartPole', { numEnvs: 2, seed: 3, envConfig: { numAgents: 2 } });
    env.reset(3);
    expect([...env.alive]).toEqual([1, 1, 1, 1]);
    // Copy 0: agent 0 pushes right always (falls fast), agent 1 balances by the sign of theta.
    const actions = new Int32Array(4);
    let agent0Fell = -1;
    for (let t = 0; t < 600 && agent0Fell < 0; t++) {
      for (let lane = 0; lane < 4; lane++) actions[lane] = lane === 0 ? 1 : env.obs[lane * 4 + 2]! > 0 ? 1 : 0;
      env.step(actions);
      if (env.terminated[0]) agent0Fell = t;
    }
    expect(agent0Fell).toBeGreaterThan(0);
    expect(env.alive[0]).toBe(0);
    expect(env.alive[1]).toBe(1); // the partner still acts
    expect(env.terminatedAll[0]).toBe(0);
    // A dead agent's action is ignored and it gets no reward or flags.
    actions[0] = 0;
    env.step(actions);
    expect(env.rewards[0]).toBe(0);
    expect(env.terminated[0]).toBe(0);
    // Now let agent 1 fall: `__all__` ends, both agents alive again with fresh small observations.
    let ended = false;
    for (let t = 0; t < 600 && !ended; t++) {
      actions[1] = 1;
      env.step(actions);
      ended = env.terminatedAll[0] === 1 || env.truncatedAll[0] === 1;
    }
    expect(ended).toBe(true);
    expect(env.terminatedAll[0]).toBe(1);
    expect(env.terminated[1]).toBe(1);
    expect(Math.abs(env.finalObs[1 * 4 + 2]!)).toBeGreaterThan(0.2); // the fallen pole's last angle
    expect([env.alive[0], env.alive[1]]).toEqual([1, 1]);
    for (let k = 0; k < 8; k++) expect(Math.abs(env.obs[k]!)).toBeLessThanOrEqual(0.05);
  });

  it('numAgents is validated with the setting named', () => {
    expect(() => makeMultiAgentVectorEnv('MultiAgentCartPole', { numEnvs: 1, envConfig: { numAgents: 0 } })).toThrow(
      /environment.envConfig.numAgents/,
    );
  });
});

describe('MultiAgentEnvRunner', () => {
  it('one batch per module; rows are only acted steps; chunks close on each agent end', async () => {
    const runner = new MultiAgentEnvRunner({
      env: 'MultiAgentCartPole',
      envConfig: { numAgents: 3 },
      maxEpisodeSteps: null,
      numEnvs: 4,
      rolloutFragmentLength: 64,
      explore: true,
      seed: 1,
      moduleIds: ['a', 'b'],
      moduleOfSlot: [0, 1, 1],
      module: { kind: 'actor-critic', model: { fcnetHiddens: [8], fcnetActivation: 'tanh', vfShareLayers: false } },
    });
    const before = tf.memory().numTensors;
    const { batches, metrics } = await runner.sample();
    expect(tf.memory().numTensors).toBe(before);
    const a = batches['a']!;
    const b = batches['b']!;
    expect(metrics.numEnvSteps).toBe(64 * 4);
    // Untrained agents fall early, so fewer agent steps than lanes x steps, counted per module.
    expect(metrics.agentStepsByModule['a']).toBe(a.numSteps);
    expect(metrics.agentStepsByModule['b']).toBe(b.numSteps);
    expect(metrics.numAgentSteps).toBe(a.numSteps + b.numSteps);
    expect(a.numSteps).toBeLessThan(64 * 4);
    expect(b.numSteps).toBeLessThan(64 * 8);
    expect(b.numSteps).toBeGreaterThan(a.numSteps);
    for (const batch of [a, b]) {
      expect(batch.chunkStarts[batch.chunkStarts.length - 1]).toBe(batch.numSteps);
      for (let c = 0; c < batch.chunkEnds.length; c++) {
        const last = batch.chunkStarts[c + 1]! - 1;
        const end = batch.chunkEnds[c]!;
        expect(batch.terminateds[last]).toBe(end === ChunkEnd.TERMINATED ? 1 : 0);
        // CartPole rewards 1 on every acted step: a staged dead step would show as reward 0.
        for (let r = batch.chunkStarts[c]!; r <= last; r++) expect(batch.rewards[r]).toBe(1);
      }
    }
    // Module b covers 8 lanes; its chunks name lanes 0..7.
    expect(Math.max(...b.chunkEnvIndices)).toBeLessThan(8);
    // Episode returns: per env episode, all agents summed = per-agent returns summed.
    const agentSum = ['0', '1', '2'].reduce(
      (s, id) => s + metrics.agentEpisodeReturns[id]!.reduce((x, y) => x + y, 0),
      0,
    );
    expect(metrics.episodeReturns.reduce((x, y) => x + y, 0)).toBe(agentSum);
    expect(metrics.moduleEpisodeReturns['b']!.length).toBe(metrics.episodeReturns.length);
    runner.stop();
  });
});

describe('MultiAgentPPO', () => {
  it('trains each module with its own optimizer; results and checkpoints hold every module', async () => {
    const config = multiAgentPpo()
      .environment('MultiAgentCartPole', { numAgents: 2 })
      .envRunners({ numEnvRunners: 0, numEnvsPerEnvRunner: 2 })
      .rlModule({ fcnetHiddens: [8] })
      .training({ trainBatchSizePerLearner: 64, minibatchSize: 32, numEpochs: 1 })
      .multiAgent({ policies: ['p0', 'p1'], policyMappingFn: { '0': 'p0', '1': 'p1' }, policiesToTrain: ['p0'] })
      .debugging({ seed: 5 })
      .toConfig();
    const algo = await MultiAgentPPO.build(config, { backend: 'cpu' });
    const p1Before = await algo.modules.get('p1')!.getWeights();
    await algo.train();
    const tensors = tf.memory().numTensors;
    const r = await algo.train();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(r['num_env_steps_sampled_lifetime']).toBe(128);
    expect(Number(r['num_agent_steps_sampled_lifetime'])).toBeGreaterThan(0);
    expect(r['learners/p0/num_module_steps_trained']).toBeGreaterThan(0);
    expect(r['learners/p1/num_module_steps_trained']).toBeUndefined(); // not in policiesToTrain
    expect(algo.learners.has('p1')).toBe(false);
    const p1After = await algo.modules.get('p1')!.getWeights();
    expect(p1After).toEqual(p1Before);
    const ckpt = await algo.save();
    const saved = unpackModuleWeights(ckpt.weights);
    expect([...saved.keys()].sort()).toEqual(['p0', 'p1']);
    // Learner state per trained module (p0 only; p1 is frozen and has weights alone).
    expect(Object.keys(ckpt.modules ?? {})).toEqual(['p0']);
    expect(ckpt.modules!['p0']!.optimizerState.step).toBeGreaterThan(0);
    expect(ckpt.optimizerState.names).toEqual([]);
    const again = await MultiAgentPPO.build(config, { backend: 'cpu' });
    await again.restore(ckpt);
    expect((await again.modules.get('p0')!.getWeights()).arrays).toEqual(saved.get('p0')!.arrays);
    expect(Number(again.counters.numEnvStepsSampledLifetime)).toBe(128);
    // A checkpoint that lacks a module is refused, naming it.
    const lacking = {
      ...ckpt,
      weights: { ...ckpt.weights, names: ckpt.weights.names.map((n) => n.replace(/^p1\//, 'zz/')) },
    };
    await expect(again.restore(lacking)).rejects.toThrow(/lacks the weights of module\(s\) p1; it has module\(s\) zz/);
    again.stop();
    algo.stop();
  });

  it('scale: 1,000 agents mapped to 100 modules sample and train one iteration', async () => {
    const policies = Array.from({ length: 100 }, (_, i) => `m${i}`);
    const config = multiAgentPpo()
      .environment('MultiAgentCartPole', { numAgents: 1000 })
      .envRunners({ numEnvRunners: 0, numEnvsPerEnvRunner: 1, rolloutFragmentLength: 8 })
      .rlModule({ fcnetHiddens: [8] })
      .training({ trainBatchSizePerLearner: 8, minibatchSize: 8, numEpochs: 1 })
      .multiAgent({ policies, policyMappingFn: { '*': 'm0' } })
      .debugging({ seed: 1 })
      .toConfig();
    // Agent i -> module i % 100 through a function (code-registered mapping).
    const algo = await MultiAgentPPO.build(config, { backend: 'cpu', policyMappingFn: (id) => `m${Number(id) % 100}` });
    const r = await algo.train();
    expect(r['num_env_steps_sampled_lifetime']).toBe(8);
    expect(r['num_agent_steps_sampled_lifetime']).toBe(8000); // no untrained pole falls within 8 steps
    for (const id of policies) expect(r[`learners/${id}/num_module_steps_trained`]).toBe(80);
    expect(Object.keys(r).filter((k) => k.startsWith('env_runners/agent_episode_returns_mean/')).length).toBe(1000);
    algo.stop();
  }, 120_000);
});

describe('single-module algorithms', () => {
  it('a multi-agent key given to BC says which algorithms take it, naming the key', async () => {
    const { getSpec } = await import('../../src/algorithms/registry');
    const issues = getSpec('BC')
      .builder()
      .fromJson({ policies: ['a'], policy_mapping_fn: { '*': 'a' } })
      .validate();
    const text = issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(text).toMatch(/'policies' is a multi-agent setting[\s\S]*PPO, APPO, IMPALA, A2C, DQN or SAC/);
    expect(text).toMatch(/'policy_mapping_fn' is a multi-agent setting/);
  });
});
