/**
 * One PPO Learner of a data-parallel group (numLearners >= 1), as the learner worker exposes it
 * (ppo-learner.worker.ts) and as the unit tests call it in-process. It holds its own module and
 * optimizer; every update runs PPO's whole learner step (forward, GAE, epochs x minibatches) on
 * the full batch the page sends, with its rank's shard of each minibatch and the group's mean
 * gradient (learner/data-parallel-step.ts), so every learner applies the same update.
 */
import { RLError } from '../../core/errors';
import { Rng } from '../../core/rng';
import type { Space } from '../../core/spaces';
import type { SampleBatch } from '../../core/sample-batch';
import { activateBackend, type BackendName } from '../../backend/tf-backend';
import { openAllReducer, type AllReduceTransport, type GradientAllReducer } from '../../learner/gradient-all-reduce';
import type { LearnerConfig, OptimizerState } from '../../learner/learner';
import { weightsChecksum } from '../../learner/learner-worker-protocol';
import type { ModuleWeights } from '../../rl-module';
import { MLPModule } from '../../rl-module/mlp-module';
import { makeRLModule, type ModuleDescriptor } from '../../rl-module/module-factory';
import { weightsTransferables } from '../../rl-module/weights';
import { PPOLearner, type PPOLearnerState, type PPOUpdateConfig } from './ppo-learner';

export interface PPOLearnerInit {
  readonly rank: number;
  readonly size: number;
  readonly module: ModuleDescriptor;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly seed: number;
  readonly learnerConfig: LearnerConfig;
  readonly klCoeff: number;
  /** The backend this worker activates; null keeps the active one (in-process tests). */
  readonly backend: BackendName | null;
  readonly transport: AllReduceTransport;
}

export interface PPOLearnerInfo {
  readonly rank: number;
  readonly backend: string;
  readonly backendNote: string;
}

/** An update request: the update config without its Rng, which travels as state. */
export interface PPOUpdateRequest {
  readonly batch: SampleBatch;
  readonly cfg: Omit<PPOUpdateConfig, 'rng'>;
  /** The algorithm's Rng state: every learner draws the same minibatch permutations from it. */
  readonly rngState: readonly number[];
  /** Also return the weights checksum (debugging.validateLearnerWeightsInSync, tests). */
  readonly withChecksum: boolean;
}

export interface PPOUpdateReply {
  readonly stats: Record<string, number>;
  /** The Rng after the shuffles: the page continues from it, as it would after a local update. */
  readonly rngState: number[];
  readonly checksum: number | null;
}

export class PPOLearnerHost {
  private ppo: PPOLearner | null = null;
  private reducer: GradientAllReducer | null = null;

  constructor(
    /** Wraps a result so its buffers are transferred (Comlink.transfer in the worker; identity in-process). */
    private readonly transfer: <T>(value: T, buffers: ArrayBuffer[]) => T = (v) => v,
  ) {}

  private get active(): PPOLearner {
    if (!this.ppo) throw new RLError('learner/not-initialised', 'Learner worker used before init()');
    return this.ppo;
  }

  async init(init: PPOLearnerInit): Promise<PPOLearnerInfo> {
    let backend = 'shared';
    let backendNote = '';
    if (init.backend) {
      const active = await activateBackend(init.backend);
      backend = active.backend;
      backendNote = active.note;
    }
    const module = makeRLModule(init.module, init, init.seed);
    if (!(module instanceof MLPModule)) {
      module.dispose();
      throw new RLError(
        'learner/module-kind',
        `A PPO learner needs an actor-critic module, got '${init.module.kind}'.`,
      );
    }
    this.dispose();
    this.ppo = new PPOLearner(module, init.learnerConfig, init.klCoeff);
    this.reducer = openAllReducer(init.transport, init.rank);
    this.ppo.learner.dataParallel = { rank: init.rank, size: init.size, reducer: this.reducer };
    return { rank: init.rank, backend, backendNote };
  }

  async update(request: PPOUpdateRequest): Promise<PPOUpdateReply> {
    const rng = new Rng(0);
    rng.setState(request.rngState);
    const stats = await this.active.update(request.batch, { ...request.cfg, rng });
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

  getOptimizerState(): Promise<OptimizerState> {
    return this.active.getOptimizerState();
  }

  setOptimizerState(state: OptimizerState): Promise<void> {
    return this.active.setOptimizerState(state);
  }

  getState(): Promise<PPOLearnerState> {
    return Promise.resolve(this.active.getState());
  }

  setState(state: PPOLearnerState): Promise<void> {
    this.active.setState(state);
    return Promise.resolve();
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
    this.ppo?.dispose();
    this.ppo = null;
  }

  /** `dispose` as a call the page can await before terminating the worker. */
  stop(): Promise<void> {
    this.dispose();
    return Promise.resolve();
  }
}
