/**
 * APPO (RLlib's asynchronous PPO; Luo et al. 2020, "IMPACT"): IMPALA's asynchronous training step
 * with three changes (rllib/algorithms/appo/appo_learner.py, torch/appo_torch_learner.py):
 *  - train batches go into a circular buffer (N batches, each trained on at most K times), and
 *    the learner draws from it without waiting for new samples while it holds any (here);
 *  - the loss is PPO's clipped surrogate on V-trace advantages computed against a target network,
 *    with IMPACT's target-worker clipping of mu / pi_target (appo-learner.ts);
 *  - the target network moves toward the policy every targetNetworkUpdateFreq * N * K *
 *    trainBatchSizePerLearner trained env steps, and then the KL coefficient adapts when
 *    useKlLoss (appo-learner.ts: afterGradientUpdate).
 */
import type { SampleBatch } from '../../core/sample-batch';
import type { MLPModule } from '../../rl-module/mlp-module';
import { makeRLModule } from '../../rl-module/module-factory';
import type { DeviceInfo } from '../../backend/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import { AsyncKeys } from '../impala/async-metric-keys';
import { asyncSamplingLayout } from '../impala/impala-config';
import { IMPALA } from '../impala/impala';
import type { APPOConfig } from './appo-config';
import { APPOLearner } from './appo-learner';
import { CircularBuffer, refillCircularBuffer } from './circular-buffer';

export class APPO extends IMPALA<APPOConfig, APPOLearner> {
  private readonly circularBuffer: CircularBuffer<SampleBatch>;
  /** Env steps of train batches pushed out of the circular buffer before their K uses. */
  private numEnvStepsEvictedLifetime = 0;

  private constructor(
    config: APPOConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    learner: APPOLearner,
  ) {
    super(config, device, group, seed, learner);
    const t = config.training;
    this.circularBuffer = new CircularBuffer(t.circularBufferNumBatches, t.circularBufferIterationsPerBatch);
  }

  /** APPO.build (named apart from IMPALA.build, whose config type differs). */
  static async buildAPPO(config: APPOConfig, opts: BuildOptions = {}): Promise<APPO> {
    const descriptor = { kind: 'actor-critic', model: config.rlModule } as const;
    const setup = await setupAlgorithm(config, opts, {
      module: descriptor,
      rolloutFragmentLength: asyncSamplingLayout(config).rolloutFragmentLength,
    });
    const spaces = { observationSpace: setup.observationSpace, actionSpace: setup.actionSpace };
    // The target policy the loss and V-trace compare against: a module of the same architecture.
    const targetModule = makeRLModule(descriptor, spaces, setup.seed) as MLPModule;
    targetModule.setWeights(await setup.module.getWeights());
    const learner = new APPOLearner(setup.module, config.training, targetModule);
    return new APPO(config, setup.device, setup.envRunnerGroup, setup.seed, learner).start();
  }

  /**
   * New train batches go into the circular buffer; the learner waits for samples only while the
   * buffer is empty, else it trains on a drawn batch at once (RLlib's learner thread does the same).
   * With learnerQueueFullPolicy 'block' a batch goes in only while the buffer has room, so the
   * back-pressure reaches the runners and each sampled step is trained on K times (refillCircularBuffer).
   */
  protected override async nextTrainBatch(): Promise<SampleBatch> {
    const backPressure = this.config.training.learnerQueueFullPolicy === 'block';
    const evicted = await refillCircularBuffer(this.circularBuffer, (wait) => this.takeTrainBatch(wait), backPressure);
    for (const b of evicted) this.numEnvStepsEvictedLifetime += b.numSteps;
    return this.circularBuffer.sample(this.rng)!;
  }

  protected override recordQueueMetrics(): void {
    super.recordQueueMetrics();
    this.metrics.set(AsyncKeys.CIRCULAR_BUFFER_SIZE, this.circularBuffer.size);
    this.metrics.set(AsyncKeys.CIRCULAR_BUFFER_NUM_ENV_STEPS_DROPPED_LIFETIME, this.numEnvStepsEvictedLifetime);
    this.metrics.set(AsyncKeys.NUM_TARGET_UPDATES, this.learner.target.numTargetUpdates);
  }
}

/** The implementation `APPO_SPEC.load()` resolves to. */
export function build(config: APPOConfig, opts: BuildOptions = {}): Promise<APPO> {
  return APPO.buildAPPO(config, opts);
}
