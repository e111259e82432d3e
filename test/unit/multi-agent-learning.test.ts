/**
 * Must-show of issue #18: PPO on MultiAgentCartPole with 2 agents and 2 policies; both modules
 * reach a 100-episode mean return of 450 within 600,000 env steps (RLlib's
 * tuned_examples/ppo/multi_agent_cartpole_ppo.py stops at 450 per agent). Hyperparameters are
 * the CartPole-v1 preset's (src/algorithms/ppo/presets.ts), per module.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MultiAgentPPO } from '../../src/algorithms/multi-agent/multi-agent-ppo';
import { multiAgentPpo } from '../../src/algorithms/multi-agent/multi-agent-ppo-config';

const THRESHOLD = 450;
const ENV_STEP_BUDGET = 600_000;

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

it('PPO, MultiAgentCartPole, 2 agents -> 2 policies: both modules reach 450 within 600k env steps', async () => {
  const config = multiAgentPpo()
    .environment('MultiAgentCartPole', { numAgents: 2 })
    .envRunners({ numEnvRunners: 0, numEnvsPerEnvRunner: 16, rolloutFragmentLength: 64 })
    .rlModule({ fcnetHiddens: [64, 64], fcnetActivation: 'tanh' })
    .training({
      lr: 3e-3,
      gamma: 0.99,
      lambda: 0.95,
      clipParam: 0.2,
      vfClipParam: 1e9,
      vfLossCoeff: 0.5,
      entropyCoeff: 0,
      useKlLoss: false,
      numEpochs: 6,
      minibatchSize: 512,
      trainBatchSizePerLearner: 1024,
    })
    .multiAgent({ policies: ['p0', 'p1'], policyMappingFn: { '0': 'p0', '1': 'p1' } })
    .debugging({ seed: Number(process.env['MA_SEED'] ?? 1) })
    .toConfig();
  const algo = await MultiAgentPPO.build(config, { backend: 'wasm' });
  const t0 = performance.now();
  let r = await algo.train();
  const done = (x: typeof r): boolean =>
    Number(x['env_runners/module_episode_returns_mean/p0']) >= THRESHOLD &&
    Number(x['env_runners/module_episode_returns_mean/p1']) >= THRESHOLD;
  while (!done(r) && Number(r['num_env_steps_sampled_lifetime']) < ENV_STEP_BUDGET) {
    r = await algo.train();
    if (Number(r['training_iteration']) % 10 === 0) {
      console.log(
        `iter ${r['training_iteration']} env ${r['num_env_steps_sampled_lifetime']} agent ${r['num_agent_steps_sampled_lifetime']} ` +
          `p0 ${Number(r['env_runners/module_episode_returns_mean/p0']).toFixed(1)} p1 ${Number(r['env_runners/module_episode_returns_mean/p1']).toFixed(1)}`,
      );
    }
  }
  const wallS = (performance.now() - t0) / 1000;
  console.log(
    `multi-agent cartpole: p0 ${Number(r['env_runners/module_episode_returns_mean/p0']).toFixed(1)}, ` +
      `p1 ${Number(r['env_runners/module_episode_returns_mean/p1']).toFixed(1)} after ${r['num_env_steps_sampled_lifetime']} env steps, ` +
      `${r['num_agent_steps_sampled_lifetime']} agent steps, ${r['training_iteration']} iterations, ${wallS.toFixed(1)} s`,
  );
  algo.stop();
  expect(done(r)).toBe(true);
  expect(Number(r['num_env_steps_sampled_lifetime'])).toBeLessThanOrEqual(ENV_STEP_BUDGET);
}, 900_000);
