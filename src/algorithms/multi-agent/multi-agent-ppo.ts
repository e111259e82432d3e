/**
 * Multi-agent PPO (RLlib: PPO with `.multi_agent(...)`): one MultiAgentEnvRunner samples one
 * batch per module, and every trained module has its own PPOLearner (its own Adam and KL
 * coefficient) that runs GAE + epochs x minibatches on that module's agent steps.
 *
 * Result keys are RLlib's: env_runners/agent_episode_returns_mean/<agent>,
 * env_runners/module_episode_returns_mean/<module>, learners/<module>/..., and both env steps
 * and agent steps (num_env_steps_sampled_lifetime, num_agent_steps_sampled_lifetime).
 */
import * as K from '../../core/metric-keys';
import { ConfigError, RLError } from '../../core/errors';
import { Rng } from '../../core/rng';
import { MultiAgentEnvRunner, type MultiAgentRunnerMetrics } from '../../env-runner/multi-agent-env-runner';
import type { BackendName } from '../../env-runner/tf-backend';
import { makeMultiAgentVectorEnv } from '../../envs/multi-agent/registry';
import type { OptimizerState } from '../../learner/learner';
import { makeRLModule } from '../../rl-module/module-factory';
import type { MLPModule } from '../../rl-module/mlp-module';
import type { ModuleWeights } from '../../rl-module/weights';
import { selectLearnerDevice, type DeviceInfo } from '../../runtime/device';
import { mean } from '../metrics-logger';
import { PPOLearner } from '../ppo/ppo-learner';
import { resolveModuleOfSlot, type PolicyMappingFn } from './multi-agent-config';
import { validateMultiAgentPPOConfig, type MultiAgentPPOConfig } from './multi-agent-ppo-config';

export const MULTI_AGENT_CHECKPOINT_FORMAT = 'browser-rl-multi-agent-checkpoint/1';

export interface MultiAgentBuildOptions {
  readonly backend?: BackendName;
  /** A mapping function for code-registered envs; replaces the config's table (RLlib: policy_mapping_fn). */
  readonly policyMappingFn?: PolicyMappingFn;
}

/** Every module's weights, optimizer and learner state, and the run's counters. */
export interface MultiAgentCheckpoint {
  readonly format: typeof MULTI_AGENT_CHECKPOINT_FORMAT;
  readonly algo: 'PPO';
  readonly config: MultiAgentPPOConfig;
  readonly modules: Readonly<
    Record<string, { weights: ModuleWeights; optimizerState: OptimizerState | null; currKlCoeff: number | null }>
  >;
  readonly counters: Readonly<Record<string, number>>;
}

export const AGENT_EPISODE_RETURNS_MEAN = 'env_runners/agent_episode_returns_mean';
export const MODULE_EPISODE_RETURNS_MEAN = 'env_runners/module_episode_returns_mean';
export const NUM_AGENT_STEPS_SAMPLED = 'num_agent_steps_sampled';
export const NUM_AGENT_STEPS_SAMPLED_LIFETIME = 'num_agent_steps_sampled_lifetime';

export class MultiAgentPPO {
  readonly rng: Rng;
  /** Learner module per module id (every module; only trained ones have a PPOLearner). */
  readonly modules: ReadonlyMap<string, MLPModule>;
  readonly learners: ReadonlyMap<string, PPOLearner>;
  private iteration = 0;
  private envSteps = 0;
  private agentSteps = 0;
  private agentStepsByModule: Record<string, number> = {};
  private episodes = 0;
  private timeTotalS = 0;
  private weightsSeq = 0;
  private readonly window = {
    env: [] as number[],
    lengths: [] as number[],
    agent: new Map<string, number[]>(),
    module: new Map<string, number[]>(),
  };

  private constructor(
    readonly config: MultiAgentPPOConfig,
    readonly device: DeviceInfo,
    readonly runner: MultiAgentEnvRunner,
    readonly seed: number,
  ) {
    this.rng = new Rng(seed);
    const modules = new Map<string, MLPModule>();
    const learners = new Map<string, PPOLearner>();
    const toTrain = config.multiAgent.policiesToTrain ?? config.multiAgent.policies;
    const t = config.training;
    for (const [m, id] of config.multiAgent.policies.entries()) {
      const lanes = runner.modules[m]!;
      const spaces = {
        observationSpace: runner.env.observationSpaces[firstSlot(runner, m)]!,
        actionSpace: runner.env.actionSpaces[firstSlot(runner, m)]!,
      };
      const module = makeRLModule({ kind: 'actor-critic', model: config.rlModule }, spaces, seed + m) as MLPModule;
      modules.set(id, module);
      if (toTrain.includes(id) && lanes.lanes.length > 0) {
        learners.set(
          id,
          new PPOLearner(
            module,
            {
              lr: t.lr,
              gradClip: t.gradClip,
              gradClipBy: t.gradClipBy,
              maxConsecutiveNonFiniteUpdates: t.maxConsecutiveNonFiniteUpdates,
            },
            t.klCoeff,
          ),
        );
      }
    }
    this.modules = modules;
    this.learners = learners;
  }

  static async build(config: MultiAgentPPOConfig, opts: MultiAgentBuildOptions = {}): Promise<MultiAgentPPO> {
    const probe = makeMultiAgentVectorEnv(config.environment.env, {
      numEnvs: 1,
      seed: 0,
      envConfig: config.environment.envConfig,
    });
    const issues = validateMultiAgentPPOConfig(config, {}, opts.policyMappingFn ? undefined : probe.agentIds).filter(
      (i) => i.severity === 'error',
    );
    if (issues.length > 0) throw new ConfigError(issues);
    const moduleOfSlot = resolveModuleOfSlot(config.multiAgent, probe.agentIds, opts.policyMappingFn);
    const seed = config.debugging.seed ?? Math.floor(Date.now() % 2_147_483_647);
    const device = await selectLearnerDevice(config.learners.numGpusPerLearner, opts.backend);
    const numEnvs = config.envRunners.numEnvsPerEnvRunner;
    const fragment = config.envRunners.rolloutFragmentLength;
    const runner = new MultiAgentEnvRunner({
      env: config.environment.env,
      envConfig: config.environment.envConfig,
      maxEpisodeSteps: config.environment.maxEpisodeSteps,
      numEnvs,
      rolloutFragmentLength:
        fragment === 'auto' ? Math.max(1, Math.ceil(config.training.trainBatchSizePerLearner / numEnvs)) : fragment,
      explore: config.envRunners.explore,
      seed,
      moduleIds: config.multiAgent.policies,
      moduleOfSlot,
      module: { kind: 'actor-critic', model: config.rlModule },
    });
    const algo = new MultiAgentPPO(config, device, runner, seed);
    await algo.syncWeights();
    return algo;
  }

  /** One iteration: sample every module's batch, update each trained module, sync weights. */
  async train(): Promise<K.ResultDict> {
    const t0 = performance.now();
    const t = this.config.training;
    const tSample = performance.now();
    const { batches, metrics } = await this.runner.sample();
    const samplingS = (performance.now() - tSample) / 1000;
    this.record(metrics);
    const tLearn = performance.now();
    const learnerResults: Record<string, number> = {};
    for (const [id, learner] of this.learners) {
      const batch = batches[id];
      if (!batch || batch.numSteps === 0) continue;
      const stats = await learner.update(batch, {
        ...t,
        minibatchSize: Math.min(t.minibatchSize, batch.numSteps),
        shuffle: t.shuffleBatchPerEpoch,
        rng: this.rng,
        lifetimeEnvSteps: this.envSteps,
        trainingIteration: this.iteration + 1,
      });
      for (const [k, v] of Object.entries(stats)) learnerResults[`learners/${id}/${k}`] = v;
      learnerResults[`learners/${id}/num_module_steps_trained`] = batch.numSteps;
    }
    const learnS = (performance.now() - tLearn) / 1000;
    const tSync = performance.now();
    await this.syncWeights();
    const syncS = (performance.now() - tSync) / 1000;
    this.iteration++;
    const iterS = (performance.now() - t0) / 1000;
    this.timeTotalS += iterS;
    return this.result(metrics, learnerResults, { iterS, samplingS, learnS, syncS });
  }

  private record(m: MultiAgentRunnerMetrics): void {
    const keep = this.config.reporting.metricsNumEpisodesForSmoothing;
    const push = (xs: number[], add: readonly number[]): void => {
      xs.push(...add);
      if (xs.length > keep) xs.splice(0, xs.length - keep);
    };
    push(this.window.env, m.episodeReturns);
    push(this.window.lengths, m.episodeLengths);
    for (const [a, rs] of Object.entries(m.agentEpisodeReturns)) {
      const w = this.window.agent.get(a) ?? [];
      push(w, rs);
      this.window.agent.set(a, w);
    }
    for (const [mod, rs] of Object.entries(m.moduleEpisodeReturns)) {
      const w = this.window.module.get(mod) ?? [];
      push(w, rs);
      this.window.module.set(mod, w);
    }
    this.envSteps += m.numEnvSteps;
    this.agentSteps += m.numAgentSteps;
    this.episodes += m.episodeReturns.length;
    for (const [mod, n] of Object.entries(m.agentStepsByModule)) {
      this.agentStepsByModule[mod] = (this.agentStepsByModule[mod] ?? 0) + n;
    }
  }

  private result(
    m: MultiAgentRunnerMetrics,
    learnerResults: Record<string, number>,
    s: { iterS: number; samplingS: number; learnS: number; syncS: number },
  ): K.ResultDict {
    const out: Record<string, number | string> = {
      [K.TRAINING_ITERATION]: this.iteration,
      [K.TIME_THIS_ITER_S]: s.iterS,
      [K.TIME_TOTAL_S]: this.timeTotalS,
      [K.EPISODE_RETURN_MEAN]: mean(this.window.env),
      [K.EPISODE_LEN_MEAN]: mean(this.window.lengths),
      [K.NUM_EPISODES]: m.episodeReturns.length,
      [K.NUM_EPISODES_LIFETIME]: this.episodes,
      [K.ENV_RUNNERS_NUM_ENV_STEPS_SAMPLED]: m.numEnvSteps,
      [K.ENV_RUNNERS_NUM_ENV_STEPS_SAMPLED_LIFETIME]: this.envSteps,
      [K.NUM_ENV_STEPS_SAMPLED]: m.numEnvSteps,
      [K.NUM_ENV_STEPS_SAMPLED_LIFETIME]: this.envSteps,
      [NUM_AGENT_STEPS_SAMPLED]: m.numAgentSteps,
      [NUM_AGENT_STEPS_SAMPLED_LIFETIME]: this.agentSteps,
      'env_runners/num_agent_steps_sampled': m.numAgentSteps,
      'env_runners/num_agent_steps_sampled_lifetime': this.agentSteps,
      [K.NUM_ENV_STEPS_SAMPLED_PER_SECOND]: m.numEnvSteps / s.iterS,
      [K.NUM_ENV_STEPS_SAMPLED_PER_SECOND_ITER]: s.samplingS > 0 ? m.numEnvSteps / s.samplingS : 0,
      'env_runners/num_agent_steps_sampled_per_second': s.samplingS > 0 ? m.numAgentSteps / s.samplingS : 0,
      [K.ENV_STEP_TIMER]: m.envStepMs / 1000,
      [K.INFERENCE_TIMER]: m.inferenceMs / 1000,
      [K.Timers.ENV_RUNNER_SAMPLING]: s.samplingS,
      [K.Timers.LEARNER_UPDATE]: s.learnS,
      [K.Timers.SYNCH_WEIGHTS]: s.syncS,
      'device/backend': this.device.backend,
      ...learnerResults,
    };
    for (const [a, w] of this.window.agent) out[`${AGENT_EPISODE_RETURNS_MEAN}/${a}`] = mean(w);
    for (const [mod, w] of this.window.module) out[`${MODULE_EPISODE_RETURNS_MEAN}/${mod}`] = mean(w);
    for (const [mod, n] of Object.entries(this.agentStepsByModule)) {
      out[`env_runners/num_module_steps_sampled_lifetime/${mod}`] = n;
    }
    return out;
  }

  private async syncWeights(): Promise<void> {
    const weights: Record<string, ModuleWeights> = {};
    for (const [id, module] of this.modules) weights[id] = await module.getWeights();
    this.runner.setWeights(weights, ++this.weightsSeq);
  }

  /** Greedy actions of one module's learner copy. */
  async computeActions(moduleId: string, obs: Float32Array, batchSize: number): Promise<Int32Array> {
    const module = this.modules.get(moduleId);
    if (!module)
      throw new RLError(
        'multi-agent/unknown-module',
        `No module '${moduleId}'; modules: ${[...this.modules.keys()].join(', ')}`,
      );
    const actions = new Int32Array(batchSize);
    await module.forwardInference(obs, batchSize, { actions });
    return actions;
  }

  async save(): Promise<MultiAgentCheckpoint> {
    const modules: Record<string, MultiAgentCheckpoint['modules'][string]> = {};
    for (const [id, module] of this.modules) {
      const learner = this.learners.get(id);
      modules[id] = {
        weights: await module.getWeights(),
        optimizerState: learner ? await learner.getOptimizerState() : null,
        currKlCoeff: learner ? learner.currKlCoeff : null,
      };
    }
    return {
      format: MULTI_AGENT_CHECKPOINT_FORMAT,
      algo: 'PPO',
      config: this.config,
      modules,
      counters: {
        trainingIteration: this.iteration,
        numEnvStepsSampledLifetime: this.envSteps,
        numAgentStepsSampledLifetime: this.agentSteps,
        numEpisodesLifetime: this.episodes,
        timeTotalS: this.timeTotalS,
      },
    };
  }

  /** Restores every module (weights, optimizer, KL coefficient) and the counters. */
  async restore(ckpt: MultiAgentCheckpoint): Promise<void> {
    if (ckpt.format !== MULTI_AGENT_CHECKPOINT_FORMAT) {
      throw new RLError('checkpoint/invalid', `Not a multi-agent checkpoint (format ${String(ckpt.format)}).`);
    }
    const missing = [...this.modules.keys()].filter((id) => !ckpt.modules[id]);
    if (missing.length > 0)
      throw new RLError('checkpoint/mismatch', `Checkpoint lacks modules: ${missing.join(', ')}.`);
    for (const [id, module] of this.modules) {
      const saved = ckpt.modules[id]!;
      module.setWeights(saved.weights);
      const learner = this.learners.get(id);
      if (learner && saved.optimizerState) await learner.setOptimizerState(saved.optimizerState);
      if (learner && saved.currKlCoeff !== null) learner.setState({ currKlCoeff: saved.currKlCoeff });
    }
    const c = ckpt.counters;
    this.iteration = c['trainingIteration'] ?? 0;
    this.envSteps = c['numEnvStepsSampledLifetime'] ?? 0;
    this.agentSteps = c['numAgentStepsSampledLifetime'] ?? 0;
    this.episodes = c['numEpisodesLifetime'] ?? 0;
    this.timeTotalS = c['timeTotalS'] ?? 0;
    await this.syncWeights();
  }

  stop(): void {
    this.runner.stop();
    for (const [id, module] of this.modules) {
      const learner = this.learners.get(id);
      if (learner) learner.dispose();
      else module.dispose();
    }
  }
}

function firstSlot(runner: MultiAgentEnvRunner, m: number): number {
  const i = runner.settings.moduleOfSlot.indexOf(m);
  return i < 0 ? 0 : i;
}
