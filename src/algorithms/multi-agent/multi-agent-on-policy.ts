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
      const stats = await this.metrics.time(Timers.LEARNER_UPDATE, () =>
        this.moduleLearners.update(batches, (learner, batch) => learner.update(batch, this.learnerContext())),
      );
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
}

/** Multi-agent PPO: one PPOLearner per trained module. */
export class MultiAgentPPO extends MultiAgentOnPolicy<MultiAgentPPOConfig, PPOLearner> {
  private constructor(config: MultiAgentPPOConfig, setup: MultiAgentSetup, learners: ReadonlyMap<string, PPOLearner>) {
    super(config, setup, learners);
  }

  static async build(config: MultiAgentPPOConfig, opts: MultiAgentBuildOptions = {}): Promise<MultiAgentPPO> {
    const setup = await setupMultiAgent(config, opts, {
      module: { kind: 'actor-critic', model: config.rlModule },
      rolloutFragmentLength: derivedSizes(config).rolloutFragmentLength,
      validate: (c) => PPO_SCHEMA.validate(c),
    });
    const learners = new Map<string, PPOLearner>();
    for (const id of setup.trained)
      learners.set(id, new PPOLearner(setup.modules.get(id) as MLPModule, config.training));
    return new MultiAgentPPO(config, setup, learners).start();
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
