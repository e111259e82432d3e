/**
 * DQN (Mnih et al. 2015) with double Q (van Hasselt et al. 2016), dueling heads (Wang et al.
 * 2016), n-step returns and prioritized replay (Schaul et al. 2016): RLlib's DQN.training_step
 * (rllib/algorithms/dqn/dqn.py, new API stack) over the generic core. Runners sample with an
 * epsilon the algorithm evaluates; the fragments go into a replay buffer on the page; once enough
 * env steps were sampled, each training_step replays `trainingIntensity`-many batches.
 *
 * The step lives in `OffPolicyAlgorithm`, which SAC extends as RLlib's SAC extends DQN.
 */
import { RLError } from '../../core/errors';
import { LEARNER_RESULTS, NUM_ENV_STEPS_TRAINED, Timers } from '../../core/metric-keys';
import type { EnvRunnerMetrics } from '../../env-runner/env-runner-config';
import type { Learner, UpdateContext } from '../../learner/learner';
import { lrAt, type LrSchedule } from '../../learner/lr-schedule';
import type { TargetNetwork } from '../../learner/target-network';
import { makeReplayBuffer, type EpisodeReplayBuffer, type ReplayBatch } from '../../replay';
import type { DeviceInfo } from '../../backend/device';
import type { ModuleDescriptor } from '../../rl-module/module-factory';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { Algorithm } from '../algorithm';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { reduceLearnerResults } from '../metrics-logger';
import { nStepRange, replayRatio, type OffPolicyConfig } from '../off-policy-config';
import { dqnSamplingLayout, type DQNConfig } from './dqn-config';
import { DQNLearner, type ReplayStepDone, type ReplayUpdate } from './dqn-learner';

export type { BuildOptions } from '../algorithm-setup';

/** Result keys beyond the learner's (RLlib reports its replay buffer under `replay_buffer/`). */
export const DQNResultKeys = {
  EPSILON: 'env_runners/epsilon',
  REPLAY_SIZE: 'replay_buffer/size',
  REPLAY_ADDED_LIFETIME: 'replay_buffer/num_env_steps_added_lifetime',
} as const;

/** What the training step needs of a learner: updates on replay batches, and a target network. */
export type ReplayLearner = Learner & {
  readonly target: TargetNetwork;
  update(batch: ReplayBatch, ctx: UpdateContext): Promise<ReplayUpdate>;
  updateMany(
    count: number,
    next: () => ReplayBatch,
    done: ReplayStepDone,
    ctx: UpdateContext,
  ): Promise<Record<string, number>>;
};

/** RLlib's DQN training_step, which SAC reuses (rllib/algorithms/sac/sac.py calls it). */
export abstract class OffPolicyAlgorithm<C extends OffPolicyConfig, L extends ReplayLearner> extends Algorithm<C> {
  private readonly ratio: { sampleRounds: number; updates: number };

  protected constructor(
    config: C,
    device: DeviceInfo,
    group: EnvRunnerGroup,
    seed: number,
    readonly learner: L,
    readonly replayBuffer: EpisodeReplayBuffer,
    /** DQN's epsilon schedule over env steps sampled, sent with the weights; null for SAC. */
    private readonly epsilonSchedule: LrSchedule | null,
    /** RLlib: store_buffer_in_checkpoints. */
    private readonly storeBufferInCheckpoints: boolean,
  ) {
    super(config, device, group, seed);
    this.ratio = replayRatio(config);
  }

  protected get envStepsSampled(): number {
    return this.envRunnerGroup.lifetime.numEnvStepsSampled;
  }

  /** RLlib's training_step, repeated until min_sample_timesteps_per_iteration env steps are sampled. */
  protected async trainingStep(): Promise<void> {
    const t = this.config.training;
    const start = this.envStepsSampled;
    const runnerMetrics: EnvRunnerMetrics[] = [];
    // One entry per updateMany call (means over its steps, which all have the same count).
    const results: Record<string, number>[] = [];
    let numUpdates = 0;
    do {
      // 1. Sample with the current exploration; store the fragments. RLlib: synchronous_parallel_sample + add.
      await this.metrics.time(Timers.ENV_RUNNER_SAMPLING, async () => {
        for (let r = 0; r < this.ratio.sampleRounds; r++) {
          const sampled = await this.envRunnerGroup.sample(1);
          for (const batch of sampled.batches) this.replayBuffer.add(batch);
          runnerMetrics.push(...sampled.metrics);
        }
      });
      // 2. Replay updates once enough env steps were sampled (RLlib: num_steps_sampled_before_learning_starts;
      // a run restored without its buffer refills one batch first).
      await this.metrics.time(Timers.LEARNER_UPDATE, async () => {
        if (this.envStepsSampled < t.numStepsSampledBeforeLearningStarts) return;
        if (this.replayBuffer.size < t.trainBatchSizePerLearner) return;
        results.push(await this.replayUpdates(this.ratio.updates));
        numUpdates += this.ratio.updates;
      });
      // 3. Weights (and DQN's epsilon, which moves with the env steps) to every runner; SAC's
      // only once there are new ones.
      await this.metrics.time(Timers.SYNCH_WEIGHTS, async () => {
        if (numUpdates > 0 || this.epsilonSchedule) await this.syncRunnerWeights();
      });
    } while (this.envStepsSampled - start < t.minSampleTimestepsPerIteration);
    this.recordRunnerMetrics(runnerMetrics);
    // Learner results are means over the iteration's updates; the target counters are current.
    const { numTargetUpdates, lastTargetUpdateTs } = this.learner.target;
    this.metrics.merge(LEARNER_RESULTS, {
      ...reduceLearnerResults(results),
      num_target_updates: numTargetUpdates,
      last_target_update_ts: lastTargetUpdateTs,
    });
    this.metrics.set(NUM_ENV_STEPS_TRAINED, numUpdates * t.trainBatchSizePerLearner);
    this.metrics.set(DQNResultKeys.REPLAY_SIZE, this.replayBuffer.size);
    this.metrics.set(DQNResultKeys.REPLAY_ADDED_LIFETIME, this.replayBuffer.numAdded);
    if (this.epsilonSchedule) this.metrics.set(DQNResultKeys.EPSILON, this.epsilon);
  }

  /**
   * `count` replay updates, each on a batch sampled just before it (n drawn from the n_step
   * range), its TD errors giving new priorities right after it; stats are means over them.
   */
  private replayUpdates(count: number): Promise<Record<string, number>> {
    const t = this.config.training;
    const [nMin, nMax] = nStepRange(t.nStep);
    const next = (): ReplayBatch => {
      const nStep = nMin + this.rng.integer(nMax - nMin + 1);
      return this.replayBuffer.sample(t.trainBatchSizePerLearner, this.rng, {
        nStep,
        gamma: t.gamma,
        beta: t.replayBufferConfig.beta,
      });
    };
    const done = (batch: ReplayBatch, tdErrors: Float32Array): void => {
      this.replayBuffer.updatePriorities(batch.indices, tdErrors, batch.stepIds);
      this.envStepsTrainedLifetime += batch.batchSize;
    };
    return this.learner.updateMany(count, next, done, this.learnerContext());
  }

  /** Epsilon of the schedule at the lifetime env steps sampled (NaN without one). RLlib: epsilon. */
  get epsilon(): number {
    return this.epsilonSchedule ? lrAt(this.epsilonSchedule, this.envStepsSampled) : Number.NaN;
  }

  /** The learner's module goes as a source: the page's runner shares its variables, workers get one readback. */
  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(
      this.learner.module,
      this.epsilonSchedule ? { epsilon: this.epsilon } : undefined,
    );
  }

  /**
   * The learner's state (target networks under algorithmState, as format 2 keeps them), DQN's
   * epsilon (not restored: the schedule at the restored env steps gives it), and the replay
   * buffer's pointers, with its contents when storeBufferInCheckpoints is on.
   */
  protected async saveLearner(): Promise<LearnerCheckpoint> {
    const { targetNetworks, ...learner } = await this.learner.getState();
    const buffer = this.replayBuffer;
    return {
      ...learner,
      learnerState: { ...learner.learnerState, ...(this.epsilonSchedule ? { epsilon: this.epsilon } : {}) },
      algorithmState: {
        ...(targetNetworks ? { targetNetworks } : {}),
        replayBuffer: {
          capacity: buffer.capacity,
          size: buffer.size,
          numAdded: buffer.numAdded,
          ...(this.storeBufferInCheckpoints ? { contents: buffer.getState() } : {}),
        },
      },
    };
  }

  /**
   * Weights, optimizers and target network; the buffer's contents when the checkpoint has them,
   * else it starts empty and refills before updates resume (RLlib's default, too).
   */
  protected async restoreLearner(ckpt: Checkpoint): Promise<void> {
    const { weights, optimizerState, optimizers, learnerState } = ckpt;
    const targetNetworks = ckpt.algorithmState?.targetNetworks;
    await this.learner.setState({
      weights,
      optimizerState,
      ...(optimizers ? { optimizers } : {}),
      learnerState,
      ...(targetNetworks ? { targetNetworks } : {}),
    });
    const contents = ckpt.algorithmState?.replayBuffer?.contents;
    if (!contents) return;
    try {
      this.replayBuffer.setState(contents);
    } catch (e) {
      throw new RLError('checkpoint/mismatch', (e as Error).message, { cause: e });
    }
  }

  override stop(): void {
    super.stop();
    this.learner.dispose();
  }
}

/** DQN's Q-network as the runners and the learner build it (multi-agent DQN builds one per module). */
export function dqnModule(config: DQNConfig): Extract<ModuleDescriptor, { kind: 'q' }> {
  const t = config.training;
  const model = {
    ...config.rlModule,
    headFcnetHiddens: t.headFcnetHiddens,
    headFcnetActivation: t.headFcnetActivation,
    dueling: t.dueling,
  };
  return { kind: 'q', model };
}

export class DQN extends OffPolicyAlgorithm<DQNConfig, DQNLearner> {
  static async build(config: DQNConfig, opts: BuildOptions = {}): Promise<DQN> {
    const t = config.training;
    const setup = await setupAlgorithm(config, opts, {
      module: dqnModule(config),
      rolloutFragmentLength: dqnSamplingLayout(config).rolloutFragmentLength,
    });
    const learner = new DQNLearner(setup.module, t);
    const buffer = makeReplayBuffer(
      { ...t.replayBufferConfig, storeBufferInCheckpoints: t.storeBufferInCheckpoints },
      setup,
    );
    const { device, envRunnerGroup, seed } = setup;
    return new DQN(
      config,
      device,
      envRunnerGroup,
      seed,
      learner,
      buffer,
      t.epsilon,
      t.storeBufferInCheckpoints,
    ).start();
  }

  async computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array> {
    const actions = new Int32Array(batchSize);
    await this.learner.module.forwardInference(obs, batchSize, { actions });
    return actions;
  }
}

/** The implementation `DQN_SPEC.load()` resolves to. */
export function build(config: DQNConfig, opts: BuildOptions = {}): Promise<DQN> {
  return DQN.build(config, opts);
}
