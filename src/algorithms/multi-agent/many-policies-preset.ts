/**
 * Issue 30's 1,000 policies: MultiAgentCartPole with 1,000 agents, each its own module, on 2
 * runner workers and 2 learner workers (`--preset MultiAgentCartPole:1000-policies`).
 *  - Runners: each steps 500 of the agents (splitAgentsAcrossEnvRunners: the poles never interact)
 *    and holds their 500 modules, stacked: one forward per env step.
 *  - Learners: each trains 500 stacked modules (module groups: one batched loss and Adam step per
 *    minibatch for all 500); per module 256 agent steps per iteration, 4 epochs of 128.
 *  - [16, 16] tanh: CartPole needs little, and every parameter is paid 1,000 times.
 *  - Judged on env_runners/module_episode_returns_median over windows of the last 10 episodes of
 *    each module (an agent's episode ends when its pole falls; its next starts when all 500 poles
 *    of its copy have fallen, so a module ends few episodes per iteration).
 */
import type { DeepPartial } from '../../core/config';
import type { MultiAgentPPOConfig } from '../ppo/ppo-config';
import type { Preset } from '../spec';
import { MODULE_EPISODE_RETURNS_MEDIAN } from './multi-agent-windows';

export const NUM_POLICIES = 1000;

const policies = Array.from({ length: NUM_POLICIES }, (_, i) => `p${i}`);

export const MANY_POLICIES_PRESET: Omit<Preset<MultiAgentPPOConfig>, 'variants'> = {
  description: 'MultiAgentCartPole with 1,000 agents, each its own module.',
  details:
    '2 runner workers of 500 agents, 2 learner workers of 500 stacked modules, [16, 16] tanh, 4 epochs ' +
    'of 128 of 256 agent steps per module per iteration, lr 3e-3. Stops when the median module return ' +
    'reaches 150, or after 30 minutes.',
  config: {
    environment: { env: 'MultiAgentCartPole', envConfig: { numAgents: NUM_POLICIES } },
    envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 1, rolloutFragmentLength: 256 },
    learners: { numLearners: 2, numGpusPerLearner: 0 },
    rlModule: { fcnetHiddens: [16, 16], fcnetActivation: 'tanh', vfShareLayers: false },
    training: {
      trainBatchSizePerLearner: 512,
      minibatchSize: 128,
      numEpochs: 4,
      lr: 3e-3,
      gamma: 0.99,
      lambda: 0.95,
      clipParam: 0.2,
      vfLossCoeff: 0.5,
      vfClipParam: 1e9,
      entropyCoeff: 0,
      useKlLoss: false,
    },
    multiAgent: {
      policies,
      // Agent "i" -> module "pi": RLlib's policy_mapping_fn=lambda aid, *a, **k: f"p{aid}".
      policyMappingFn: Object.fromEntries(policies.map((id, i) => [String(i), id])),
      stackModules: true,
      splitAgentsAcrossEnvRunners: true,
    },
    reporting: { metricsNumEpisodesForSmoothing: 10 },
  } satisfies DeepPartial<MultiAgentPPOConfig>,
  stop: { [MODULE_EPISODE_RETURNS_MEDIAN]: 150, time_total_s: 1800 },
};
