/**
 * The multi-agent PPO run's placement of modules on runners and learners (module-placement-config.ts
 * says what the keys mean): each EnvRunner's agents and modules, and the learner groups. One
 * function each, so MultiAgentPPO asks where things go in one line (its seam with this folder).
 */
import type { DeviceInfo } from '../../backend/device';
import { ConfigError, RLError } from '../../core/errors';
import { idRecord } from '../../core/json';
import type { Box } from '../../core/spaces';
import type { MultiAgentRunnerLayout } from '../../env-runner/env-runner-config';
import { splitAgents } from '../../envs/multi-agent/agent-subset';
import { packModuleWeights } from '../../rl-module/multi-module-weights';
import type { RLModule } from '../../rl-module/rl-module';
import type { ModuleWeights } from '../../rl-module/weights';
import type { ModuleCheckpoint } from '../checkpoint';
import { connectLearnerWorkers, type LearnerGroupBuildOptions } from '../algorithm-setup';
import type { MultiAgentPPOConfig } from '../ppo/ppo-config';
import type { MultiAgentSetup } from './multi-agent-setup';
import { StackedModuleLearners, type ModuleTrainState, type TrainedModule } from './stacked-module-learners';

/**
 * What EnvRunner `workerIndex` holds. Without splitAgentsAcrossEnvRunners (or with one runner):
 * every agent and every module. With it: remote runner r (1..N) steps the r-th contiguous share of
 * the agents (agent-subset.ts: splitAgents) and holds the modules they map to, in `policies` order.
 */
export function runnerLayout(
  config: MultiAgentPPOConfig,
  agentIds: readonly string[],
  moduleOfSlot: readonly number[],
  workerIndex: number,
): MultiAgentRunnerLayout {
  const ma = config.multiAgent;
  const stack = ma.stackModules ? { stackModules: true } : {};
  const numRunners = config.envRunners.numEnvRunners;
  if (!ma.splitAgentsAcrossEnvRunners || numRunners < 2) {
    return { moduleIds: ma.policies, moduleOfSlot, ...stack };
  }
  if (numRunners > agentIds.length) {
    throw new ConfigError([
      {
        path: 'multiAgent.splitAgentsAcrossEnvRunners',
        message:
          `${numRunners} EnvRunners cannot split ${agentIds.length} agents: each needs at least one. ` +
          `Use at most ${agentIds.length} runners, or set splitAgentsAcrossEnvRunners to false.`,
        severity: 'error',
      },
    ]);
  }
  const mine = splitAgents(agentIds, numRunners)[workerIndex - 1];
  if (!mine) throw new RLError('multi-agent/placement', `No agents for EnvRunner ${workerIndex} of ${numRunners}.`);
  const slots = mine.map((a) => agentIds.indexOf(a));
  const modules = [...new Set(slots.map((s) => moduleOfSlot[s]!))].sort((a, b) => a - b);
  return {
    moduleIds: modules.map((m) => ma.policies[m]!),
    moduleOfSlot: slots.map((s) => modules.indexOf(moduleOfSlot[s]!)),
    agentIds: mine,
    ...stack,
  };
}

/** Whether the run trains through StackedModuleLearners (stacked modules, on the page or in learner workers). */
export function usesStackedLearners(config: MultiAgentPPOConfig): boolean {
  return config.multiAgent.stackModules || config.learners.numLearners > 0;
}

/** The run's stacked learners: the trained modules (with agents), grouped on the page or per learner worker. */
export async function buildStackedLearners(
  config: MultiAgentPPOConfig,
  opts: LearnerGroupBuildOptions,
  setup: MultiAgentSetup,
  device: DeviceInfo,
): Promise<StackedModuleLearners> {
  const policies = config.multiAgent.policies;
  const trained: TrainedModule[] = setup.trained.map((id) => {
    const spaces = setup.spaces.get(id)!;
    return {
      id,
      index: policies.indexOf(id),
      observationSpace: spaces.observationSpace as Box,
      actionSpace: spaces.actionSpace,
    };
  });
  const initial = new Map<string, ModuleWeights>();
  for (const m of trained) initial.set(m.id, await setup.modules.get(m.id)!.getWeights());
  return StackedModuleLearners.build(
    {
      training: config.training,
      model: config.rlModule,
      seed: setup.seed,
      modules: trained,
      numLearners: config.learners.numLearners,
      faultTolerance: config.faultTolerance,
      backend: opts.connectLearner ? null : device.backend,
      connect: opts.connectLearner ?? connectLearnerWorkers,
    },
    initial,
  );
}

/** Every module's weights: the trained ones from their learners, the others from the page's copies. */
export async function allModuleWeights(
  learners: StackedModuleLearners,
  modules: ReadonlyMap<string, RLModule>,
): Promise<ModuleWeights> {
  const trained = await learners.getWeights();
  const byModule = new Map<string, ModuleWeights>();
  for (const [id, module] of modules) byModule.set(id, trained.get(id) ?? (await module.getWeights()));
  return packModuleWeights(byModule, 0);
}

/**
 * Each trained module's checkpoint entry, the per-module learners' layout (module-learners.ts:
 * its Adam state and `currKlCoeff`), so either path restores the other's checkpoints.
 */
export async function saveStackedLearners(learners: StackedModuleLearners): Promise<Record<string, ModuleCheckpoint>> {
  const { states } = await learners.getStates();
  const out = idRecord<ModuleCheckpoint>();
  for (const id of learners.ids) {
    const s = states.get(id)!;
    out[id] = { optimizerState: s.optimizer, learnerState: { currKlCoeff: s.klCoeff } };
  }
  return out;
}

/**
 * Restores saveStackedLearners' entries (or the per-module learners', the same) into the groups;
 * the caller has checked that the checkpoint fits (module-learners.ts: checkCheckpointFits).
 */
export async function restoreStackedLearners(
  learners: StackedModuleLearners,
  saved: ReadonlyMap<string, ModuleWeights>,
  entries: Readonly<Record<string, ModuleCheckpoint>>,
  defaultKlCoeff: number,
): Promise<void> {
  const states = new Map<string, ModuleTrainState>();
  for (const id of learners.ids) {
    const entry = entries[id]!;
    states.set(id, { optimizer: entry.optimizerState, klCoeff: entry.learnerState['currKlCoeff'] ?? defaultKlCoeff });
  }
  await learners.setStates(saved, states);
}
