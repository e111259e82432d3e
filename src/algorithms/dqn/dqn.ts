/**
 * DQN (Mnih et al. 2015) with double Q (van Hasselt et al. 2016), dueling heads (Wang et al.
 * 2016), n-step returns and prioritized replay (Schaul et al. 2016): RLlib's DQN.training_step
 * (rllib/algorithms/dqn/dqn.py, new API stack) over the generic core. Runners sample with an
 * epsilon the algorithm evaluates; the fragments go into a replay buffer on the page; once enough
 * env steps were sampled, each training_step replays `trainingIntensity`-many batches.
 */
import { lrAt } from '../../learner/lr-schedule';
import { makeReplayBuffer, type EpisodeReplayBuffer, type ReplayBatch } from '../../replay';
import type { DeviceInfo } from '../../backend/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { OffPolicyAlgorithm, ReplayResultKeys, type ReplayStepResult } from '../off-policy-algorithm';
import { dqnSamplingLayout, type DQNConfig } from './dqn-config';
import { DQNLearner } from './dqn-learner';
import { restoreDQNState, saveDQNState } from './dqn-state';

export type { BuildOptions } from '../algorithm-setup';

/** Result keys beyond the learner's (RLlib reports its replay buffer under `replay_buffer/`). */
export const DQNResultKeys = { EPSILON: 'env_runners/epsilon', ...ReplayResultKeys } as const;

export class DQN extends OffPolicyAlgorithm<DQNConfig> {
  private constructor(
    config: DQNConfig,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    readonly learner: DQNLearner,
    replayBuffer: EpisodeReplayBuffer,
  ) {
    super(config, device, group, seed, replayBuffer);
  }

  static async build(config: DQNConfig, opts: BuildOptions = {}): Promise<DQN> {
    const t = config.training;
    const model = {
      ...config.rlModule,
      headFcnetHiddens: t.headFcnetHiddens,
      headFcnetActivation: t.headFcnetActivation,
      dueling: t.dueling,
    };
    const setup = await setupAlgorithm(config, opts, {
      module: { kind: 'q', model },
      rolloutFragmentLength: dqnSamplingLayout(config).rolloutFragmentLength,
    });
    const learner = new DQNLearner(
      setup.module,
      {
        lr: t.lr,
        gradClip: t.gradClip,
        gradClipBy: t.gradClipBy,
        adamEpsilon: t.adamEpsilon,
        maxConsecutiveNonFiniteUpdates: t.maxConsecutiveNonFiniteUpdates,
      },
      t,
    );
    const buffer = makeReplayBuffer(
      { ...t.replayBufferConfig, storeBufferInCheckpoints: t.storeBufferInCheckpoints },
      setup,
    );
    return new DQN(config, setup.device, setup.envRunnerGroup, setup.seed, learner, buffer).start();
  }

  /** Epsilon of the schedule at the lifetime env steps sampled. RLlib: epsilon. */
  get epsilon(): number {
    return lrAt(this.config.training.epsilon, this.envStepsSampled);
  }

  /** Loss and step with double-Q, dueling and n-step targets; new priorities come from its TD errors. */
  protected learnerStep(batch: ReplayBatch): Promise<ReplayStepResult> {
    return this.learner.update(batch, this.envStepsSampled, this.iteration + 1);
  }

  protected learnerCounters(): Record<string, number> {
    const { numTargetUpdates, lastTargetUpdateTs } = this.learner.target;
    return { num_target_updates: numTargetUpdates, last_target_update_ts: lastTargetUpdateTs };
  }

  protected override recordAlgorithmMetrics(): void {
    this.metrics.set(DQNResultKeys.EPSILON, this.epsilon);
  }

  /** Weights and epsilon, every round (epsilon moves with the env steps sampled). */
  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(await this.learner.module.getWeights(), { epsilon: this.epsilon });
  }

  async computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array> {
    const actions = new Int32Array(batchSize);
    await this.learner.module.forwardInference(obs, batchSize, { actions });
    return actions;
  }

  protected saveLearner(): Promise<LearnerCheckpoint> {
    return saveDQNState(this);
  }

  protected restoreLearner(ckpt: Checkpoint): Promise<void> {
    return restoreDQNState(this, ckpt);
  }

  override stop(): void {
    super.stop();
    this.learner.dispose();
  }
}

/** The implementation `DQN_SPEC.load()` resolves to. */
export function build(config: DQNConfig, opts: BuildOptions = {}): Promise<DQN> {
  return DQN.build(config, opts);
}
