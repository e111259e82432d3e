/**
 * DQN's Learner (RLlib: DQNTorchLearner + DQNLearner.after_gradient_based_update): one gradient
 * step of the DQN loss per replay batch, then the target network follows RLlib's rule (an update
 * once targetNetworkUpdateFreq env steps were sampled since the last one, Polyak with tau).
 */
import { RLError } from '../../core/errors';
import { yieldIfBusy } from '../../core/yield';
import { FusedTrainer } from '../../learner/fused-trainer';
import { Learner, type LearnerState, type LossOutput, type Minibatch, type UpdateContext } from '../../learner/learner';
import { TargetNetwork } from '../../learner/target-network';
import type { ReplayBatch } from '../../replay';
import type { QModule } from '../../rl-module/q-module';
import { DEFAULT_MODULE_ID } from '../checkpoint';
import type { DQNConfig } from './dqn-config';
import { reduceLearnerResults } from '../metrics-logger';
import { DQNFusedLoss } from './dqn-fused';
import { DQNColumns, dqnLoss } from './dqn-loss';

/** Longest stretch of replay updates without giving the page a turn (long tasks start at 50 ms). */
const YIELD_EVERY_MS = 40;

/** What a replay learner's update returns: its stats and |TD error| per row (new priorities). */
export interface ReplayUpdate {
  readonly stats: Record<string, number>;
  readonly tdErrors: Float32Array;
}

/** Called after each replay step with its batch and |TD error| per row (prioritized replay's priorities). */
export type ReplayStepDone = (batch: ReplayBatch, tdErrors: Float32Array) => void;

export class DQNLearner extends Learner<QModule> {
  /** The frozen copy the TD target bootstraps from (Mnih et al. 2015). */
  readonly target: TargetNetwork;
  /** The fused path (FAST_PATHS.fusedMlp on a CPU backend), or null: the TF.js step. */
  private readonly fused: { readonly trainer: FusedTrainer; readonly loss: DQNFusedLoss } | null;

  constructor(
    module: QModule,
    readonly config: DQNConfig['training'],
  ) {
    super(module, config);
    this.target = TargetNetwork.fromModule(module);
    const trainer = FusedTrainer.create(module, this.groups, this.target);
    this.fused = trainer && { trainer, loss: new DQNFusedLoss(trainer, module, config) };
  }

  /** Whether updates run on the fused path (one `updateMany` call is one state sync then). */
  get isFused(): boolean {
    return this.fused !== null;
  }

  /**
   * `count` gradient steps, each on the batch `next()` returns, `done` after each (the caller's
   * priorities); stats are means over the steps. On the fused path this is one update (one sync
   * in and out); on the TF.js path, `count` updates.
   */
  async updateMany(
    count: number,
    next: () => ReplayBatch,
    done: ReplayStepDone,
    ctx: UpdateContext,
  ): Promise<Record<string, number>> {
    if (!this.fused) return replayLoop(this, count, next, done, ctx);
    const { trainer, loss } = this.fused;
    let batch: ReplayBatch | null = null;
    let tdErrors: Float32Array = new Float32Array(0);
    const step = () => {
      batch = next();
      const out = loss.step(batch);
      tdErrors = out.tdErrors;
      return out;
    };
    const after = () => {
      // RLlib's rule after every gradient step; the copy in the arena is updated, TF.js's at the end.
      if (this.target.isDue(ctx.lifetimeEnvSteps, this.config)) {
        trainer.targetUpdate(this.config.tau);
        this.target.countUpdate(ctx.lifetimeEnvSteps);
      }
      done(batch!, tdErrors);
    };
    return this.updateFused(trainer, count, ctx, step, after);
  }

  /** One gradient step on `batch`, then maybe a target update. */
  async update(batch: ReplayBatch, ctx: UpdateContext): Promise<ReplayUpdate> {
    if (this.fused) {
      let tdErrors: Float32Array = new Float32Array(batch.batchSize);
      const stats = await this.updateMany(
        1,
        () => batch,
        (_, td) => (tdErrors = Float32Array.from(td)),
        ctx,
      );
      return { stats, tdErrors };
    }
    const columns = {
      [DQNColumns.OBS]: batch.obs,
      [DQNColumns.NEXT_OBS]: batch.nextObs,
      [DQNColumns.ACTIONS]: batch.actions,
      [DQNColumns.REWARDS]: batch.rewards,
      [DQNColumns.TERMINATEDS]: Float32Array.from(batch.terminateds),
      [DQNColumns.DISCOUNTS]: batch.discounts,
      [DQNColumns.WEIGHTS]: batch.weights,
    };
    const { stats, tdErrors } = await this.updateOnBatch(columns, batch.batchSize, ctx);
    return { stats, tdErrors: tdErrors ?? new Float32Array(batch.batchSize) };
  }

  computeLoss(minibatch: Minibatch): LossOutput {
    const { loss, stats, tdErrors } = dqnLoss(this.module, this.target.variables, minibatch, this.config);
    return { loss, stats: { ...stats }, tdErrors };
  }

  /** RLlib's DQNLearner.after_gradient_based_update: the frequency counts env steps sampled. */
  protected override afterGradientUpdate(_stats: unknown, ctx: UpdateContext): Record<string, number> {
    // The fused path updated its copy after each step (and wrote it back).
    if (!this.fused) this.target.maybeUpdate(ctx.lifetimeEnvSteps, this.config);
    return { num_target_updates: this.target.numTargetUpdates, last_target_update_ts: this.target.lastTargetUpdateTs };
  }

  override async getState(): Promise<LearnerState> {
    return { ...(await super.getState()), targetNetworks: { [DEFAULT_MODULE_ID]: await this.target.getState() } };
  }

  override async setState(state: LearnerState): Promise<void> {
    await super.setState(state);
    this.target.setState(requiredTargetState(state, 'DQN'));
  }

  override dispose(): void {
    this.target.dispose();
    super.dispose();
  }
}

/** `count` TF.js updates of a replay learner, one per batch, as `updateMany` on the TF.js path. */
export async function replayLoop(
  learner: { update(batch: ReplayBatch, ctx: UpdateContext): Promise<ReplayUpdate> },
  count: number,
  next: () => ReplayBatch,
  done: ReplayStepDone,
  ctx: UpdateContext,
): Promise<Record<string, number>> {
  const results: Record<string, number>[] = [];
  for (let u = 0; u < count; u++) {
    // The readbacks of a wasm update resolve as microtasks, which never let the page paint:
    // give it a turn every ~40 ms, as the PPO learner does (and an interrupt can stop here).
    await yieldIfBusy(YIELD_EVERY_MS);
    const batch = next();
    const { stats, tdErrors } = await learner.update(batch, ctx);
    done(batch, tdErrors);
    results.push(stats);
  }
  return reduceLearnerResults(results);
}

/** The target network of module `default_policy` a DQN or SAC checkpoint must hold. */
export function requiredTargetState(
  state: LearnerState,
  algo: string,
): NonNullable<LearnerState['targetNetworks']>[string] {
  const target = state.targetNetworks?.[DEFAULT_MODULE_ID];
  if (!target) {
    throw new RLError(
      'checkpoint/mismatch',
      `A ${algo} checkpoint needs algorithmState.targetNetworks.${DEFAULT_MODULE_ID}.`,
    );
  }
  return target;
}
