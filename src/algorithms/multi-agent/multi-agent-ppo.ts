/**
 * Multi-agent PPO (RLlib: PPO with `.multi_agent(...)`), an Algorithm like any other: the
 * EnvRunnerGroup's runners (the page's local one, or Web Workers for numEnvRunners >= 1) each
 * step a multi-agent vector env with one module per id and return one batch per module; every
 * trained module has its own PPOLearner (ppo/ppo-learner.ts: its own Adam and KL coefficient)
 * running GAE + epochs x minibatches on that module's agent steps; frozen modules (not in
 * policiesToTrain) only act.
 *
 * Result keys are RLlib's: env_runners/agent_episode_returns_mean/<agent>,
 * env_runners/module_episode_returns_mean/<module>, learners/<module>/..., and both env steps
 * and agent steps (num_env_steps_sampled_lifetime, num_agent_steps_sampled_lifetime).
 * Checkpoints hold every module: `weights` packs them under `<module id>/` (multi-module-weights.ts),
 * `optimizerState` is the first trained module's Adam state and `optimizers` the others' by id.
 */
import { idRecord } from '../../core/json';
import { ConfigError, RLError } from '../../core/errors';
import * as K from '../../core/metric-keys';
import { concatBatches, type SampleBatch } from '../../core/sample-batch';
import type { EnvRunnerMetrics, EnvRunnerSettings } from '../../env-runner/env-runner-config';
import { loadedEnvModuleUrls } from '../../envs/env-modules';
import { makeMultiAgentVectorEnv } from '../../envs/multi-agent/registry';
import type { OptimizerState } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';
import { makeRLModule } from '../../rl-module/module-factory';
import { packModuleWeights, unpackModuleWeights } from '../../rl-module/multi-module-weights';
import type { ModuleWeights } from '../../rl-module/weights';
import { selectLearnerDevice, type DeviceInfo } from '../../backend/device';
import { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { Algorithm } from '../algorithm';
import type { LearnerGroupBuildOptions } from '../algorithm-setup';
import type { LearnerFaultCounters } from '../../learner/learner-group';
// Issue 30 (many modules): stacked modules and their placement on runners and learners.
import {
  allModuleWeights,
  buildModuleLearners,
  restoreModuleLearners,
  runnerLayout,
  saveModuleLearners,
  usesModuleLearners,
} from './module-placement';
import type { ModuleLearners } from './module-learners';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { CHECKPOINT_LIMITS } from '../checkpoint-checker';
import { derivedSizes } from '../ppo/ppo-config';
import { PPOLearner } from '../ppo/ppo-learner';
import { resolveModuleOfSlot, type PolicyMappingFn } from './multi-agent-config';
import { validatePPOWithMultiAgent, type MultiAgentPPOConfig } from './multi-agent-ppo-config';
import { MultiAgentWindows } from './multi-agent-windows';

export interface MultiAgentBuildOptions extends LearnerGroupBuildOptions {
  /** A mapping function for code-registered envs; replaces the config's table (RLlib: policy_mapping_fn). */
  readonly policyMappingFn?: PolicyMappingFn;
}

export {
  AGENT_EPISODE_RETURNS_MEAN,
  MIN_MODULE_EPISODE_RETURNS_MEAN,
  MODULE_EPISODE_RETURNS_MEAN,
  NUM_AGENT_STEPS_SAMPLED,
  NUM_AGENT_STEPS_SAMPLED_LIFETIME,
} from './multi-agent-windows';

/** learnerState key of the agent-step counter, and the prefix of each module's KL coefficient. */
const AGENT_STEPS_KEY = 'numAgentStepsSampledLifetime';
const KL_KEY_PREFIX = 'currKlCoeff/';

export class MultiAgentPPO extends Algorithm<MultiAgentPPOConfig> {
  /** Agent id -> module id, for the page's mapping view and the preview. */
  readonly moduleOfAgent: Readonly<Record<string, string>>;
  private readonly windows: MultiAgentWindows;

  private constructor(
    config: MultiAgentPPOConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    /** The learner's copy of every module, by module id (runners hold inference copies). */
    readonly modules: ReadonlyMap<string, MLPModule>,
    /** One PPOLearner per trained module that has agents. */
    readonly learners: ReadonlyMap<string, PPOLearner>,
    readonly agentIds: readonly string[],
    moduleOfSlot: readonly number[],
    /** Stacked modules (multiAgent.stackModules, numLearners >= 1): they train here instead of `learners`. */
    readonly moduleLearners: ModuleLearners | null = null,
  ) {
    super(config, device, group, seed);
    const ids = config.multiAgent.policies;
    this.moduleOfAgent = Object.fromEntries(agentIds.map((a, s) => [a, ids[moduleOfSlot[s]!]!]));
    // Modules no agent maps to never end an episode: leave them out of the return windows.
    const used = ids.filter((_, m) => moduleOfSlot.includes(m));
    this.windows = new MultiAgentWindows(used, agentIds, config.reporting.metricsNumEpisodesForSmoothing);
  }

  static async build(config: MultiAgentPPOConfig, opts: MultiAgentBuildOptions = {}): Promise<MultiAgentPPO> {
    const probe = makeMultiAgentVectorEnv(config.environment.env, {
      numEnvs: 1,
      seed: 0,
      envConfig: config.environment.envConfig,
    });
    const agentIds = opts.policyMappingFn ? undefined : probe.agentIds;
    const issues = validatePPOWithMultiAgent(config, {}, agentIds).filter((i) => i.severity === 'error');
    if (issues.length > 0) throw new ConfigError(issues);
    const moduleOfSlot = resolveModuleOfSlot(config.multiAgent, probe.agentIds, opts.policyMappingFn);
    const seed = config.debugging.seed ?? Math.floor(Date.now() % 2_147_483_647);
    const device = await selectLearnerDevice(config.learners.numGpusPerLearner, opts.backend);
    const descriptor = { kind: 'actor-critic', model: config.rlModule } as const;
    const modules = new Map<string, MLPModule>();
    const learners = new Map<string, PPOLearner>();
    const toTrain = config.multiAgent.policiesToTrain ?? config.multiAgent.policies;
    const stacked = usesModuleLearners(config);
    for (const [m, id] of config.multiAgent.policies.entries()) {
      const slot = Math.max(0, moduleOfSlot.indexOf(m));
      const spaces = { observationSpace: probe.observationSpaces[slot]!, actionSpace: probe.actionSpaces[slot]! };
      const module = makeRLModule(descriptor, spaces, seed + m) as MLPModule;
      modules.set(id, module);
      if (stacked || !toTrain.includes(id) || !moduleOfSlot.includes(m)) continue;
      learners.set(id, new PPOLearner(module, config.training));
    }
    const er = config.envRunners;
    const envModules = loadedEnvModuleUrls();
    const rolloutFragmentLength = derivedSizes(config).rolloutFragmentLength;
    const settingsFor = (workerIndex: number, incarnation: number): EnvRunnerSettings => ({
      workerIndex,
      env: config.environment.env,
      envModules,
      envConfig: config.environment.envConfig,
      maxEpisodeSteps: config.environment.maxEpisodeSteps,
      numEnvs: er.numEnvsPerEnvRunner,
      rolloutFragmentLength,
      batchMode: er.batchMode,
      explore: er.explore,
      module: descriptor,
      seed: seed + incarnation * 7_919_993,
      restartFailedSubEnvironments: config.faultTolerance.restartFailedSubEnvironments,
      inferenceBackend: er.numGpusPerEnvRunner > 0 ? 'webgpu' : 'wasm',
      remoteWorkerEnvs: false,
      remoteEnvBatchWaitMs: 0,
      multiAgent: runnerLayout(config, probe.agentIds, moduleOfSlot, workerIndex),
    });
    const group = new EnvRunnerGroup({
      numEnvRunners: er.numEnvRunners,
      faultTolerance: config.faultTolerance,
      sampleTimeoutS: er.sampleTimeoutS,
      ...(opts.connect ? { connect: opts.connect } : {}),
      settingsFor,
    });
    let moduleLearners: ModuleLearners | null = null;
    try {
      if (stacked) moduleLearners = await buildModuleLearners(config, opts, probe, moduleOfSlot, modules, seed, device);
    } catch (e) {
      for (const module of modules.values()) module.dispose();
      group.stop();
      throw e;
    }
    const algo = new MultiAgentPPO(
      config,
      device,
      group,
      seed,
      modules,
      learners,
      probe.agentIds,
      moduleOfSlot,
      moduleLearners,
    );
    return algo.start();
  }

  /** RLlib's training_step: sample env steps from every runner, update each trained module, sync. */
  protected async trainingStep(): Promise<void> {
    // 1. trainBatchSizePerLearner env steps from every EnvRunner, one batch per module.
    const sampled = await this.metrics.time(K.Timers.ENV_RUNNER_SAMPLING, () =>
      this.envRunnerGroup.sample(this.config.training.trainBatchSizePerLearner),
    );
    this.recordRunnerMetrics(sampled.metrics);
    this.recordAgentMetrics(sampled.metrics);
    // 2. Each trained module's learner on its agents' steps (GAE + epochs x minibatches).
    await this.metrics.time(K.Timers.LEARNER_UPDATE, async () => {
      if (this.moduleLearners) return this.updateModuleLearners(this.moduleLearners, sampled.moduleBatches);
      for (const [id, learner] of this.learners) {
        const parts = sampled.moduleBatches.flatMap((b) => (b[id] && b[id].numSteps > 0 ? [b[id]] : []));
        if (parts.length === 0) continue;
        const batch = concatBatches(parts);
        const stats = await learner.update(batch, this.learnerContext());
        this.metrics.merge(`learners/${id}`, { ...stats, num_module_steps_trained: batch.numSteps });
      }
    });
    // 3. Every module's weights to every EnvRunner.
    await this.metrics.time(K.Timers.SYNCH_WEIGHTS, () => this.syncRunnerWeights());
    const envSteps = sampled.metrics.reduce((n, m) => n + m.numEnvSteps, 0);
    this.envStepsTrainedLifetime += envSteps;
    this.metrics.set(K.NUM_ENV_STEPS_TRAINED, envSteps);
  }

  /** Step 2 with stacked modules: each module's batch (its rows from every runner), one update per learner group. */
  private async updateModuleLearners(
    learners: ModuleLearners,
    runnerBatches: readonly Readonly<Record<string, SampleBatch>>[],
  ): Promise<void> {
    const batches: Record<string, SampleBatch> = idRecord();
    for (const id of learners.ids) {
      const parts = runnerBatches.flatMap((b) => (b[id] && b[id].numSteps > 0 ? [b[id]] : []));
      if (parts.length > 0) batches[id] = concatBatches(parts);
    }
    const stats = await learners.update(batches, this.learnerContext());
    for (const [id, s] of stats) this.metrics.merge(`learners/${id}`, s);
  }

  protected override get learnerFaults(): LearnerFaultCounters {
    return this.moduleLearners?.faults ?? super.learnerFaults;
  }

  /** Agent steps and the per-agent / per-module episode windows, into this iteration's metrics. */
  private recordAgentMetrics(all: readonly EnvRunnerMetrics[]): void {
    for (const m of all) if (m.multiAgent) this.windows.add(m.multiAgent);
    for (const [k, v] of Object.entries(this.windows.result(all))) this.metrics.set(k, v);
  }

  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(await this.packedWeights());
  }

  private async packedWeights(): Promise<ModuleWeights> {
    if (this.moduleLearners) return allModuleWeights(this.moduleLearners, this.modules);
    const byModule = new Map<string, ModuleWeights>();
    for (const [id, module] of this.modules) byModule.set(id, await module.getWeights());
    return packModuleWeights(byModule, 0);
  }

  /** Greedy actions of the first module (what Algorithm callers without a module id get). */
  computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array> {
    return this.computeModuleActions(this.config.multiAgent.policies[0]!, obs, batchSize);
  }

  /** Greedy actions of one module's learner copy (the preview acts per agent with these). */
  async computeModuleActions(moduleId: string, obs: Float32Array, batchSize: number): Promise<Int32Array> {
    const module = this.modules.get(moduleId);
    if (!module) {
      const known = [...this.modules.keys()].join(', ');
      throw new RLError('multi-agent/unknown-module', `No module '${moduleId}'; modules: ${known}.`);
    }
    // A stacked module's page copy is brought up to date only when it acts here.
    const trained = this.moduleLearners?.owns(moduleId)
      ? (await this.moduleLearners.getWeights()).get(moduleId)
      : undefined;
    if (trained) module.setWeights(trained);
    const actions = new Int32Array(batchSize);
    await module.forwardInference(obs, batchSize, { actions });
    return actions;
  }

  protected async saveLearner(): Promise<LearnerCheckpoint> {
    if (this.moduleLearners) {
      return saveModuleLearners(this.moduleLearners, this.modules, {
        [AGENT_STEPS_KEY]: this.windows.agentStepsLifetime,
      });
    }
    const trained = [...this.learners];
    const [first, ...rest] = trained;
    if (!first)
      throw new RLError('multi-agent/nothing-trained', 'No module is trained, so there is no optimizer state to save.');
    const optimizers = idRecord<OptimizerState>();
    for (const [id, learner] of rest) optimizers[id] = await learner.getOptimizerState();
    const learnerState: Record<string, number> = { [AGENT_STEPS_KEY]: this.windows.agentStepsLifetime };
    // The schema caps learnerState; past that many modules the KL coefficients restart from klCoeff.
    if (trained.length < CHECKPOINT_LIMITS.maxLearnerStateKeys) {
      for (const [id, learner] of trained) learnerState[`${KL_KEY_PREFIX}${id}`] = learner.currKlCoeff;
    }
    return {
      weights: await this.packedWeights(),
      optimizerState: await first[1].getOptimizerState(),
      ...(rest.length > 0 ? { optimizers } : {}),
      learnerState,
    };
  }

  /** Every module's weights, each trained module's optimizer and KL coefficient; a missing one is an RLError. */
  protected async restoreLearner(ckpt: Checkpoint): Promise<void> {
    const saved = unpackModuleWeights(ckpt.weights);
    const missing = [...this.modules.keys()].filter((id) => !saved.has(id));
    if (missing.length > 0) {
      throw new RLError('checkpoint/mismatch', `the checkpoint lacks the weights of module(s) ${missing.join(', ')}.`);
    }
    for (const [id, module] of this.modules) module.setWeights(saved.get(id)!);
    if (this.moduleLearners) {
      await restoreModuleLearners(this.moduleLearners, ckpt, saved, this.config.training.klCoeff);
      this.windows.agentStepsLifetime = ckpt.learnerState[AGENT_STEPS_KEY] ?? 0;
      return;
    }
    const [firstId] = this.learners.keys();
    for (const [id, learner] of this.learners) {
      const state = id === firstId ? ckpt.optimizerState : ckpt.optimizers?.[id];
      if (!state) throw new RLError('checkpoint/mismatch', `the checkpoint lacks module ${id}'s optimizer state.`);
      await learner.setOptimizerState(state);
      learner.currKlCoeff = ckpt.learnerState[`${KL_KEY_PREFIX}${id}`] ?? this.config.training.klCoeff;
    }
    this.windows.agentStepsLifetime = ckpt.learnerState[AGENT_STEPS_KEY] ?? 0;
  }

  override stop(): void {
    super.stop();
    this.moduleLearners?.stop();
    for (const [id, module] of this.modules) {
      const learner = this.learners.get(id);
      if (learner) learner.dispose();
      else module.dispose();
    }
  }
}
