/**
 * A2C (synchronous advantage actor-critic) with RLlib's old-stack training step: synchronous
 * sampling from all EnvRunners, advantages on the Learner, one gradient step, weight sync;
 * repeated until minSampleTimestepsPerIteration env steps were sampled.
 */
import { LEARNER_RESULTS, NUM_ENV_STEPS_TRAINED, Timers } from '../../core/metric-keys';
import { concatBatches } from '../../core/sample-batch';
import { yieldIfBusy } from '../../core/yield';
import type { EnvRunnerMetrics } from '../../env-runner/env-runner-config';
import type { DeviceInfo } from '../../backend/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { actorCriticActions, Algorithm } from '../algorithm';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { reduceLearnerResults } from '../metrics-logger';
import { a2cSamplingLayout, type A2CConfig } from './a2c-config';
import { A2CLearner } from './a2c-learner';

/** Longest stretch of repeated steps without giving the page a turn (long tasks start at 50 ms). */
const YIELD_EVERY_MS = 40;

export class A2C extends Algorithm<A2CConfig> {
  private constructor(
    config: A2CConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    readonly learner: A2CLearner,
  ) {
    super(config, device, group, seed);
  }

  static async build(config: A2CConfig, opts: BuildOptions = {}): Promise<A2C> {
    const setup = await setupAlgorithm(config, opts, {
      module: { kind: 'actor-critic', model: config.rlModule },
      rolloutFragmentLength: a2cSamplingLayout(config).rolloutFragmentLength,
    });
    const learner = new A2CLearner(setup.module, config.training);
    return new A2C(config, setup.device, setup.envRunnerGroup, setup.seed, learner).start();
  }

  /**
   * RLlib's training_step: sample, update, sync; repeated until min_sample_timesteps_per_iteration
   * (A2C's small batches need it: each iteration costs a result dict and, in the CLI, a round trip
   * to Node).
   */
  protected async trainingStep(): Promise<void> {
    const t = this.config.training;
    const lifetime = this.envRunnerGroup.lifetime;
    const start = lifetime.numEnvStepsSampled;
    const runnerMetrics: EnvRunnerMetrics[] = [];
    const results: Record<string, number>[] = [];
    let trained = 0;
    do {
      // A local runner's sampling and a small update resolve as microtasks, which never let the
      // page paint: give it a turn every ~40 ms of repeated steps.
      if (results.length > 0) await yieldIfBusy(YIELD_EVERY_MS);
      // 1. Sample trainBatchSizePerLearner env steps from every EnvRunner.
      const sampled = await this.metrics.time(Timers.ENV_RUNNER_SAMPLING, () =>
        this.envRunnerGroup.sample(t.trainBatchSizePerLearner),
      );
      runnerMetrics.push(...sampled.metrics);
      const batch = concatBatches(sampled.batches);
      // 2. Advantages and one gradient step.
      results.push(
        await this.metrics.time(Timers.LEARNER_UPDATE, () => this.learner.update(batch, this.learnerContext())),
      );
      trained += batch.numSteps;
      // 3. The new weights to every EnvRunner.
      await this.metrics.time(Timers.SYNCH_WEIGHTS, () => this.syncRunnerWeights());
    } while (lifetime.numEnvStepsSampled - start < t.minSampleTimestepsPerIteration);
    this.recordRunnerMetrics(runnerMetrics);
    this.envStepsTrainedLifetime += trained;
    this.metrics.set(NUM_ENV_STEPS_TRAINED, trained);
    // Learner results are means over the iteration's updates; counts (num_*) are totals.
    this.metrics.merge(
      LEARNER_RESULTS,
      reduceLearnerResults(results, (k) => k.startsWith('num_')),
    );
  }

  /** The learner's module as a source: the page's runner shares its variables (EnvRunnerGroup.syncWeights). */
  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(this.learner.module);
  }

  computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array | Float32Array> {
    return actorCriticActions(this.learner.module, obs, batchSize);
  }

  protected saveLearner(): Promise<LearnerCheckpoint> {
    return this.learner.getState();
  }

  protected restoreLearner(ckpt: Checkpoint): Promise<void> {
    return this.learner.setState(ckpt);
  }

  override stop(): void {
    super.stop();
    this.learner.dispose();
  }
}

/** The spec's `load()` contract: `build`. */
export const build = (config: A2CConfig, opts?: BuildOptions): Promise<A2C> => A2C.build(config, opts);
