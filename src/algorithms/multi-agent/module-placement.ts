/**
 * The multi-agent PPO run's placement of modules on runners and learners (module-placement-config.ts
 * says what the keys mean): each EnvRunner's agents and modules, and the learner groups. One
 * function each, so MultiAgentPPO asks where things go in one line (its seam with this folder).
 */
import type { DeviceInfo } from '../../backend/device';
import { ConfigError, RLError } from '../../core/errors';
import type { Box } from '../../core/spaces';
import type { MultiAgentRunnerLayout } from '../../env-runner/env-runner-config';
import { splitAgents } from '../../envs/multi-agent/agent-subset';
import type { MultiAgentVectorEnv } from '../../envs/multi-agent/types';
import { packModuleWeights } from '../../rl-module/multi-module-weights';
import type { MLPModule } from '../../rl-module/mlp-module';
import type { ModuleWeights } from '../../rl-module/weights';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { CHECKPOINT_LIMITS } from '../checkpoint-checker';
import { connectLearnerWorkers, type LearnerGroupBuildOptions } from '../algorithm-setup';
import type { MultiAgentPPOConfig } from '../ppo/ppo-config';
import { ModuleLearners, type ModuleTrainState, type TrainedModule } from './module-learners';

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

/** Whether the run trains through ModuleLearners (stacked modules, on the page or in learner workers). */
export function usesModuleLearners(config: MultiAgentPPOConfig): boolean {
  return config.multiAgent.stackModules || config.learners.numLearners > 0;
}

/** The run's module learners: the trained modules (with agents), stacked, grouped on the page or per learner worker. */
export function buildModuleLearners(
  config: MultiAgentPPOConfig,
  opts: LearnerGroupBuildOptions,
  probe: MultiAgentVectorEnv,
  moduleOfSlot: readonly number[],
  modules: ReadonlyMap<string, MLPModule>,
  seed: number,
  device: DeviceInfo,
): Promise<ModuleLearners> {
  const ma = config.multiAgent;
  const toTrain = ma.policiesToTrain ?? ma.policies;
  const trained: TrainedModule[] = [];
  ma.policies.forEach((id, m) => {
    const slot = moduleOfSlot.indexOf(m);
    if (!toTrain.includes(id) || slot < 0) return;
    trained.push({
      id,
      index: m,
      observationSpace: probe.observationSpaces[slot] as Box,
      actionSpace: probe.actionSpaces[slot]!,
    });
  });
  return (async () => {
    const initial = new Map<string, ModuleWeights>();
    for (const m of trained) initial.set(m.id, await modules.get(m.id)!.getWeights());
    return ModuleLearners.build(
      {
        training: config.training,
        model: config.rlModule,
        seed,
        modules: trained,
        numLearners: config.learners.numLearners,
        faultTolerance: config.faultTolerance,
        backend: opts.connectLearner ? null : device.backend,
        connect: opts.connectLearner ?? connectLearnerWorkers,
      },
      initial,
    );
  })();
}

/** Every module's weights: the trained ones from their learners, the others from the page's copies. */
export async function allModuleWeights(
  learners: ModuleLearners,
  modules: ReadonlyMap<string, MLPModule>,
): Promise<ModuleWeights> {
  const trained = await learners.getWeights();
  const byModule = new Map<string, ModuleWeights>();
  for (const [id, module] of modules) byModule.set(id, trained.get(id) ?? (await module.getWeights()));
  return packModuleWeights(byModule, 0);
}

/**
 * The checkpoint's learner part, in MultiAgentPPO's layout: every module's weights, the first
 * trained module's Adam state as optimizerState and the others' in `optimizers`, each KL
 * coefficient as `currKlCoeff/<id>`, plus `extra` (the agent-step counter).
 */
export async function saveModuleLearners(
  learners: ModuleLearners,
  modules: ReadonlyMap<string, MLPModule>,
  extra: Readonly<Record<string, number>>,
): Promise<LearnerCheckpoint> {
  const { weights, states } = await learners.getStates();
  const byModule = new Map<string, ModuleWeights>();
  for (const [id, module] of modules) byModule.set(id, weights.get(id) ?? (await module.getWeights()));
  const [first, ...rest] = learners.ids;
  if (!first)
    throw new RLError('multi-agent/nothing-trained', 'No module is trained, so there is no optimizer state to save.');
  const learnerState: Record<string, number> = { ...extra };
  // As the per-module path: past the schema's cap on learnerState the KL coefficients restart from klCoeff.
  if (learners.ids.length < CHECKPOINT_LIMITS.maxLearnerStateKeys) {
    for (const id of learners.ids) learnerState[`currKlCoeff/${id}`] = states.get(id)!.klCoeff;
  }
  return {
    weights: packModuleWeights(byModule, 0),
    optimizerState: states.get(first)!.optimizer,
    ...(rest.length > 0 ? { optimizers: Object.fromEntries(rest.map((id) => [id, states.get(id)!.optimizer])) } : {}),
    learnerState,
  };
}

/** Restores saveModuleLearners' layout (or the per-module learners', the same): a missing module's state is an RLError. */
export async function restoreModuleLearners(
  learners: ModuleLearners,
  ckpt: Checkpoint,
  saved: ReadonlyMap<string, ModuleWeights>,
  defaultKlCoeff: number,
): Promise<void> {
  const states = new Map<string, ModuleTrainState>();
  learners.ids.forEach((id, i) => {
    const optimizer = i === 0 ? ckpt.optimizerState : ckpt.optimizers?.[id];
    if (!optimizer) throw new RLError('checkpoint/mismatch', `the checkpoint lacks module ${id}'s optimizer state.`);
    states.set(id, { optimizer, klCoeff: ckpt.learnerState[`currKlCoeff/${id}`] ?? defaultKlCoeff });
  });
  await learners.setStates(saved, states);
}
