/**
 * Multi-agent PPO and A2C (RLlib: PPO / A2C with `.multi_agent(...)`): the synchronous on-policy
 * training step over module batches. The EnvRunnerGroup's runners (the page's local one, or Web
 * Workers) step the multi-agent env and return one batch per module; every trained module's own
 * Learner (ppo/ppo-learner.ts: its own Adam and KL coefficient; a2c/a2c-learner.ts) runs its
 * learner connector (GAE) and its update on that module's agent steps; frozen modules only act.
 */
import { NUM_ENV_STEPS_TRAINED, Timers } from '../../core/metric-keys';
import type { SampleBatch } from '../../core/sample-batch';
import { yieldIfBusy } from '../../core/yield';
import type { EnvRunnerMetrics } from '../../env-runner/env-runner-config';
import type { Learner, UpdateContext } from '../../learner/learner';
import type { MLPModule } from '../../rl-module/mlp-module';
import { a2cSamplingLayout, validateA2CConfig, type A2CConfig } from '../a2c/a2c-config';
import { A2CLearner } from '../a2c/a2c-learner';
import { PPO_SCHEMA, derivedSizes, type MultiAgentPPOConfig } from '../ppo/ppo-config';
import { PPOLearner } from '../ppo/ppo-learner';
import type { LearnerFaultCounters } from '../../learner/learner-group';
import { unpackModuleWeights } from '../../rl-module/multi-module-weights';
import type { ModuleWeights } from '../../rl-module/weights';
import type { ModuleCheckpoint } from '../checkpoint';
import {
  allModuleWeights,
  buildStackedLearners,
  restoreStackedLearners,
  runnerLayout,
  saveStackedLearners,
  usesStackedLearners,
} from './module-placement';
import type { StackedModuleLearners } from './stacked-module-learners';
import { checkCheckpointFits } from './module-learners';
import { MultiAgentAlgorithm } from './multi-agent-algorithm';
import {
  setupMultiAgent,
  type MultiAgentBuildOptions,
  type MultiAgentRunConfig,
  type MultiAgentSetup,
} from './multi-agent-setup';

/** Longest stretch of repeated steps without giving the page a turn (long tasks start at 50 ms). */
const YIELD_EVERY_MS = 40;

/** What the on-policy step needs of a learner: one update (connector + loss) per sample batch. */
export type OnPolicyLearner = Learner & {
  update(batch: SampleBatch, ctx: UpdateContext): Promise<Record<string, number>>;
};

type OnPolicyConfig = MultiAgentRunConfig & {
  readonly training: { readonly trainBatchSizePerLearner: number; readonly minSampleTimestepsPerIteration?: number };
};

export class MultiAgentOnPolicy<C extends OnPolicyConfig, L extends OnPolicyLearner> extends MultiAgentAlgorithm<C, L> {
  /**
   * RLlib's training_step: sample, update each trained module, sync; repeated until
   * minSampleTimestepsPerIteration env steps were sampled (A2C; PPO samples once).
   */
  protected async trainingStep(): Promise<void> {
    const t = this.config.training;
    const lifetime = this.envRunnerGroup.lifetime;
    const start = lifetime.numEnvStepsSampled;
    const runnerMetrics: EnvRunnerMetrics[] = [];
    const results = new Map<string, Record<string, number>[]>();
    let trained = 0;
    do {
      if (runnerMetrics.length > 0) await yieldIfBusy(YIELD_EVERY_MS);
      // 1. trainBatchSizePerLearner env steps from every EnvRunner, one batch per module.
      const sampled = await this.metrics.time(Timers.ENV_RUNNER_SAMPLING, () =>
        this.envRunnerGroup.sample(t.trainBatchSizePerLearner),
      );
      runnerMetrics.push(...sampled.metrics);
      // 2. Each trained module's learner on its agents' steps.
      const batches = this.moduleBatches(sampled.moduleBatches);
      const stats = await this.metrics.time(Timers.LEARNER_UPDATE, () => this.updateModules(batches));
      for (const [id, s] of stats) {
        const list = results.get(id) ?? [];
        list.push({ ...s, num_module_steps_trained: batches.get(id)!.numSteps });
        results.set(id, list);
      }
      trained += sampled.metrics.reduce((n, m) => n + m.numEnvSteps, 0);
      // 3. Every module's weights to every EnvRunner.
      await this.metrics.time(Timers.SYNCH_WEIGHTS, () => this.syncRunnerWeights());
    } while (lifetime.numEnvStepsSampled - start < (t.minSampleTimestepsPerIteration ?? 0));
    this.recordMultiAgentMetrics(runnerMetrics);
    this.mergeModuleResults(results);
    this.envStepsTrainedLifetime += trained;
    this.metrics.set(NUM_ENV_STEPS_TRAINED, trained);
  }

  /** One update of every trained module that has a batch (its own Learner, one after another). */
  protected updateModules(batches: ReadonlyMap<string, SampleBatch>): Promise<Map<string, Record<string, number>>> {
    return this.moduleLearners.update(batches, (learner, batch) => learner.update(batch, this.learnerContext()));
  }
}

/**
 * Multi-agent PPO: one PPOLearner per trained module, or (multiAgent.stackModules, numLearners >= 1)
 * the trained modules stacked into groups, each one StackedPPOLearner on the page or in its own
 * learner worker (stacked-module-learners.ts). Either way each module trains as its own PPOLearner
 * would, and checkpoints have one layout.
 */
export class MultiAgentPPO extends MultiAgentOnPolicy<MultiAgentPPOConfig, PPOLearner> {
  private constructor(
    config: MultiAgentPPOConfig,
    setup: MultiAgentSetup,
    learners: ReadonlyMap<string, PPOLearner>,
    /** The stacked groups that train the modules instead of `learners` (null: one PPOLearner each). */
    private readonly stacked: StackedModuleLearners | null,
    private readonly trainedIds: readonly string[],
  ) {
    super(config, setup, learners);
  }

  static async build(config: MultiAgentPPOConfig, opts: MultiAgentBuildOptions = {}): Promise<MultiAgentPPO> {
    const setup = await setupMultiAgent(config, opts, {
      module: { kind: 'actor-critic', model: config.rlModule },
      rolloutFragmentLength: derivedSizes(config).rolloutFragmentLength,
      validate: (c) => PPO_SCHEMA.validate(c),
      runnerLayout: (agentIds, moduleOfSlot, workerIndex) => runnerLayout(config, agentIds, moduleOfSlot, workerIndex),
    });
    const learners = new Map<string, PPOLearner>();
    let stacked: StackedModuleLearners | null = null;
    try {
      if (usesStackedLearners(config)) stacked = await buildStackedLearners(config, opts, setup, setup.device);
    } catch (e) {
      for (const module of setup.modules.values()) module.dispose();
      setup.envRunnerGroup.stop();
      throw e;
    }
    if (!stacked) {
      for (const id of setup.trained)
        learners.set(id, new PPOLearner(setup.modules.get(id) as MLPModule, config.training));
    }
    return new MultiAgentPPO(config, setup, learners, stacked, setup.trained).start();
  }

  protected override trainedModuleIds(): readonly string[] {
    return this.trainedIds;
  }

  protected override updateModules(
    batches: ReadonlyMap<string, SampleBatch>,
  ): Promise<Map<string, Record<string, number>>> {
    if (!this.stacked) return super.updateModules(batches);
    return this.stacked.update(Object.fromEntries(batches), this.learnerContext());
  }

  protected override get learnerFaults(): LearnerFaultCounters {
    return this.stacked?.faults ?? super.learnerFaults;
  }

  protected override packedWeights(): Promise<ModuleWeights> {
    return this.stacked ? allModuleWeights(this.stacked, this.modules) : super.packedWeights();
  }

  protected override saveModuleStates(): Promise<Record<string, ModuleCheckpoint>> {
    return this.stacked ? saveStackedLearners(this.stacked) : super.saveModuleStates();
  }

  protected override async restoreModuleStates(
    packed: ModuleWeights,
    states: Readonly<Record<string, ModuleCheckpoint>>,
  ): Promise<void> {
    if (!this.stacked) return super.restoreModuleStates(packed, states);
    // The page keeps every module's copy (the frozen ones act from it), the groups the trained ones.
    const saved = unpackModuleWeights(packed);
    checkCheckpointFits([...this.modules.keys()], this.trainedIds, saved, states);
    await restoreStackedLearners(this.stacked, saved, states, this.config.training.klCoeff);
    for (const [id, module] of this.modules) module.setWeights(saved.get(id)!);
  }

  /** A stacked module's page copy is brought up to date only when it acts here. */
  override async computeModuleActions(
    moduleId: string,
    obs: Float32Array,
    batchSize: number,
  ): Promise<Int32Array | Float32Array> {
    const trained = this.stacked?.owns(moduleId) ? (await this.stacked.getWeights()).get(moduleId) : undefined;
    if (trained) this.modules.get(moduleId)?.setWeights(trained);
    return super.computeModuleActions(moduleId, obs, batchSize);
  }

  override stop(): void {
    super.stop();
    this.stacked?.stop();
  }
}

/** Multi-agent A2C: one A2CLearner per trained module. */
export class MultiAgentA2C extends MultiAgentOnPolicy<A2CConfig, A2CLearner> {
  private constructor(config: A2CConfig, setup: MultiAgentSetup, learners: ReadonlyMap<string, A2CLearner>) {
    super(config, setup, learners);
  }

  static async build(config: A2CConfig, opts: MultiAgentBuildOptions = {}): Promise<MultiAgentA2C> {
    const setup = await setupMultiAgent(config, opts, {
      module: { kind: 'actor-critic', model: config.rlModule },
      rolloutFragmentLength: a2cSamplingLayout(config).rolloutFragmentLength,
      validate: validateA2CConfig,
    });
    const learners = new Map<string, A2CLearner>();
    for (const id of setup.trained)
      learners.set(id, new A2CLearner(setup.modules.get(id) as MLPModule, config.training));
    return new MultiAgentA2C(config, setup, learners).start();
  }
}
