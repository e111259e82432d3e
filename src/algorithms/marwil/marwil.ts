/**
 * MARWIL and BC (RLlib's MARWIL / BC, new API stack): train on recorded episodes, no env
 * sampling to learn from. Each iteration runs dataset_num_iters_per_learner gradient steps over
 * the offline data, then, every evaluation_interval iterations, evaluates the policy in the env
 * on the EnvRunners: that evaluation's return is what the result, the CLI and the page report
 * (under `evaluation/env_runners/*` as RLlib does, and as `env_runners/episode_return_mean`,
 * which stop criteria and charts read; an offline run has no other return).
 */
import { flatDim } from '../../core/spaces';
import { RLError } from '../../core/errors';
import * as K from '../../core/metric-keys';
import type { EpisodeTable } from '../../offline/episode-table';
import { loadOfflineInput } from '../../offline/offline-files';
import type { DeviceInfo } from '../../backend/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { actorCriticActions, Algorithm } from '../algorithm';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { mean, minMax } from '../metrics-logger';
import { offlineSamplingLayout, type MARWILConfig } from './marwil-config';
import { MARWILDataset } from './marwil-data';
import { MARWILLearner } from './marwil-learner';

export type { BuildOptions } from '../algorithm-setup';

/** RLlib's evaluation timer key (EVALUATION_ITERATION_TIMER). */
const EVALUATION_TIMER = 'timers/evaluation_iteration_timer';

export class MARWIL extends Algorithm<MARWILConfig> {
  /** The latest evaluation's keys, repeated in the results until the next one. */
  private evaluation: Record<string, number> = {};

  private constructor(
    config: MARWILConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    readonly learner: MARWILLearner,
    readonly data: MARWILDataset,
  ) {
    super(config, device, group, seed);
  }

  static async build(config: MARWILConfig, opts: BuildOptions = {}): Promise<MARWIL> {
    const table = await loadOfflineInput(config.offlineData.input);
    const setup = await setupAlgorithm(config, opts, {
      module: { kind: 'actor-critic', model: config.rlModule },
      rolloutFragmentLength: offlineSamplingLayout(config).rolloutFragmentLength,
    });
    const problem = spaceMismatch(config, table, setup.observationSpace, setup.actionSpace);
    if (problem) {
      setup.module.dispose();
      throw new RLError('offline/mismatch', problem);
    }
    const learner = new MARWILLearner(setup.module, config.training, config.offlineData.datasetNumItersPerLearner);
    const data = new MARWILDataset(table, config.training.gamma);
    return new MARWIL(config, setup.device, setup.envRunnerGroup, setup.seed, learner, data).start();
  }

  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(await this.learner.module.getWeights());
  }

  /** RLlib's MARWIL training_step: gradient steps on the recorded data; every evaluationInterval, an evaluation. */
  protected async trainingStep(): Promise<void> {
    // 1. dataset_num_iters_per_learner gradient steps. The lr schedule counts env steps trained:
    // an offline run samples none to learn from.
    const ctx = { ...this.learnerContext(), lifetimeEnvSteps: this.envStepsTrainedLifetime };
    const stats = await this.metrics.time(K.Timers.LEARNER_UPDATE, () => this.learner.update(this.data, ctx));
    this.envStepsTrainedLifetime += stats.num_env_steps_trained ?? 0;
    this.metrics.set(K.NUM_ENV_STEPS_TRAINED, stats.num_env_steps_trained ?? 0);
    this.metrics.merge(K.LEARNER_RESULTS, stats);
    // 2. Every evaluationInterval iterations: the weights to the runners, and an evaluation on them.
    if ((this.iteration + 1) % this.config.evaluation.evaluationInterval === 0) {
      await this.metrics.time(K.Timers.SYNCH_WEIGHTS, () => this.syncRunnerWeights());
      this.evaluation = await this.metrics.time(EVALUATION_TIMER, () => this.evaluate());
    }
  }

  /** The result dict, with the latest evaluation's return as the run's return. */
  override async train(): Promise<K.ResultDict> {
    const result = await super.train();
    return { ...result, ...this.evaluation };
  }

  /**
   * Runs the policy in the env (explore as envRunners.explore says) for evaluationDuration
   * episodes or env steps. Each runner call returns whole episodes (complete_episodes), all
   * begun under the weights just sent.
   */
  private async evaluate(): Promise<Record<string, number>> {
    const { evaluationDuration: duration, evaluationDurationUnit: unit } = this.config.evaluation;
    const returns: number[] = [];
    const lengths: number[] = [];
    let steps = 0;
    const stepsPerCall = offlineSamplingLayout(this.config).stepsPerSampleCall;
    while (unit === 'episodes' ? returns.length < duration : steps < duration) {
      const { metrics } = await this.envRunnerGroup.sample(unit === 'episodes' ? stepsPerCall : duration - steps);
      for (const m of metrics) {
        steps += m.numEnvSteps;
        for (let i = 0; i < m.episodeReturns.length; i++) {
          returns.push(m.episodeReturns[i]!);
          lengths.push(m.episodeLengths[i]!);
        }
      }
    }
    const kept = unit === 'episodes' ? returns.slice(0, duration) : returns;
    const range = minMax(kept);
    const returnMean = mean(kept);
    const lenMean = mean(unit === 'episodes' ? lengths.slice(0, duration) : lengths);
    return {
      [`evaluation/${K.EPISODE_RETURN_MEAN}`]: returnMean,
      [`evaluation/${K.EPISODE_RETURN_MIN}`]: range.min,
      [`evaluation/${K.EPISODE_RETURN_MAX}`]: range.max,
      [`evaluation/${K.EPISODE_LEN_MEAN}`]: lenMean,
      [`evaluation/${K.NUM_EPISODES}`]: kept.length,
      [`evaluation/${K.ENV_RUNNERS_NUM_ENV_STEPS_SAMPLED}`]: steps,
      [K.EPISODE_RETURN_MEAN]: returnMean,
      // The run's return is one evaluation's: its window is that evaluation's episodes.
      [K.NUM_EPISODES_IN_RETURN_MEAN]: kept.length,
      [K.RETURN_MEAN_WINDOW]: unit === 'episodes' ? duration : kept.length,
      [K.EPISODE_RETURN_MIN]: range.min,
      [K.EPISODE_RETURN_MAX]: range.max,
      [K.EPISODE_LEN_MEAN]: lenMean,
    };
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

/** Why the recorded data cannot train this config's module, or null. */
function spaceMismatch(
  config: MARWILConfig,
  table: Pick<EpisodeTable, 'obsDim' | 'actionKind' | 'actionDim' | 'actions'> & { env: string | null },
  observationSpace: Parameters<typeof flatDim>[0],
  actionSpace: Parameters<typeof flatDim>[0],
): string | null {
  const env = config.environment.env;
  const problems: string[] = [];
  if (table.env !== null && table.env !== env) problems.push(`the data was recorded on ${table.env}, not ${env}`);
  if (table.obsDim !== flatDim(observationSpace))
    problems.push(`observations have ${table.obsDim} numbers, ${env}'s have ${flatDim(observationSpace)}`);
  if (table.actionKind !== actionSpace.kind || (actionSpace.kind === 'box' && table.actionDim !== flatDim(actionSpace)))
    problems.push(`actions are ${table.actionKind}(${table.actionDim}), ${env}'s are ${actionSpace.kind}`);
  if (actionSpace.kind === 'discrete' && table.actionKind === 'discrete') {
    let max = 0;
    for (const a of table.actions) if (a > max) max = a;
    if (max >= actionSpace.n) problems.push(`actions go up to ${max}, ${env} has ${actionSpace.n}`);
  }
  return problems.length
    ? `offlineData.input does not fit environment.env: ${problems.join('; ')}. Set environment.env to the env the data was recorded on.`
    : null;
}
