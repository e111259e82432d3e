/**
 * APPO (RLlib's asynchronous PPO; Luo et al. 2020, "IMPACT"): IMPALA's asynchronous training step
 * with three changes (rllib/algorithms/appo/appo_learner.py, torch/appo_torch_learner.py):
 *  - train batches go into a circular buffer (N batches, each trained on at most K times), and
 *    the learner draws from it without waiting for new samples while it holds any;
 *  - the loss is PPO's clipped surrogate on V-trace advantages computed against a target network,
 *    with IMPACT's target-worker clipping of mu / pi_target;
 *  - the target network (learner/target-network.ts) moves toward the policy every
 *    targetNetworkUpdateFreq * N * K * trainBatchSizePerLearner trained env steps, and then the
 *    KL coefficient adapts (when useKlLoss).
 */
import type { SampleBatch } from '../../core/sample-batch';
import { TargetNetwork } from '../../learner/target-network';
import type { MLPModule } from '../../rl-module/mlp-module';
import { makeRLModule } from '../../rl-module/module-factory';
import type { DeviceInfo } from '../../backend/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import { DEFAULT_MODULE_ID, type Checkpoint, type LearnerCheckpoint } from '../checkpoint';
import { AsyncKeys } from '../impala/async-metric-keys';
import { asyncSamplingLayout } from '../impala/impala-config';
import { IMPALA, learnerConfigOf } from '../impala/impala';
import { ImpalaLearner } from '../impala/impala-learner';
import type { APPOConfig } from './appo-config';
import { CircularBuffer, refillCircularBuffer } from './circular-buffer';

export class APPO extends IMPALA<APPOConfig> {
  private readonly circularBuffer: CircularBuffer<SampleBatch>;
  /** RLlib: curr_kl_coeffs_per_module. */
  private currKlCoeff: number;
  /** Env steps of train batches pushed out of the circular buffer before their K uses. */
  private numEnvStepsEvictedLifetime = 0;

  private constructor(
    config: APPOConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    learner: ImpalaLearner,
    /** The target policy the loss and V-trace compare against (a module of the same architecture). */
    private readonly targetModule: MLPModule,
    private readonly target: TargetNetwork,
  ) {
    super(config, device, group, seed, learner);
    const t = config.training;
    this.circularBuffer = new CircularBuffer(t.circularBufferNumBatches, t.circularBufferIterationsPerBatch);
    this.currKlCoeff = t.klCoeff;
  }

  /** APPO.build (named apart from IMPALA.build, whose config type differs). */
  static async buildAPPO(config: APPOConfig, opts: BuildOptions = {}): Promise<APPO> {
    const descriptor = { kind: 'actor-critic', model: config.rlModule } as const;
    const setup = await setupAlgorithm(config, opts, {
      module: descriptor,
      rolloutFragmentLength: asyncSamplingLayout(config).rolloutFragmentLength,
    });
    const spaces = { observationSpace: setup.observationSpace, actionSpace: setup.actionSpace };
    const targetModule = makeRLModule(descriptor, spaces, setup.seed) as MLPModule;
    targetModule.setWeights(await setup.module.getWeights());
    const target = TargetNetwork.fromModule(setup.module);
    const learner = new ImpalaLearner(setup.module, learnerConfigOf(config.training), targetModule);
    return new APPO(config, setup.device, setup.envRunnerGroup, setup.seed, learner, targetModule, target).start();
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

  protected override async learnOn(batch: SampleBatch): Promise<Record<string, number>> {
    const t = this.config.training;
    const stats = await this.learner.update(
      batch,
      this.updateConfig({
        lambda: t.lambda,
        clipParam: t.clipParam,
        useKlLoss: t.useKlLoss,
        klCoeff: this.currKlCoeff,
        targetWorkerClipping: t.targetWorkerClipping,
      }),
    );
    this.numUpdates++;
    this.envStepsTrainedLifetime += batch.numSteps;
    // Target network and KL coefficient, on RLlib's schedule (APPOLearner.after_gradient_based_update).
    const period =
      t.targetNetworkUpdateFreq *
      t.circularBufferNumBatches *
      t.circularBufferIterationsPerBatch *
      t.trainBatchSizePerLearner;
    const updated = this.target.maybeUpdate(this.envStepsTrainedLifetime, {
      targetNetworkUpdateFreq: period,
      tau: t.tau,
    });
    if (updated) {
      this.copyTargetIntoModule();
      if (t.useKlLoss) this.adaptKlCoeff(stats['mean_kl_loss'] ?? 0);
    }
    this.metrics.set(AsyncKeys.CIRCULAR_BUFFER_SIZE, this.circularBuffer.size);
    this.metrics.set(AsyncKeys.CIRCULAR_BUFFER_NUM_ENV_STEPS_DROPPED_LIFETIME, this.numEnvStepsEvictedLifetime);
    this.metrics.set(AsyncKeys.NUM_TARGET_UPDATES, this.target.numTargetUpdates);
    return { ...stats, curr_kl_coeff: this.currKlCoeff };
  }

  /** RLlib's APPOTorchLearner._update_module_kl_coeff. */
  private adaptKlCoeff(meanKl: number): void {
    const klTarget = this.config.training.klTarget;
    if (meanKl > 2 * klTarget) this.currKlCoeff *= 1.5;
    else if (meanKl < 0.5 * klTarget) this.currKlCoeff *= 0.5;
  }

  private copyTargetIntoModule(): void {
    this.target.variables.forEach((v, i) => this.targetModule.trainableVariables[i]!.assign(v));
  }

  protected override async saveLearner(): Promise<LearnerCheckpoint> {
    const base = await super.saveLearner();
    return {
      ...base,
      learnerState: { ...base.learnerState, currKlCoeff: this.currKlCoeff },
      algorithmState: { targetNetworks: { [DEFAULT_MODULE_ID]: await this.target.getState() } },
    };
  }

  protected override async restoreLearner(ckpt: Checkpoint): Promise<void> {
    await super.restoreLearner(ckpt);
    this.currKlCoeff = ckpt.learnerState['currKlCoeff'] ?? this.config.training.klCoeff;
    const state = ckpt.algorithmState?.targetNetworks?.[DEFAULT_MODULE_ID];
    if (state) this.target.setState(state);
    else this.target.hardUpdate();
    this.copyTargetIntoModule();
  }

  override stop(): void {
    super.stop();
    this.target.dispose();
    this.targetModule.dispose();
  }
}

/** The implementation `APPO_SPEC.load()` resolves to. */
export function build(config: APPOConfig, opts: BuildOptions = {}): Promise<APPO> {
  return APPO.buildAPPO(config, opts);
}
