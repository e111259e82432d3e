/**
 * One learner of a data-parallel group (numLearners >= 1), as a learner worker exposes it
 * (algorithms/learner.worker.ts) and as the unit tests call it in process. It builds its module
 * from the descriptor and its learner by name (the worker entry knows the algorithms' learner
 * classes; this folder does not), joins the group's all-reduce, and runs each update on the full
 * batch the page sends with its rank's shard of every minibatch (data-parallel-step.ts), so every
 * learner applies the same mean gradient.
 */
import { activateBackend, type BackendName } from '../backend/tf-backend';
import { RLError } from '../core/errors';
import { Rng } from '../core/rng';
import type { SampleBatch } from '../core/sample-batch';
import type { Space } from '../core/spaces';
import { makeRLModule, type ModuleDescriptor } from '../rl-module/module-factory';
import type { RLModule } from '../rl-module/rl-module';
import { weightsTransferables, type ModuleWeights } from '../rl-module/weights';
import { openAllReducer, type AllReduceTransport, type GradientAllReducer } from './gradient-all-reduce';
import type { Learner } from './learner';
import type { LearnerState, UpdateContext } from './learner-types';
import { weightsChecksum } from './learner-worker-protocol';

/**
 * A multi-agent train batch (RLlib's MultiAgentBatch): each module's rows, by module id. The
 * learner of a module group (numLearners >= 1 in a multi-agent run) gets its modules' batches.
 */
export interface MultiAgentTrainBatch {
  readonly moduleBatches: Readonly<Record<string, SampleBatch>>;
}

/** What a learner group sends a learner: an EnvRunner train batch, or one batch per module. */
export type TrainBatch = SampleBatch | MultiAgentTrainBatch;

/**
 * A learner a group can run: one update on a train batch (PPO's, and any like it), its module's
 * weights, its checkpoint part. Every Learner with an `update` is one; so is a stacked learner
 * over many modules (algorithms/ppo/stacked-ppo-learner.ts), whose module is a MultiRLModule.
 */
export interface GroupLearner {
  readonly module: Pick<Learner['module'], 'getWeights' | 'setWeights'>;
  /** Set by a data-parallel group (learner.ts); a learner that cannot shard refuses a size above 1. */
  dataParallel: Learner['dataParallel'];
  // Method syntax on purpose: a learner that takes only one kind of TrainBatch still fits.
  update(batch: TrainBatch, ctx: UpdateContext): Promise<Record<string, number>>;
  getState(): Promise<LearnerState>;
  setState(state: LearnerState): Promise<void>;
  dispose(): void;
}

/** Builds the learner named `name` (a key of algorithms/learner-classes.ts) on `module` with its training config. */
export type MakeLearner = (name: string, module: RLModule, config: object) => Promise<GroupLearner>;

export interface LearnerInit {
  readonly rank: number;
  readonly size: number;
  /** Which learner class (algorithms/learner-classes.ts), e.g. 'PPO'. */
  readonly learner: string;
  /** Its training config, as the algorithm's config holds it (plain JSON). */
  readonly config: object;
  readonly module: ModuleDescriptor;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly seed: number;
  /** The backend this worker activates; null keeps the active one (in-process tests). */
  readonly backend: BackendName | null;
  readonly transport: AllReduceTransport;
}

export interface LearnerInfo {
  readonly rank: number;
  readonly backend: string;
  readonly backendNote: string;
}

/** An update request: the context without its Rng, which travels as state. */
export interface UpdateRequest {
  readonly batch: TrainBatch;
  readonly ctx: Omit<UpdateContext, 'rng'>;
  /** The algorithm's Rng state: every learner draws the same minibatch permutations from it. */
  readonly rngState: readonly number[];
  /** Also return the weights checksum (debugging.validateLearnerWeightsInSync, tests). */
  readonly withChecksum: boolean;
}

export interface UpdateReply {
  readonly stats: Record<string, number>;
  /** The Rng after the shuffles: the page continues from it, as it would after a local update. */
  readonly rngState: number[];
  readonly checksum: number | null;
}

export class LearnerHost {
  private learner: GroupLearner | null = null;
  private reducer: GradientAllReducer | null = null;
  /** Bumped by every init and stop: an init still awaiting when it changes is superseded. */
  private generation = 0;

  constructor(
    private readonly makeLearner: MakeLearner,
    /** Wraps a result so its buffers are transferred (Comlink.transfer in the worker; identity in-process). */
    private readonly transfer: <T>(value: T, buffers: ArrayBuffer[]) => T = (v) => v,
  ) {}

  private get active(): GroupLearner {
    if (!this.learner) throw new RLError('learner/not-initialised', 'Learner worker used before init()');
    return this.learner;
  }

  /**
   * Builds the learner on a fresh all-reduce (again after a peer's restart). An init or stop that
   * arrives while this one awaits supersedes it: the page has moved on to a newer group, and a
   * learner built for the older one must not replace the newer one.
   */
  async init(init: LearnerInit): Promise<LearnerInfo> {
    const generation = ++this.generation;
    // Frees the previous learner and releases an update of it waiting at the old all-reduce.
    this.dispose();
    let backend = 'shared';
    let backendNote = '';
    if (init.backend) {
      const active = await activateBackend(init.backend);
      backend = active.backend;
      backendNote = active.note;
    }
    const learner = await this.makeLearner(init.learner, makeRLModule(init.module, init, init.seed), init.config);
    if (generation !== this.generation) {
      learner.dispose();
      throw new RLError('learner/superseded', `Learner ${init.rank} init() was superseded by a later init() or stop()`);
    }
    this.learner = learner;
    this.reducer = openAllReducer(init.transport, init.rank);
    learner.dataParallel = { rank: init.rank, size: init.size, reducer: this.reducer };
    return { rank: init.rank, backend, backendNote };
  }

  async update(request: UpdateRequest): Promise<UpdateReply> {
    const rng = new Rng(0);
    rng.setState(request.rngState);
    const stats = await this.active.update(request.batch, { ...request.ctx, rng });
    return { stats, rngState: rng.getState(), checksum: request.withChecksum ? await this.checksum() : null };
  }

  async getWeights(): Promise<ModuleWeights> {
    const weights = await this.active.module.getWeights();
    return this.transfer(weights, weightsTransferables(weights));
  }

  setWeights(weights: ModuleWeights): Promise<void> {
    this.active.module.setWeights(weights);
    return Promise.resolve();
  }

  /** Moved, not copied, to the page (the group keeps it after every update): the arrays are fresh reads. */
  async getState(): Promise<LearnerState> {
    const state = await this.active.getState();
    return this.transfer(state, learnerStateTransferables(state));
  }

  setState(state: LearnerState): Promise<void> {
    return this.active.setState(state);
  }

  /** weightsChecksum of this learner's current weights. */
  async checksum(): Promise<number> {
    const weights = await this.active.module.getWeights();
    return weightsChecksum(weights.arrays);
  }

  ping(): Promise<number> {
    return Promise.resolve(Date.now());
  }

  /** Stops a pending all-reduce and frees the module and optimizer. */
  dispose(): void {
    this.reducer?.close();
    this.reducer = null;
    this.learner?.dispose();
    this.learner = null;
  }

  /** `dispose` as a call the page can await before terminating the worker (or re-joining it to a new all-reduce). */
  stop(): Promise<void> {
    this.generation++;
    this.dispose();
    return Promise.resolve();
  }
}

/** What the page calls on a learner (the host's async methods; Comlink makes them remote). */
export type LearnerApi = Pick<
  LearnerHost,
  'init' | 'update' | 'getWeights' | 'setWeights' | 'getState' | 'setState' | 'checksum' | 'ping' | 'stop'
>;

/** Every array buffer of a learner state: weights, each optimizer's moments, target networks. */
export function learnerStateTransferables(state: LearnerState): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>(weightsTransferables(state.weights));
  const optimizers = [state.optimizerState, ...Object.values(state.optimizers ?? {})];
  for (const o of optimizers) for (const a of o.arrays) if (a.buffer instanceof ArrayBuffer) buffers.add(a.buffer);
  for (const t of Object.values(state.targetNetworks ?? {}))
    for (const b of weightsTransferables(t.weights)) buffers.add(b);
  return [...buffers];
}
