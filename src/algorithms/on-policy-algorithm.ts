/**
 * The synchronous on-policy training step PPO and A2C share (RLlib's `training_step` of both):
 * every EnvRunner samples, the batches are concatenated, the Learner updates on them, then the
 * runners get the new weights. Subclasses say how the learner updates (PPO: epochs x minibatches
 * of the clipped loss; A2C: one gradient step) and what learner state a checkpoint keeps.
 */
import { LEARNER_RESULTS, Timers } from '../core/metric-keys';
import { concatBatches, type SampleBatch } from '../core/sample-batch';
import { yieldIfBusy } from '../core/yield';
import type { EnvRunnerMetrics } from '../env-runner/env-runner-config';
import type { OptimizerState } from '../learner/learner';
import type { MLPModule } from '../rl-module/mlp-module';
import type { ModuleWeights } from '../rl-module';
import type { DeviceInfo } from '../backend/device';
import type { EnvRunnerGroup, GroupSampleResult } from '../runtime/env-runner-group';
import { Algorithm } from './algorithm';
import type { Checkpoint, LearnerCheckpoint } from './checkpoint';
import type { AnyAlgorithmConfig } from './spec';

/** What the shared step needs from an on-policy learner (PPOLearner, A2CLearner). */
export interface OnPolicyLearner {
  readonly module: MLPModule;
  getOptimizerState(): Promise<OptimizerState>;
  setOptimizerState(state: OptimizerState): Promise<void>;
  /** Disposes the optimizer and the module. */
  dispose(): void;
}

/** Longest stretch of repeated steps without giving the page a turn (long tasks start at 50 ms). */
const YIELD_EVERY_MS = 40;

export abstract class OnPolicyAlgorithm<C extends AnyAlgorithmConfig, L extends OnPolicyLearner> extends Algorithm<C> {
  /**
   * sampleAsync: the train batch the runners sampled while the learner updated on the previous
   * one, held for the next update; its env steps and episodes are already counted. Null otherwise.
   */
  private sampledAhead: GroupSampleResult | null = null;

  protected constructor(
    config: C,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    readonly learner: L,
  ) {
    super(config, device, group, seed);
  }

  /** The learner's update on one train batch; returns its stats (RLlib's learner results). */
  protected abstract updateLearner(batch: SampleBatch): Promise<Record<string, number>>;

  /** Learner state a checkpoint keeps besides weights and optimizer state (PPO: the KL coefficient). */
  protected learnerState(): Record<string, number> {
    return {};
  }

  /** Restores what `learnerState` saved (a checkpoint's values, possibly missing keys). */
  protected restoreLearnerState(state: Readonly<Record<string, number>>): void {
    void state;
  }

  /**
   * Learners each update's batch is for: an iteration samples trainBatchSizePerLearner x this
   * (RLlib: train_batch_size_per_learner on each of num_learners). 1: the learner on the page.
   */
  protected get numLearnersSampledFor(): number {
    return 1;
  }

  /** The weights that count (runners, checkpoints): the page's learner's unless a subclass trains elsewhere. */
  protected currentWeights(): Promise<ModuleWeights> {
    return this.learner.module.getWeights();
  }

  /** The optimizer state a checkpoint keeps, from wherever `currentWeights` comes from. */
  protected currentOptimizerState(): Promise<OptimizerState> {
    return this.learner.getOptimizerState();
  }

  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(await this.currentWeights());
  }

  /**
   * Env steps an iteration samples at least, repeating the step (RLlib:
   * min_sample_timesteps_per_iteration). 0: one step per iteration (PPO). A2C's small batches
   * need it: each iteration costs a result dict and, in the CLI, a round trip to Node.
   */
  protected get minSampleTimestepsPerIteration(): number {
    return 0;
  }

  /**
   * Sample the next train batch while the learner updates on this one (PPO's sampleAsync): the
   * runners keep the weights they have until that sample is in, so each batch after the first is
   * one update behind the learner. false: RLlib's synchronous step.
   */
  protected get sampleAsync(): boolean {
    return false;
  }

  private sampleTrainBatch(): Promise<GroupSampleResult> {
    return this.envRunnerGroup.sample(this.config.training.trainBatchSizePerLearner * this.numLearnersSampledFor);
  }

  /**
   * RLlib's training_step: sample, update, sync; repeated up to minSampleTimestepsPerIteration.
   * With sampleAsync the next sample call runs during the update (remote runners sample on their
   * own threads while the page's learner computes) and the sync waits for it, so a batch is never
   * sampled with two policies and a run is as repeatable as a synchronous one.
   */
  protected async trainingStep(): Promise<void> {
    const lifetime = this.envRunnerGroup.lifetime;
    const start = lifetime.numEnvStepsSampled;
    const timers = { sampling: 0, update: 0, sync: 0 };
    const runnerMetrics: EnvRunnerMetrics[] = [];
    const sums = new Map<string, number>();
    let numUpdates = 0;
    let trained = 0;
    do {
      // A local runner's sampling and a small update resolve as microtasks, which never let the
      // page paint: give it a turn every ~40 ms of repeated steps (as the off-policy step does).
      if (numUpdates > 0) await yieldIfBusy(YIELD_EVERY_MS);
      let t0 = performance.now();
      let sampled = this.sampledAhead;
      this.sampledAhead = null;
      if (!sampled) {
        sampled = await this.sampleTrainBatch();
        runnerMetrics.push(...sampled.metrics);
      }
      timers.sampling += performance.now() - t0;
      const batch = concatBatches(sampled.batches);
      const ahead = this.sampleAsync ? this.sampleTrainBatch() : null;
      // Awaited below; if the update throws first, its rejection must not go unhandled.
      ahead?.catch(() => undefined);
      t0 = performance.now();
      const stats = await this.updateLearner(batch);
      timers.update += performance.now() - t0;
      for (const [k, v] of Object.entries(stats)) sums.set(k, (sums.get(k) ?? 0) + v);
      numUpdates++;
      trained += batch.numSteps;
      if (ahead) {
        // Only the part of the next sample the update did not hide counts as sampling time.
        t0 = performance.now();
        this.sampledAhead = await ahead;
        runnerMetrics.push(...this.sampledAhead.metrics);
        timers.sampling += performance.now() - t0;
      }
      t0 = performance.now();
      await this.syncRunnerWeights();
      timers.sync += performance.now() - t0;
    } while (lifetime.numEnvStepsSampled - start < this.minSampleTimestepsPerIteration);
    this.recordRunnerMetrics(runnerMetrics);
    this.envStepsTrainedLifetime += trained;
    this.metrics.set('num_env_steps_trained', trained);
    this.metrics.set(Timers.ENV_RUNNER_SAMPLING, timers.sampling / 1000);
    this.metrics.set(Timers.LEARNER_UPDATE, timers.update / 1000);
    this.metrics.set(Timers.SYNCH_WEIGHTS, timers.sync / 1000);
    // Learner results are means over the iteration's updates; counts (num_*) are totals.
    const means: Record<string, number> = {};
    for (const [k, v] of sums) means[k] = k.startsWith('num_') ? v : v / numUpdates;
    this.metrics.merge(LEARNER_RESULTS, means);
  }

  /** Learner-update options every on-policy learner reads: the lr schedule's step and the iteration. */
  protected get updateContext(): { readonly lifetimeEnvSteps: number; readonly trainingIteration: number } {
    return { lifetimeEnvSteps: this.envRunnerGroup.lifetime.numEnvStepsSampled, trainingIteration: this.iteration + 1 };
  }

  async computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array | Float32Array> {
    const module = this.learner.module;
    const width = module.distribution.actionDim;
    const actions =
      module.spec.actionSpace.kind === 'discrete' ? new Int32Array(batchSize) : new Float32Array(batchSize * width);
    await module.forwardInference(obs, batchSize, { actions });
    return actions;
  }

  protected async saveLearner(): Promise<LearnerCheckpoint> {
    return {
      weights: await this.currentWeights(),
      optimizerState: await this.currentOptimizerState(),
      learnerState: this.learnerState(),
    };
  }

  protected async restoreLearner(ckpt: Checkpoint): Promise<void> {
    // A batch sampled ahead belongs to the run being replaced; the restored one samples afresh.
    this.sampledAhead = null;
    this.learner.module.setWeights(ckpt.weights);
    await this.learner.setOptimizerState(ckpt.optimizerState);
    this.restoreLearnerState(ckpt.learnerState);
  }

  override stop(): void {
    super.stop();
    this.learner.dispose();
  }
}
