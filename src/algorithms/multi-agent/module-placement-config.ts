/**
 * Where a multi-agent PPO run's modules live and how they are batched (issue 30 item 2), as two
 * keys of PPO's `multiAgent` section next to RLlib's policies / policy_mapping_fn /
 * policies_to_train. RLlib has neither: its scaling guide proposes splitting a MultiRLModule into
 * groups across EnvRunners and Learners but does not build it, and it runs one forward and one
 * loss per module.
 *
 *  - stackModules: modules of one shape (observation size, action space, model config) become one
 *    StackedMLP: one batched forward per env step in each runner and one batched loss, gradient
 *    and Adam step per minibatch in the learner, instead of one of each per module.
 *  - splitAgentsAcrossEnvRunners: with numEnvRunners >= 2 and an env whose agents never interact
 *    (MultiAgentCartPole), runner r steps only its contiguous share of the agents and holds only
 *    the modules they map to. Each runner's env is then a copy with those agents: its env steps
 *    and its episodes (`episode_return_mean`) are of that share; per-agent and per-module returns
 *    are unchanged.
 *  - module-to-learner assignment (no key: numLearners says it): with numLearners >= 1 the trained
 *    modules (policiesToTrain, in `policies` order) are split into numLearners contiguous groups of
 *    near-equal size; each learner worker trains its group alone (no all-reduce between groups).
 */
import { bool, defaultsOf, type ValuesOf } from '../../core/config-catalogue';
import { isCount, type IssueList } from '../../core/issue-list';
import { deepEqual } from '../../core/json';
import type { AlgorithmConfigBase } from '../../core/config';
import { hasIndependentAgents, isMultiAgentEnv } from '../../envs/multi-agent/registry';
import type { MultiAgentConfig } from './multi-agent-config';

export const MODULE_PLACEMENT_KEYS = {
  stackModules: bool(true, {
    doc: 'Stack same-shape modules: one batched forward (runners), one batched loss and Adam step (learners).',
    rllib: { none: 'RLlib runs one forward and one loss per module (a MultiRLModule of separate modules).' },
    aliases: ['stack_modules'],
    note: 'Each module trains exactly as its own learner would (same minibatches, Adam, KL coefficient); only the batching changes.',
  }),
  splitAgentsAcrossEnvRunners: bool(false, {
    doc: 'Each EnvRunner steps only its share of the agents, holding their modules (envs with independent agents).',
    rllib: {
      none: "RLlib's scaling guide proposes it (split the MultiRLModule across EnvRunners); RLlib does not build it.",
    },
    aliases: ['split_agents_across_env_runners'],
  }),
};

export type ModulePlacementConfig = ValuesOf<typeof MODULE_PLACEMENT_KEYS>;
export const MODULE_PLACEMENT_DEFAULTS: ModulePlacementConfig = defaultsOf(MODULE_PLACEMENT_KEYS);

/** The base section's keys only (what multiAgentRules compares with RLlib's defaults). */
export function baseMultiAgent(ma: MultiAgentConfig & Partial<ModulePlacementConfig>): MultiAgentConfig {
  const { policies, policyMappingFn, policiesToTrain } = ma;
  return { policies, policyMappingFn, policiesToTrain };
}

/** Rules between these keys, numLearners, the runners and the env; every problem at once. */
export function modulePlacementRules(
  cfg: AlgorithmConfigBase & { readonly multiAgent?: MultiAgentConfig & Partial<ModulePlacementConfig> },
  out: IssueList,
): void {
  const ma = { ...MODULE_PLACEMENT_DEFAULTS, ...cfg.multiAgent };
  const env = cfg.environment.env;
  if (!isMultiAgentEnv(env)) {
    const placement = { stackModules: ma.stackModules, splitAgentsAcrossEnvRunners: ma.splitAgentsAcrossEnvRunners };
    if (!deepEqual(placement, MODULE_PLACEMENT_DEFAULTS)) {
      out.error(
        'multiAgent',
        `stackModules and splitAgentsAcrossEnvRunners place a multi-agent run's modules, and '${env}' is single-agent; drop them.`,
      );
    }
    return;
  }
  const numLearners = cfg.learners.numLearners;
  if (isCount(numLearners, 1)) {
    if (ma.stackModules !== true) {
      out.error(
        'multiAgent.stackModules',
        `with numLearners ${numLearners} each learner worker trains a stack of modules; set stackModules to true, ` +
          `or numLearners to 0 to train one learner per module on the page.`,
      );
    }
    const trained = Array.isArray(ma.policiesToTrain) ? ma.policiesToTrain : ma.policies;
    if (Array.isArray(trained) && trained.length > 0 && numLearners > trained.length) {
      out.error(
        'learners.numLearners',
        `numLearners (${numLearners}) is more than the modules that train (${trained.length}): each learner worker ` +
          `trains its own group of modules, so use at most ${trained.length}.`,
      );
    }
  }
  if (ma.splitAgentsAcrossEnvRunners === true && !hasIndependentAgents(env)) {
    out.error(
      'multiAgent.splitAgentsAcrossEnvRunners',
      `'${env}' does not declare independent agents (registerMultiAgentEnv's independentAgents), so every EnvRunner ` +
        `must step all of them; set splitAgentsAcrossEnvRunners to false.`,
    );
  }
}
