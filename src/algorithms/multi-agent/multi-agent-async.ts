/**
 * Multi-agent IMPALA and APPO (RLlib: IMPALA / APPO with `.multi_agent(...)`): IMPALA's
 * asynchronous training step (impala/impala.ts) over module batches. The runners sample all the
 * time into the bounded learner queue, each item one runner's module batches; a training step
 * takes queued samples until they hold trainBatchSizePerLearner env steps, and every trained
 * module makes one V-trace update on its agents' rows (APPO: drawn from its circular buffer,
 * PPO's clipped surrogate against each module's target network). Weights are broadcast every
 * broadcastInterval updates without waiting; policy lag is counted per sample, as IMPALA does.
 */
import type { SampleBatch } from '../../core/sample-batch';
import { NUM_ENV_STEPS_TRAINED, Timers } from '../../core/metric-keys';
import { yieldIfBusy } from '../../core/yield';
import type { SampleResult } from '../../env-runner/protocol';
import type { MLPModule } from '../../rl-module/mlp-module';
import { makeRLModule } from '../../rl-module/module-factory';
import { AsyncSampler } from '../../runtime/async-sampler';
import { LearnerQueue } from '../../runtime/learner-queue';
import type { APPOConfig } from '../appo/appo-config';
import { validateAPPOConfig } from '../appo/appo-config';
import { APPOLearner } from '../appo/appo-learner';
import { CircularBuffer, refillCircularBuffer } from '../appo/circular-buffer';
import { AsyncKeys } from '../impala/async-metric-keys';
import { asyncSamplingLayout, validateIMPALAConfig, type IMPALAConfig } from '../impala/impala-config';
import { IMPALALearner, YIELD_EVERY_MS } from '../impala/impala-learner';
import { MultiAgentAlgorithm } from './multi-agent-algorithm';
import { setupMultiAgent, type MultiAgentBuildOptions, type MultiAgentSetup } from './multi-agent-setup';

/** One runner's sample as the learner queue holds it. */
interface MultiAgentSample {
  /** Env steps it covers. */
  readonly numSteps: number;
  /** The weights version its runner sampled with. */
  readonly weightsSeq: number;
  readonly modules: Readonly<Record<string, SampleBatch>>;
}

/** A train batch: its env steps, and each module's rows of the samples it was made of. */
interface MultiAgentTrainBatch {
  readonly numSteps: number;
  readonly modules: ReadonlyMap<string, SampleBatch>;
}

const toSample = (r: SampleResult): MultiAgentSample => ({
  numSteps: r.metrics.numEnvSteps,
  weightsSeq: r.batch.weightsSeq,
  modules: r.moduleBatches ?? {},
});

export class MultiAgentAsync<C extends IMPALAConfig | APPOConfig, L extends IMPALALearner> extends MultiAgentAlgorithm<
  C,
  L
> {
  private readonly queue: LearnerQueue<MultiAgentSample>;
  private readonly sampler: AsyncSampler<MultiAgentSample>;
  /** Learner updates so far (every module updates once per step: one policy version for all). */
  private numUpdates = 0;
  private updatesSinceBroadcast = 0;
  /** Weights sequence number -> learner updates when those weights were broadcast. */
  private readonly updatesAtWeightsSeq = new Map<number, number>();
  private numEnvStepsDroppedLifetime = 0;
  private numEnvStepsEvictedLifetime = 0;
  private partial: MultiAgentSample[] = [];
  private takenSinceLastReport: MultiAgentSample[] = [];
  private pendingBroadcast: Promise<void> | null = null;
  private broadcastError: Error | null = null;

  protected constructor(
    config: C,
    setup: MultiAgentSetup,
    learners: ReadonlyMap<string, L>,
    /** APPO's circular buffer of train batches (N batches, K uses each); null for IMPALA. */
    private readonly circularBuffer: CircularBuffer<MultiAgentTrainBatch> | null,
  ) {
    super(config, setup, learners);
    const t = config.training;
    this.queue = new LearnerQueue<MultiAgentSample>(t.learnerQueueSize, t.learnerQueueFullPolicy, (dropped) => {
      this.numEnvStepsDroppedLifetime += dropped.numSteps;
    });
    this.sampler = new AsyncSampler(setup.envRunnerGroup, this.queue, {
      maxRequestsInFlightPerEnvRunner: t.maxRequestsInFlightPerEnvRunner,
      toItem: toSample,
    });
  }

  /** Starts the runners, sends the first weights, then lets them sample on their own. */
  protected override async start(): Promise<this> {
    await super.start();
    this.sampler.start();
    return this;
  }

  protected override async syncRunnerWeights(): Promise<void> {
    this.updatesAtWeightsSeq.set(this.envRunnerGroup.currentWeightsSeq + 1, this.numUpdates);
    await super.syncRunnerWeights();
  }

  /** RLlib's IMPALA training_step over module batches, repeated until min_train_timesteps_per_iteration. */
  protected async trainingStep(): Promise<void> {
    const t = this.config.training;
    const results = new Map<string, Record<string, number>[]>();
    let trained = 0;
    do {
      // 1. A train batch from what the runners delivered (waiting only when there is not enough).
      const batch = await this.metrics.time(Timers.ENV_RUNNER_SAMPLING, () => this.nextTrainBatch());
      // 2. One update of every trained module on its agents' rows (V-trace, one gradient step).
      this.envStepsTrainedLifetime += batch.numSteps;
      const stats = await this.metrics.time(Timers.LEARNER_UPDATE, () =>
        this.moduleLearners.update(batch.modules, async (learner, rows) => ({
          ...(await learner.update(rows, this.learnerContext())),
          num_module_steps_trained: rows.numSteps,
        })),
      );
      for (const [id, s] of stats) results.set(id, [...(results.get(id) ?? []), s]);
      this.numUpdates++;
      trained += batch.numSteps;
      // 3. Broadcast every broadcastInterval updates; the runners pick the weights up between samples.
      await this.metrics.time(Timers.SYNCH_WEIGHTS, async () => {
        if (++this.updatesSinceBroadcast < t.broadcastInterval) return;
        this.updatesSinceBroadcast = 0;
        await this.broadcast();
      });
      await yieldIfBusy(YIELD_EVERY_MS);
    } while (trained < t.minTrainTimestepsPerIteration);
    this.metrics.set(NUM_ENV_STEPS_TRAINED, trained);
    this.recordMultiAgentMetrics(this.sampler.drainMetrics());
    this.mergeModuleResults(results, (k) => k === 'num_module_steps_trained');
    this.recordQueueMetrics();
  }

  /** IMPALA: the next train batch from the queue; APPO: a draw from the circular buffer, refilled first. */
  private async nextTrainBatch(): Promise<MultiAgentTrainBatch> {
    const buffer = this.circularBuffer;
    if (!buffer) return (await this.takeTrainBatch(true))!;
    const backPressure = this.config.training.learnerQueueFullPolicy === 'block';
    const evicted = await refillCircularBuffer(buffer, (wait) => this.takeTrainBatch(wait), backPressure);
    for (const b of evicted) this.numEnvStepsEvictedLifetime += b.numSteps;
    return buffer.sample(this.rng)!;
  }

  /**
   * Queued samples, oldest first, until they hold trainBatchSizePerLearner env steps; without
   * `wait`, null when the queue runs dry first (the samples taken stay for the next call).
   */
  private async takeTrainBatch(wait: boolean): Promise<MultiAgentTrainBatch | null> {
    const target = this.config.training.trainBatchSizePerLearner;
    for (;;) {
      const steps = this.partial.reduce((n, s) => n + s.numSteps, 0);
      if (steps >= target) {
        const samples = this.partial;
        this.partial = [];
        return { numSteps: steps, modules: this.moduleBatches(samples.map((s) => s.modules)) };
      }
      const next = this.queue.take();
      if (next) {
        this.partial.push(next);
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
    const weights = await this.moduleLearners.packedWeights();
    this.updatesAtWeightsSeq.set(this.envRunnerGroup.currentWeightsSeq + 1, this.numUpdates);
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

  /** Policy lag of the samples taken since the last report, and the queue's and sampler's state. */
  private recordQueueMetrics(): void {
    const taken = this.takenSinceLastReport;
    this.takenSinceLastReport = [];
    if (taken.length > 0) {
      const lags = taken.map((s) => this.numUpdates - (this.updatesAtWeightsSeq.get(s.weightsSeq) ?? 0));
      this.metrics.set(AsyncKeys.POLICY_LAG_MEAN, lags.reduce((a, b) => a + b, 0) / lags.length);
      this.metrics.set(
        AsyncKeys.POLICY_LAG_MAX,
        lags.reduce((a, b) => Math.max(a, b), 0),
      );
    }
    this.metrics.set(AsyncKeys.LEARNER_QUEUE_SIZE, this.queue.size);
    this.metrics.set(AsyncKeys.LEARNER_QUEUE_NUM_BATCHES_DROPPED_LIFETIME, this.queue.numDropped);
    this.metrics.set(AsyncKeys.LEARNER_QUEUE_NUM_ENV_STEPS_DROPPED_LIFETIME, this.numEnvStepsDroppedLifetime);
    this.metrics.set(AsyncKeys.NUM_IN_FLIGHT_REQUESTS, this.sampler.numInFlight);
    this.metrics.set(AsyncKeys.NUM_REQUESTS_LOST_LIFETIME, this.sampler.numRequestsLost);
    this.metrics.set(AsyncKeys.NUM_LEARNER_UPDATES_LIFETIME, this.numUpdates);
    if (this.circularBuffer) {
      this.metrics.set(AsyncKeys.CIRCULAR_BUFFER_SIZE, this.circularBuffer.size);
      this.metrics.set(AsyncKeys.CIRCULAR_BUFFER_NUM_ENV_STEPS_DROPPED_LIFETIME, this.numEnvStepsEvictedLifetime);
    }
  }

  protected override runLearnerState(): Record<string, number> {
    return { numLearnerUpdates: this.numUpdates };
  }

  protected override restoreRunLearnerState(state: Readonly<Record<string, number>>): void {
    this.numUpdates = state['numLearnerUpdates'] ?? 0;
  }

  override stop(): void {
    this.sampler.stop();
    this.queue.close();
    super.stop();
  }
}

/** Multi-agent IMPALA: one IMPALALearner per trained module. */
export class MultiAgentIMPALA extends MultiAgentAsync<IMPALAConfig, IMPALALearner> {
  static async build(config: IMPALAConfig, opts: MultiAgentBuildOptions = {}): Promise<MultiAgentIMPALA> {
    const setup = await setupMultiAgent(config, opts, {
      module: { kind: 'actor-critic', model: config.rlModule },
      rolloutFragmentLength: asyncSamplingLayout(config).rolloutFragmentLength,
      validate: validateIMPALAConfig,
    });
    const learners = new Map<string, IMPALALearner>();
    for (const id of setup.trained) {
      learners.set(id, new IMPALALearner(setup.modules.get(id) as MLPModule, config.training));
    }
    return new MultiAgentIMPALA(config, setup, learners, null).start();
  }
}

/** Multi-agent APPO: one APPOLearner (with its target module) per trained module, and a circular buffer. */
export class MultiAgentAPPO extends MultiAgentAsync<APPOConfig, APPOLearner> {
  static async build(config: APPOConfig, opts: MultiAgentBuildOptions = {}): Promise<MultiAgentAPPO> {
    const descriptor = { kind: 'actor-critic', model: config.rlModule } as const;
    const setup = await setupMultiAgent(config, opts, {
      module: descriptor,
      rolloutFragmentLength: asyncSamplingLayout(config).rolloutFragmentLength,
      validate: validateAPPOConfig,
    });
    const learners = new Map<string, APPOLearner>();
    for (const id of setup.trained) {
      const module = setup.modules.get(id) as MLPModule;
      // The target policy V-trace and the loss compare against: a module of the same architecture.
      const target = makeRLModule(descriptor, setup.spaces.get(id)!, setup.seed) as MLPModule;
      target.setWeights(await module.getWeights());
      learners.set(id, new APPOLearner(module, config.training, target));
    }
    const t = config.training;
    const buffer = new CircularBuffer<MultiAgentTrainBatch>(
      t.circularBufferNumBatches,
      t.circularBufferIterationsPerBatch,
    );
    return new MultiAgentAPPO(config, setup, learners, buffer).start();
  }
}
