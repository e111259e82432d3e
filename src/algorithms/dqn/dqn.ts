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
import { yieldIfBusy } from '../../core/yield';
import type { EnvRunnerMetrics } from '../../env-runner/env-runner-config';
import type { Learner, UpdateContext } from '../../learner/learner';
import { lrAt, type LrSchedule } from '../../learner/lr-schedule';
import type { TargetNetwork } from '../../learner/target-network';
import { makeReplayBuffer, type EpisodeReplayBuffer, type ReplayBatch } from '../../replay';
import type { DeviceInfo } from '../../backend/device';
import type { EnvRunnerGroup } from '../../runtime/env-runner-group';
import { Algorithm } from '../algorithm';
import { setupAlgorithm, type BuildOptions } from '../algorithm-setup';
import type { Checkpoint, LearnerCheckpoint } from '../checkpoint';
import { reduceLearnerResults } from '../metrics-logger';
import { nStepRange, replayRatio, type OffPolicyConfig } from '../off-policy-config';
import { dqnSamplingLayout, type DQNConfig } from './dqn-config';
import { DQNLearner, type ReplayUpdate } from './dqn-learner';

export type { BuildOptions } from '../algorithm-setup';

/** Result keys beyond the learner's (RLlib reports its replay buffer under `replay_buffer/`). */
export const DQNResultKeys = {
  EPSILON: 'env_runners/epsilon',
  REPLAY_SIZE: 'replay_buffer/size',
  REPLAY_ADDED_LIFETIME: 'replay_buffer/num_env_steps_added_lifetime',
} as const;

/** Longest stretch of replay updates without giving the page a turn (long tasks start at 50 ms). */
const YIELD_EVERY_MS = 40;

/** What the training step needs of a learner: one update per replay batch, and a target network. */
export type ReplayLearner = Learner & {
  readonly target: TargetNetwork;
  update(batch: ReplayBatch, ctx: UpdateContext): Promise<ReplayUpdate>;
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
    const results: Record<string, number>[] = [];
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
        for (let u = 0; u < this.ratio.updates; u++) {
          // The readbacks of a wasm update resolve as microtasks, which never let the page paint:
          // give it a turn every ~40 ms, as the PPO learner does (and an interrupt can stop here).
          await yieldIfBusy(YIELD_EVERY_MS);
          results.push(await this.replayUpdate());
        }
      });
      // 3. Weights (and DQN's epsilon, which moves with the env steps) to every runner; SAC's
      // only once there are new ones.
      await this.metrics.time(Timers.SYNCH_WEIGHTS, async () => {
        if (results.length > 0 || this.epsilonSchedule) await this.syncRunnerWeights();
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
    this.metrics.set(NUM_ENV_STEPS_TRAINED, results.length * t.trainBatchSizePerLearner);
    this.metrics.set(DQNResultKeys.REPLAY_SIZE, this.replayBuffer.size);
    this.metrics.set(DQNResultKeys.REPLAY_ADDED_LIFETIME, this.replayBuffer.numAdded);
    if (this.epsilonSchedule) this.metrics.set(DQNResultKeys.EPSILON, this.epsilon);
  }

  /** One replay batch: sample (n drawn from the n_step range), the learner's update, new priorities. */
  private async replayUpdate(): Promise<Record<string, number>> {
    const t = this.config.training;
    const [nMin, nMax] = nStepRange(t.nStep);
    const nStep = nMin + this.rng.integer(nMax - nMin + 1);
    const batch = this.replayBuffer.sample(t.trainBatchSizePerLearner, this.rng, {
      nStep,
      gamma: t.gamma,
      beta: t.replayBufferConfig.beta,
    });
    const { stats, tdErrors } = await this.learner.update(batch, this.learnerContext());
    this.replayBuffer.updatePriorities(batch.indices, tdErrors, batch.stepIds);
    this.envStepsTrainedLifetime += batch.batchSize;
    return stats;
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

export class DQN extends OffPolicyAlgorithm<DQNConfig, DQNLearner> {
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
