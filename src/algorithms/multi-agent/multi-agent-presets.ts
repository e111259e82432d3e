/**
 * PPO presets for the multi-agent envs (PPO's spec lists them next to its own). They set the
 * env, the sampling layout and the training settings per module; the policies and the mapping
 * are the user's (`--policies p0,p1 --policy-mapping 0=p0,1=p1`): a preset's mapping table would
 * be merged key by key with the user's, so presets leave it null (every agent -> one module).
 */
import { deepFreeze } from '../../core/config';
import { SMALL_MLP, sampling } from '../presets';
import type { Preset } from '../spec';
import type { MultiAgentPPOConfig } from './multi-agent-ppo-config';
import { MIN_MODULE_EPISODE_RETURNS_MEAN } from './multi-agent-windows';
import { MANY_POLICIES_PRESET } from './many-policies-preset';

/** Both presets: 16 env copies x 64 steps on the page runner, [64, 64] tanh, GAE 0.95, clip 0.2, no KL penalty, 6 epochs. */
const PAGE_RUNNER = sampling(0, 16, 64);
const SMALL_PPO = {
  lambda: 0.95,
  clipParam: 0.2,
  vfLossCoeff: 0.5,
  useKlLoss: false,
  numEpochs: 6,
  trainBatchSizePerLearner: 1024,
} as const;

export const MULTI_AGENT_PPO_PRESETS: Readonly<Record<string, Preset<MultiAgentPPOConfig>>> = deepFreeze({
  MultiAgentCartPole: {
    description: 'Two CartPoles, one module each, with the CartPole settings tuned here.',
    details:
      "RLlib's multi_agent_cartpole example (2 agents), per module the CartPole-v1 settings " +
      'tuned here: 16 env copies x 64 steps on the page runner, 6 epochs of 512, lr 3e-3, [64, ' +
      '64] tanh. Stops when every module reaches 450 (RLlib ' +
      'tuned_examples/ppo/multi_agent_cartpole_ppo.py) or at 600k env steps.',
    config: {
      environment: { env: 'MultiAgentCartPole', envConfig: { numAgents: 2 } },
      envRunners: PAGE_RUNNER,
      rlModule: SMALL_MLP,
      training: { ...SMALL_PPO, lr: 3e-3, gamma: 0.99, vfClipParam: 1e9, entropyCoeff: 0, minibatchSize: 512 },
    },
    stop: { [MIN_MODULE_EPISODE_RETURNS_MEAN]: 450, num_env_steps_sampled_lifetime: 600_000 },
    // Issue 30: 1,000 agents, each its own module, split over 2 runner and 2 learner workers.
    variants: { '1000-policies': MANY_POLICIES_PRESET },
  },
  'CoinChase-v0': {
    description: 'Two players race for coins on a 5x5 grid.',
    details:
      '50-step episodes; the settings of the CoinChase unit test: 16 copies x 64 steps, 6 ' +
      'epochs of 256, lr 1e-3, gamma 0.95, [64, 64] tanh, entropy 0.01.',
    config: {
      environment: { env: 'CoinChase-v0' },
      envRunners: PAGE_RUNNER,
      rlModule: SMALL_MLP,
      training: { ...SMALL_PPO, lr: 1e-3, gamma: 0.95, entropyCoeff: 0.01, minibatchSize: 256 },
    },
    stop: { num_env_steps_sampled_lifetime: 100_000 },
  },
});
