/**
 * What every multi-agent algorithm shares (RLlib: an Algorithm whose config has `.multi_agent()`):
 * the runners step a multi-agent env with every module and return one batch per module; each
 * trained module has its own Learner of the algorithm's class (ModuleLearners); weights go to the
 * runners packed; results carry RLlib's per-agent and per-module keys; checkpoints hold any number
 * of modules. The subclasses (multi-agent-on-policy.ts, -off-policy.ts, -async.ts) write only
 * their training step, the same three phases as their single-agent algorithm.
 *
 * Result keys: env_runners/agent_episode_returns_mean/<agent>, .../module_episode_returns_mean/<module>,
 * learners/<module>/..., and both env steps and agent steps (num_agent_steps_sampled_lifetime).
 */
import { RLError } from '../../core/errors';
import { concatBatches, type SampleBatch } from '../../core/sample-batch';
import { flatDim } from '../../core/spaces';
import type { EnvRunnerMetrics, ExplorationState } from '../../env-runner/env-runner-config';
import type { Learner } from '../../learner/learner';
import type { ModuleSpaces } from '../../rl-module/module-factory';
import type { ModuleWeights } from '../../rl-module/weights';
import type { RLModule } from '../../rl-module/rl-module';
import { Algorithm } from '../algorithm';
import type { Checkpoint, LearnerCheckpoint, ModuleCheckpoint } from '../checkpoint';
import { reduceLearnerResults } from '../metrics-logger';
import { ModuleLearners, NO_OPTIMIZER_STATE } from './module-learners';
import type { MultiAgentConfig } from './multi-agent-config';
import type { MultiAgentRunConfig, MultiAgentSetup } from './multi-agent-setup';
import { MultiAgentWindows } from './multi-agent-windows';

export {
  AGENT_EPISODE_RETURNS_MEAN,
  MIN_MODULE_EPISODE_RETURNS_MEAN,
  MODULE_EPISODE_RETURNS_MEAN,
  NUM_AGENT_STEPS_SAMPLED,
  NUM_AGENT_STEPS_SAMPLED_LIFETIME,
} from './multi-agent-windows';

/** learnerState key of the agent-step counter. */
const AGENT_STEPS_KEY = 'numAgentStepsSampledLifetime';
/** Checkpoints written before `modules` existed kept PPO's KL coefficients under this prefix. */
const LEGACY_KL_PREFIX = 'currKlCoeff/';

export abstract class MultiAgentAlgorithm<
  C extends MultiAgentRunConfig,
  L extends Learner = Learner,
> extends Algorithm<C> {
  readonly multiAgent: MultiAgentConfig;
  /** Agent id -> module id, for the page's mapping view and the preview. */
  readonly moduleOfAgent: Readonly<Record<string, string>>;
  readonly agentIds: readonly string[];
  /** Every module and the Learner of each trained one: where training loops over modules. */
  readonly moduleLearners: ModuleLearners<L>;
  protected readonly spaces: ReadonlyMap<string, ModuleSpaces>;
  private readonly windows: MultiAgentWindows;

  protected constructor(config: C, setup: MultiAgentSetup, learners: ReadonlyMap<string, L>) {
    super(config, setup.device, setup.envRunnerGroup, setup.seed);
    this.multiAgent = setup.multiAgent;
    const ids = setup.multiAgent.policies;
    this.agentIds = setup.agentIds;
    this.moduleOfAgent = Object.fromEntries(setup.agentIds.map((a, s) => [a, ids[setup.moduleOfSlot[s]!]!]));
    this.spaces = setup.spaces;
    this.moduleLearners = new ModuleLearners(setup.modules, learners);
    // Modules no agent maps to never end an episode: leave them out of the return windows.
    const used = ids.filter((_, m) => setup.moduleOfSlot.includes(m));
    this.windows = new MultiAgentWindows(used, setup.agentIds, config.reporting.metricsNumEpisodesForSmoothing);
  }

  /** The Learner's copy of every module, by module id. */
  get modules(): ReadonlyMap<string, RLModule> {
    return this.moduleLearners.modules;
  }

  /** The Learner of every trained module, by module id. */
  get learners(): ReadonlyMap<string, L> {
    return this.moduleLearners.learners;
  }

  /** The modules that train, in `policies` order (each has a Learner here unless a subclass trains them). */
  protected trainedModuleIds(): readonly string[] {
    return [...this.learners.keys()];
  }

  /** Env-level metrics (episode window, timers) plus the per-agent and per-module ones. */
  protected recordMultiAgentMetrics(all: readonly EnvRunnerMetrics[]): void {
    this.recordRunnerMetrics(all);
    for (const m of all) if (m.multiAgent) this.windows.add(m.multiAgent);
    for (const [k, v] of Object.entries(this.windows.result(all))) this.metrics.set(k, v);
  }

  /** Each module's rows of the runners' module batches, in one batch per module (modules that acted). */
  protected moduleBatches(perRunner: readonly Readonly<Record<string, SampleBatch>>[]): Map<string, SampleBatch> {
    const out = new Map<string, SampleBatch>();
    for (const id of this.modules.keys()) {
      const parts = perRunner.flatMap((b) => (b[id] && b[id].numSteps > 0 ? [b[id]] : []));
      if (parts.length > 0) out.set(id, parts.length === 1 ? parts[0]! : concatBatches(parts));
    }
    return out;
  }

  /**
   * Per-module learner results into `learners/<module>/...`: means over the iteration's updates,
   * totals for counts (`num_*`).
   */
  protected mergeModuleResults(
    results: ReadonlyMap<string, readonly Record<string, number>[]>,
    isTotal: (key: string) => boolean = (k) => k.startsWith('num_'),
  ): void {
    for (const [id, list] of results) {
      if (list.length > 0) this.metrics.merge(`learners/${id}`, reduceLearnerResults(list, isTotal));
    }
  }

  /** The exploration state sent with the weights (DQN's epsilon); none by default. */
  protected exploration(): ExplorationState | undefined {
    return undefined;
  }

  protected async syncRunnerWeights(): Promise<void> {
    await this.envRunnerGroup.syncWeights(await this.packedWeights(), this.exploration());
  }

  /** Every module's current weights, packed (what runners and checkpoints carry). */
  protected packedWeights(): Promise<ModuleWeights> {
    return this.moduleLearners.packedWeights();
  }

  /** Each trained module's learner state (a checkpoint's `modules`). */
  protected saveModuleStates(): Promise<Record<string, ModuleCheckpoint>> {
    return this.moduleLearners.getStates();
  }

  /** Restores every module's weights and each trained module's learner state. */
  protected restoreModuleStates(
    packed: ModuleWeights,
    states: Readonly<Record<string, ModuleCheckpoint>>,
  ): Promise<void> {
    return this.moduleLearners.setStates(packed, states);
  }

  /** Greedy actions of the first module (what Algorithm callers without a module id get). */
  computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array | Float32Array> {
    return this.computeModuleActions(this.multiAgent.policies[0]!, obs, batchSize);
  }

  /** Greedy actions of one module's learner copy (the preview acts per agent with these). */
  async computeModuleActions(
    moduleId: string,
    obs: Float32Array,
    batchSize: number,
  ): Promise<Int32Array | Float32Array> {
    const module = this.modules.get(moduleId);
    const spaces = this.spaces.get(moduleId);
    if (!module || !spaces) {
      const known = [...this.modules.keys()].join(', ');
      throw new RLError('multi-agent/unknown-module', `No module '${moduleId}'; modules: ${known}.`);
    }
    const size = batchSize * flatDim(spaces.actionSpace);
    const actions = spaces.actionSpace.kind === 'discrete' ? new Int32Array(size) : new Float32Array(size);
    await module.forwardInference(obs, batchSize, { actions });
    return actions;
  }

  /** What a subclass adds to one module's checkpoint entry (a replay buffer); none by default. */
  protected saveModuleExtras(moduleId: string): Partial<ModuleCheckpoint> {
    void moduleId;
    return {};
  }

  /** Restores what `saveModuleExtras` saved. */
  protected restoreModuleExtras(moduleId: string, entry: ModuleCheckpoint): void {
    void moduleId;
    void entry;
  }

  /** Run-level scalars a subclass keeps (IMPALA's learner-update count). */
  protected runLearnerState(): Record<string, number> {
    return {};
  }

  protected restoreRunLearnerState(state: Readonly<Record<string, number>>): void {
    void state;
  }

  /**
   * Every module's weights (packed), each trained module's learner state under `modules`, the
   * agent-step counter. Linear in the number of modules; nothing is capped by a module count.
   */
  protected async saveLearner(): Promise<LearnerCheckpoint> {
    const modules = await this.saveModuleStates();
    for (const [id, entry] of Object.entries(modules)) {
      const extras = this.saveModuleExtras(id);
      if (extras.algorithmState) {
        modules[id] = { ...entry, algorithmState: { ...entry.algorithmState, ...extras.algorithmState } };
      }
    }
    return {
      weights: await this.packedWeights(),
      optimizerState: NO_OPTIMIZER_STATE,
      learnerState: { [AGENT_STEPS_KEY]: this.windows.agentStepsLifetime, ...this.runLearnerState() },
      modules,
    };
  }

  /**
   * Every module's weights and each trained module's learner state; a module missing from the
   * checkpoint, or one it has that this run does not, is a `checkpoint/mismatch` naming them.
   */
  protected async restoreLearner(ckpt: Checkpoint): Promise<void> {
    const states = ckpt.modules ?? this.legacyModuleStates(ckpt);
    await this.restoreModuleStates(ckpt.weights, states);
    for (const [id, entry] of Object.entries(states)) this.restoreModuleExtras(id, entry);
    this.windows.agentStepsLifetime = ckpt.learnerState[AGENT_STEPS_KEY] ?? 0;
    this.restoreRunLearnerState(ckpt.learnerState);
  }

  /**
   * A multi-agent PPO checkpoint from before `modules` existed: the first trained module's Adam
   * state was `optimizerState`, the others' `optimizers` by id, the KL coefficients in learnerState.
   */
  private legacyModuleStates(ckpt: Checkpoint): Record<string, ModuleCheckpoint> {
    const out: Record<string, ModuleCheckpoint> = {};
    const trained = this.trainedModuleIds();
    const [first] = trained;
    for (const id of trained) {
      const optimizerState = id === first ? ckpt.optimizerState : ckpt.optimizers?.[id];
      const kl = ckpt.learnerState[`${LEGACY_KL_PREFIX}${id}`];
      if (optimizerState) out[id] = { optimizerState, learnerState: kl === undefined ? {} : { currKlCoeff: kl } };
    }
    return out;
  }

  override stop(): void {
    super.stop();
    this.moduleLearners.dispose();
  }
}
