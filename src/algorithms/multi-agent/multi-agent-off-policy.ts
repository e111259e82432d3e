/**
 * Multi-agent DQN and SAC (RLlib: DQN / SAC with `.multi_agent(...)`, which use a
 * MultiAgentEpisodeReplayBuffer): DQN's training step (dqn/dqn.ts, OffPolicyAlgorithm) over
 * module batches. Each trained module has its own replay buffer, filled with its own agents'
 * transitions and sampled independently (RLlib's replay_mode "independent"): a module never
 * learns from another module's agents. Prioritized replay keeps priorities per module buffer.
 *
 * One difference from RLlib, by choice: RLlib's buffer counts `capacity` in env steps over whole
 * multi-agent episodes; here each module's buffer keeps its newest `capacity` transitions, so a
 * module with few agents is not crowded out by one with many.
 */
import { RLError } from '../../core/errors';
import { NUM_ENV_STEPS_TRAINED, Timers } from '../../core/metric-keys';
import { yieldIfBusy } from '../../core/yield';
import type { EnvRunnerMetrics, ExplorationState } from '../../env-runner/env-runner-config';
import { lrAt, type LrSchedule } from '../../learner/lr-schedule';
import { makeReplayBuffer, type EpisodeReplayBuffer, type ReplayBatch } from '../../replay';
import type { QModule } from '../../rl-module/q-module';
import type { SACModule } from '../../rl-module/sac-module';
import type { ModuleCheckpoint } from '../checkpoint';
import { DQNResultKeys, dqnModule, type ReplayLearner } from '../dqn/dqn';
import { dqnSamplingLayout, validateDQNConfig, type DQNConfig } from '../dqn/dqn-config';
import { DQNLearner } from '../dqn/dqn-learner';
import { nStepRange, replayRatio, type OffPolicyConfig } from '../off-policy-config';
import { sacSamplingLayout, validateSACConfig, type SACConfig } from '../sac/sac-config';
import { sacModule } from '../sac/sac';
import { SACLearner } from '../sac/sac-learner';
import { MultiAgentAlgorithm } from './multi-agent-algorithm';
import {
  setupMultiAgent,
  type MultiAgentBuildOptions,
  type MultiAgentRunConfig,
  type MultiAgentSetup,
} from './multi-agent-setup';

/** Longest stretch of replay updates without giving the page a turn (long tasks start at 50 ms). */
const YIELD_EVERY_MS = 40;

type ReplayConfig = MultiAgentRunConfig &
  OffPolicyConfig & { readonly training: { readonly storeBufferInCheckpoints: boolean } };

/** Learner results summed over an iteration's updates; the rest are means (target counters are set after). */
const TOTALS = new Set(['num_module_steps_trained', 'num_non_finite_updates']);

export class MultiAgentOffPolicy<C extends ReplayConfig, L extends ReplayLearner> extends MultiAgentAlgorithm<C, L> {
  private readonly ratio: { sampleRounds: number; updates: number };

  protected constructor(
    config: C,
    setup: MultiAgentSetup,
    learners: ReadonlyMap<string, L>,
    /** One replay buffer per trained module (RLlib: MultiAgentEpisodeReplayBuffer, "independent"). */
    readonly buffers: ReadonlyMap<string, EpisodeReplayBuffer>,
    /** DQN's epsilon schedule over env steps sampled, sent with the weights; null for SAC. */
    private readonly epsilonSchedule: LrSchedule | null,
  ) {
    super(config, setup, learners);
    this.ratio = replayRatio(config);
  }

  /** Epsilon of the schedule at the lifetime env steps sampled (NaN without one). RLlib: epsilon. */
  get epsilon(): number {
    return this.epsilonSchedule ? lrAt(this.epsilonSchedule, this.envRunnerGroup.lifetime.numEnvStepsSampled) : NaN;
  }

  protected override exploration(): ExplorationState | undefined {
    return this.epsilonSchedule ? { epsilon: this.epsilon } : undefined;
  }

  /** RLlib's DQN training_step over module batches, repeated until min_sample_timesteps_per_iteration. */
  protected async trainingStep(): Promise<void> {
    const t = this.config.training;
    const lifetime = this.envRunnerGroup.lifetime;
    const start = lifetime.numEnvStepsSampled;
    const runnerMetrics: EnvRunnerMetrics[] = [];
    const results = new Map<string, Record<string, number>[]>();
    let updates = 0;
    do {
      // 1. Sample with the current exploration; each module's rows into its own buffer.
      await this.metrics.time(Timers.ENV_RUNNER_SAMPLING, async () => {
        for (let r = 0; r < this.ratio.sampleRounds; r++) {
          const sampled = await this.envRunnerGroup.sample(1);
          for (const [id, batch] of this.moduleBatches(sampled.moduleBatches)) this.buffers.get(id)?.add(batch);
          runnerMetrics.push(...sampled.metrics);
        }
      });
      // 2. Replay updates once enough env steps were sampled, each module on its own buffer.
      const learning = lifetime.numEnvStepsSampled >= t.numStepsSampledBeforeLearningStarts;
      if (learning) {
        await this.metrics.time(Timers.LEARNER_UPDATE, async () => {
          for (let u = 0; u < this.ratio.updates; u++) {
            await yieldIfBusy(YIELD_EVERY_MS);
            for (const [id, stats] of await this.replayUpdate()) {
              const list = results.get(id) ?? [];
              list.push(stats);
              results.set(id, list);
            }
            updates++;
          }
        });
      }
      // 3. Weights (and DQN's epsilon, which moves with the env steps) to every runner.
      await this.metrics.time(Timers.SYNCH_WEIGHTS, async () => {
        if (learning || this.epsilonSchedule) await this.syncRunnerWeights();
      });
    } while (lifetime.numEnvStepsSampled - start < t.minSampleTimestepsPerIteration);
    this.recordMultiAgentMetrics(runnerMetrics);
    this.mergeModuleResults(results, (k) => TOTALS.has(k));
    this.recordBufferMetrics();
    const trained = updates * t.trainBatchSizePerLearner;
    this.envStepsTrainedLifetime += trained;
    this.metrics.set(NUM_ENV_STEPS_TRAINED, trained);
    if (this.epsilonSchedule) this.metrics.set(DQNResultKeys.EPSILON, this.epsilon);
  }

  /**
   * One replay batch per trained module whose buffer holds enough (n drawn once for all of them),
   * each module's update, then its new priorities.
   */
  private async replayUpdate(): Promise<Map<string, Record<string, number>>> {
    const t = this.config.training;
    const [nMin, nMax] = nStepRange(t.nStep);
    const nStep = nMin + this.rng.integer(nMax - nMin + 1);
    const samples = new Map<string, ReplayBatch>();
    for (const [id, buffer] of this.buffers) {
      if (buffer.size < t.trainBatchSizePerLearner) continue;
      const options = { nStep, gamma: t.gamma, beta: t.replayBufferConfig.beta };
      samples.set(id, buffer.sample(t.trainBatchSizePerLearner, this.rng, options));
    }
    return this.moduleLearners.update(samples, async (learner, batch, id) => {
      const { stats, tdErrors } = await learner.update(batch, this.learnerContext());
      this.buffers.get(id)!.updatePriorities(batch.indices, tdErrors, batch.stepIds);
      return { ...stats, num_module_steps_trained: batch.batchSize };
    });
  }

  /** Buffer sizes per module and in all (RLlib reports its buffer under `replay_buffer/`); target counters. */
  private recordBufferMetrics(): void {
    let size = 0;
    let added = 0;
    for (const [id, buffer] of this.buffers) {
      size += buffer.size;
      added += buffer.numAdded;
      this.metrics.set(`replay_buffer/${id}/size`, buffer.size);
      const { numTargetUpdates, lastTargetUpdateTs } = this.learners.get(id)!.target;
      this.metrics.set(`learners/${id}/num_target_updates`, numTargetUpdates);
      this.metrics.set(`learners/${id}/last_target_update_ts`, lastTargetUpdateTs);
    }
    this.metrics.set(DQNResultKeys.REPLAY_SIZE, size);
    this.metrics.set(DQNResultKeys.REPLAY_ADDED_LIFETIME, added);
  }

  /** The module's buffer pointers, with its contents when storeBufferInCheckpoints is on. */
  protected override saveModuleExtras(moduleId: string): Partial<ModuleCheckpoint> {
    const buffer = this.buffers.get(moduleId);
    if (!buffer) return {};
    const contents = this.config.training.storeBufferInCheckpoints ? { contents: buffer.getState() } : {};
    const replayBuffer = { capacity: buffer.capacity, size: buffer.size, numAdded: buffer.numAdded, ...contents };
    return { algorithmState: { replayBuffer } };
  }

  /** The buffer's contents when the checkpoint has them; else it refills before updates resume (RLlib's default). */
  protected override restoreModuleExtras(moduleId: string, entry: ModuleCheckpoint): void {
    const contents = entry.algorithmState?.replayBuffer?.contents;
    const buffer = this.buffers.get(moduleId);
    if (!contents || !buffer) return;
    try {
      buffer.setState(contents);
    } catch (e) {
      throw new RLError('checkpoint/mismatch', `module ${moduleId}'s replay buffer: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }
}

/** A replay buffer per trained module, shaped by that module's spaces. */
function moduleBuffers(
  t: DQNConfig['training'] | SACConfig['training'],
  setup: MultiAgentSetup,
): Map<string, EpisodeReplayBuffer> {
  const buffers = new Map<string, EpisodeReplayBuffer>();
  for (const id of setup.trained) {
    const spec = { ...t.replayBufferConfig, storeBufferInCheckpoints: t.storeBufferInCheckpoints };
    buffers.set(id, makeReplayBuffer(spec, setup.spaces.get(id)!));
  }
  return buffers;
}

/** Multi-agent DQN: a DQNLearner (with its target network) and a replay buffer per trained module. */
export class MultiAgentDQN extends MultiAgentOffPolicy<DQNConfig & MultiAgentRunConfig, DQNLearner> {
  static async build(config: DQNConfig, opts: MultiAgentBuildOptions = {}): Promise<MultiAgentDQN> {
    const t = config.training;
    const setup = await setupMultiAgent(config, opts, {
      module: dqnModule(config),
      rolloutFragmentLength: dqnSamplingLayout(config).rolloutFragmentLength,
      validate: validateDQNConfig,
    });
    const learners = new Map<string, DQNLearner>();
    for (const id of setup.trained) learners.set(id, new DQNLearner(setup.modules.get(id) as QModule, t));
    return new MultiAgentDQN(config, setup, learners, moduleBuffers(t, setup), t.epsilon).start();
  }
}

/** Multi-agent SAC: a SACLearner (actor, twin critics, alpha, target critics) and a replay buffer per trained module. */
export class MultiAgentSAC extends MultiAgentOffPolicy<SACConfig & MultiAgentRunConfig, SACLearner> {
  static async build(config: SACConfig, opts: MultiAgentBuildOptions = {}): Promise<MultiAgentSAC> {
    const t = config.training;
    const setup = await setupMultiAgent(config, opts, {
      module: sacModule(config),
      rolloutFragmentLength: sacSamplingLayout(config).rolloutFragmentLength,
      validate: validateSACConfig,
    });
    const learners = new Map<string, SACLearner>();
    for (const id of setup.trained) learners.set(id, new SACLearner(setup.modules.get(id) as SACModule, t));
    return new MultiAgentSAC(config, setup, learners, moduleBuffers(t, setup), null).start();
  }
}
