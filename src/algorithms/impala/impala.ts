/**
 * IMPALA (Espeholt et al. 2018) with RLlib's training step (rllib/algorithms/impala/impala.py,
 * `IMPALA.training_step`): the EnvRunners sample all the time (runtime/async-sampler.ts) into a
 * bounded learner queue; each training step takes the queued sample batches, makes one V-trace
 * update on them (impala-learner.ts), and broadcasts the weights every `broadcastInterval` updates
 * without waiting for the runners to take them. APPO (appo/appo.ts) keeps this step, with its own
 * learner (appo-learner.ts) and a circular buffer in `nextTrainBatch`.
 *
 * Policy lag is counted in learner updates: a batch sampled with the weights broadcast after
 * update u, trained at update U, is U - u updates behind (RLlib: diff_num_grad_updates_vs_sampler_policy).
 */
import { concatBatches, type SampleBatch } from '../../core/sample-batch';
import { LEARNER_RESULTS, NUM_ENV_STEPS_TRAINED, Timers } from '../../core/metric-keys';
import { yieldIfBusy } from '../../core/yield';
import { AsyncSampler } from '../../runtime/async-sampler';
import type { DeviceInfo } from '../../backend/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { LearnerQueue } from '../../runtime/learner-queue';
import { actorCriticActions, Algorithm } from '../algorithm';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { asyncSamplingLayout, type IMPALAConfig, type IMPALATrainingConfig } from './impala-config';
import { IMPALALearner, YIELD_EVERY_MS } from './impala-learner';
import { AsyncKeys } from './async-metric-keys';

export type { BuildOptions } from '../algorithm-setup';

/** The config shape IMPALA's training step reads (APPO's config has these keys and more). */
export type AsyncConfig = Omit<IMPALAConfig, 'algo' | 'training'> & {
  readonly algo: string;
  readonly training: IMPALATrainingConfig;
};

export class IMPALA<
  C extends AsyncConfig = IMPALAConfig,
  L extends IMPALALearner = IMPALALearner,
> extends Algorithm<C> {
  protected readonly queue: LearnerQueue<SampleBatch>;
  protected readonly sampler: AsyncSampler;
  /** Learner updates so far (the learner's policy version). */
  protected numUpdates = 0;
  private updatesSinceBroadcast = 0;
  /** Weights sequence number -> learner updates when those weights were broadcast. */
  private readonly updatesAtWeightsSeq = new Map<number, number>();
  private numEnvStepsDroppedLifetime = 0;
  /** The train batch being assembled from queued sample batches. */
  private partial: SampleBatch[] = [];
  private partialSteps = 0;
  private takenSinceLastReport: SampleBatch[] = [];
  /** The broadcast still on its way to the runners (not awaited by the learner). */
  private pendingBroadcast: Promise<void> | null = null;
  private broadcastError: Error | null = null;

  protected constructor(
    config: C,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    readonly learner: L,
  ) {
    super(config, device, group, seed);
    const t = config.training;
    this.queue = new LearnerQueue<SampleBatch>(t.learnerQueueSize, t.learnerQueueFullPolicy, (dropped) => {
      this.numEnvStepsDroppedLifetime += dropped.numSteps;
    });
    this.sampler = new AsyncSampler(group, this.queue, {
      maxRequestsInFlightPerEnvRunner: t.maxRequestsInFlightPerEnvRunner,
    });
  }

  static async build(config: IMPALAConfig, opts: BuildOptions = {}): Promise<IMPALA> {
    const setup = await setupAlgorithm(config, opts, {
      module: { kind: 'actor-critic', model: config.rlModule },
      rolloutFragmentLength: asyncSamplingLayout(config).rolloutFragmentLength,
    });
    const learner = new IMPALALearner(setup.module, config.training);
    return new IMPALA(config, setup.device, setup.envRunnerGroup, setup.seed, learner).start();
  }

  /** Starts the runners, sends the first weights, then lets them sample on their own. */
  protected override async start(): Promise<this> {
    await super.start();
    this.sampler.start();
    return this;
  }

  protected async syncRunnerWeights(): Promise<void> {
    const weights = await this.learner.module.getWeights();
    this.noteNextWeightsVersion();
    await this.envRunnerGroup.syncWeights(weights);
  }

  /** Records the learner version of the weights about to be sent (syncWeights numbers them next). */
  private noteNextWeightsVersion(): void {
    this.updatesAtWeightsSeq.set(this.envRunnerGroup.currentWeightsSeq + 1, this.numUpdates);
  }

  protected async trainingStep(): Promise<void> {
    const t = this.config.training;
    let trained = 0;
    let stats: Record<string, number>;
    // RLlib's training_step, repeated until min_train_timesteps_per_iteration (0: once).
    do {
      // 1. A train batch from what the runners delivered (waiting only when there is not enough).
      const batch = await this.metrics.time(Timers.ENV_RUNNER_SAMPLING, () => this.nextTrainBatch());
      // 2. One learner update: V-trace, one gradient step (APPO: then its target network and KL coefficient).
      this.envStepsTrainedLifetime += batch.numSteps;
      stats = await this.metrics.time(Timers.LEARNER_UPDATE, () => this.learner.update(batch, this.learnerContext()));
      this.numUpdates++;
      trained += batch.numSteps;
      // 3. Broadcast every broadcastInterval updates; the runners pick the weights up between samples.
      await this.metrics.time(Timers.SYNCH_WEIGHTS, async () => {
        if (++this.updatesSinceBroadcast < t.broadcastInterval) return;
        this.updatesSinceBroadcast = 0;
        await this.broadcast();
      });
      // Updates back to back would hold the page: give it a turn between them when one is due.
      await yieldIfBusy(YIELD_EVERY_MS);
    } while (trained < t.minTrainTimestepsPerIteration);
    this.metrics.set(NUM_ENV_STEPS_TRAINED, trained);
    this.recordRunnerMetrics(this.sampler.drainMetrics());
    this.recordPolicyLag();
    this.metrics.merge(LEARNER_RESULTS, stats);
    this.recordQueueMetrics();
  }

  /** The next batch to train on: queued sample batches, oldest first, up to trainBatchSizePerLearner steps. */
  protected async nextTrainBatch(): Promise<SampleBatch> {
    return (await this.takeTrainBatch(true))!;
  }

  /**
   * Moves queued sample batches into the train batch being assembled; returns it once it holds
   * trainBatchSizePerLearner env steps. Without `wait`, returns null when the queue runs dry first
   * (the partial batch is kept for the next call).
   */
  protected async takeTrainBatch(wait: boolean): Promise<SampleBatch | null> {
    const target = this.config.training.trainBatchSizePerLearner;
    for (;;) {
      if (this.partialSteps >= target) {
        const batch = concatBatches(this.partial);
        this.partial = [];
        this.partialSteps = 0;
        return batch;
      }
      const next = this.queue.take();
      if (next) {
        this.partial.push(next);
        this.partialSteps += next.numSteps;
        this.takenSinceLastReport.push(next);
        continue;
      }
      if (!wait) return null;
      await this.sampler.waitForBatch();
    }
  }

  private throwIfBroadcastFailed(): void {
    if (this.broadcastError) throw this.broadcastError;
  }

  /** Sends the latest weights; the previous broadcast must have arrived first (no pile-up of copies). */
  private async broadcast(): Promise<void> {
    this.throwIfBroadcastFailed();
    if (this.pendingBroadcast) await this.pendingBroadcast;
    this.throwIfBroadcastFailed();
    const weights = await this.learner.module.getWeights();
    this.noteNextWeightsVersion();
    this.pendingBroadcast = this.envRunnerGroup
      .syncWeights(weights)
      .then(() => undefined)
      .catch((e: unknown) => {
        this.broadcastError = e instanceof Error ? e : new Error(String(e));
      })
      .finally(() => {
        this.pendingBroadcast = null;
      });
  }

  /** Lag of the sample batches taken from the queue since the last report, at the time they were taken. */
  private recordPolicyLag(): void {
    const batches = this.takenSinceLastReport;
    this.takenSinceLastReport = [];
    let sum = 0;
    let max = 0;
    for (const b of batches) {
      // A batch sampled before any weights arrived (seq -1/0) is as old as the first weights.
      const at = this.updatesAtWeightsSeq.get(b.weightsSeq) ?? 0;
      const lag = this.numUpdates - at;
      sum += lag;
      max = Math.max(max, lag);
    }
    if (batches.length === 0) return;
    this.metrics.set(AsyncKeys.POLICY_LAG_MEAN, sum / batches.length);
    this.metrics.set(AsyncKeys.POLICY_LAG_MAX, max);
  }

  /** The learner queue's and sampler's state after the iteration (APPO adds its circular buffer's). */
  protected recordQueueMetrics(): void {
    this.metrics.set(AsyncKeys.LEARNER_QUEUE_SIZE, this.queue.size);
    this.metrics.set(AsyncKeys.LEARNER_QUEUE_NUM_BATCHES_DROPPED_LIFETIME, this.queue.numDropped);
    this.metrics.set(AsyncKeys.LEARNER_QUEUE_NUM_ENV_STEPS_DROPPED_LIFETIME, this.numEnvStepsDroppedLifetime);
    this.metrics.set(AsyncKeys.NUM_IN_FLIGHT_REQUESTS, this.sampler.numInFlight);
    this.metrics.set(AsyncKeys.NUM_REQUESTS_LOST_LIFETIME, this.sampler.numRequestsLost);
    this.metrics.set(AsyncKeys.NUM_LEARNER_UPDATES_LIFETIME, this.numUpdates);
  }

  computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array | Float32Array> {
    return actorCriticActions(this.learner.module, obs, batchSize);
  }

  /** The learner's state (APPO's target network under algorithmState) and the learner-update count. */
  protected async saveLearner(): Promise<LearnerCheckpoint> {
    const { targetNetworks, ...learner } = await this.learner.getState();
    return {
      ...learner,
      learnerState: { numLearnerUpdates: this.numUpdates, ...learner.learnerState },
      ...(targetNetworks ? { algorithmState: { targetNetworks } } : {}),
    };
  }

  protected async restoreLearner(ckpt: Checkpoint): Promise<void> {
    const { weights, optimizerState, learnerState } = ckpt;
    const targetNetworks = ckpt.algorithmState?.targetNetworks;
    await this.learner.setState({
      weights,
      optimizerState,
      learnerState,
      ...(targetNetworks ? { targetNetworks } : {}),
    });
    this.numUpdates = learnerState['numLearnerUpdates'] ?? 0;
  }

  override stop(): void {
    this.sampler.stop();
    this.queue.close();
    super.stop();
    this.learner.dispose();
  }
}

/** The implementation `IMPALA_SPEC.load()` resolves to. */
export function build(config: IMPALAConfig, opts: BuildOptions = {}): Promise<IMPALA> {
  return IMPALA.build(config, opts);
}
