/**
 * CoinChase-v0 (two-player competitive grid game): the rules, and a PPO module trained against
 * an untrained opponent module (policiesToTrain leaves it out) that then beats a uniformly random
 * opponent and is measured against a greedy heuristic, with the margins printed.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MultiAgentPPO } from '../../src/algorithms/multi-agent/multi-agent-ppo';
import { multiAgentPpo } from '../../src/algorithms/multi-agent/multi-agent-ppo-config';
import { Rng } from '../../src/core/rng';
import { CoinChase, greedyCoinChaseAction, makeMultiAgentVectorEnv } from '../../src/envs/multi-agent';

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('CoinChase-v0 rules', () => {
  it('a coin pays +1 to the player that steps on it; episodes truncate for both at 50 steps', () => {
    const env = makeMultiAgentVectorEnv('CoinChase-v0', { numEnvs: 1, seed: 4 }) as CoinChase;
    env.reset(4);
    const actions = new Int32Array(2);
    let coins0 = 0;
    let t = 0;
    for (; t < 50; t++) {
      actions[0] = greedyCoinChaseAction(env.obs, 0);
      actions[1] = 0; // player 1 stays
      env.step(actions);
      coins0 += env.rewards[0]!;
      for (const v of env.obs) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      if (env.truncatedAll[0]) break;
    }
    expect(t).toBe(49);
    expect(env.truncated[0]).toBe(1);
    expect(env.truncated[1]).toBe(1);
    expect([env.alive[0], env.alive[1]]).toEqual([1, 1]);
    expect(coins0).toBeGreaterThan(5); // a greedy player on a 5x5 grid picks one up every few steps
  });
});

/** Mean coins per episode of the trained module (player 0) and of the opponent (player 1). */
async function evaluate(
  algo: MultiAgentPPO,
  opponent: 'random' | 'greedy',
  numEnvs: number,
): Promise<{ learner: number; opponent: number }> {
  const env = makeMultiAgentVectorEnv('CoinChase-v0', { numEnvs, seed: 999 });
  env.reset(999);
  const rng = new Rng(7);
  const obs0 = new Float32Array(numEnvs * 6);
  const actions = new Int32Array(numEnvs * 2);
  let total0 = 0;
  let total1 = 0;
  for (let t = 0; t < 50; t++) {
    for (let e = 0; e < numEnvs; e++) obs0.set(env.obs.subarray(e * 12, e * 12 + 6), e * 6);
    const a0 = await algo.computeModuleActions('learner', obs0, numEnvs);
    for (let e = 0; e < numEnvs; e++) {
      actions[e * 2] = a0[e]!;
      actions[e * 2 + 1] = opponent === 'random' ? rng.integer(5) : greedyCoinChaseAction(env.obs, e * 12 + 6);
    }
    env.step(actions);
    for (let e = 0; e < numEnvs; e++) {
      total0 += env.rewards[e * 2]!;
      total1 += env.rewards[e * 2 + 1]!;
    }
  }
  return { learner: total0 / numEnvs, opponent: total1 / numEnvs };
}

it('PPO: a trained module beats a random opponent on CoinChase-v0', async () => {
  const config = multiAgentPpo()
    .environment('CoinChase-v0', {})
    .envRunners({ numEnvRunners: 0, numEnvsPerEnvRunner: 16, rolloutFragmentLength: 64 })
    .rlModule({ fcnetHiddens: [64, 64], fcnetActivation: 'tanh' })
    .training({
      lr: 1e-3,
      gamma: 0.95,
      lambda: 0.95,
      clipParam: 0.2,
      vfLossCoeff: 0.5,
      entropyCoeff: 0.01,
      useKlLoss: false,
      numEpochs: 6,
      minibatchSize: 256,
      trainBatchSizePerLearner: 1024,
    })
    .multiAgent({
      policies: ['learner', 'random'],
      policyMappingFn: { '0': 'learner', '1': 'random' },
      policiesToTrain: ['learner'],
    })
    .debugging({ seed: 3 })
    .toConfig();
  const algo = await MultiAgentPPO.build(config, { backend: 'wasm' });
  const before = await evaluate(algo, 'random', 64);
  let r = await algo.train();
  while (Number(r['num_env_steps_sampled_lifetime']) < 100_000) r = await algo.train();
  const vsRandom = await evaluate(algo, 'random', 64);
  const vsGreedy = await evaluate(algo, 'greedy', 64);
  console.log(
    `CoinChase-v0 after ${r['num_env_steps_sampled_lifetime']} env steps (${r['num_agent_steps_sampled_lifetime']} agent steps): ` +
      `training returns learner ${Number(r['env_runners/module_episode_returns_mean/learner']).toFixed(2)} vs untrained module ` +
      `${Number(r['env_runners/module_episode_returns_mean/random']).toFixed(2)}; greedy eval coins/episode: before training ` +
      `${before.learner.toFixed(2)} vs random ${before.opponent.toFixed(2)}; after: vs random ${vsRandom.learner.toFixed(2)} : ` +
      `${vsRandom.opponent.toFixed(2)}, vs greedy heuristic ${vsGreedy.learner.toFixed(2)} : ${vsGreedy.opponent.toFixed(2)}`,
  );
  algo.stop();
  expect(vsRandom.learner).toBeGreaterThan(3 * vsRandom.opponent);
  expect(vsRandom.learner - vsRandom.opponent).toBeGreaterThan(5);
}, 600_000);
