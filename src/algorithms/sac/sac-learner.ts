/**
 * SAC's Learner (RLlib: SACTorchLearner + SACLearner): three optimizer groups over the module's
 * variables, 'qf' (both critics; RLlib gives qf_twin its own Adam, which is the same update
 * unless gradClip bounds the norm of the two together), 'policy' and 'alpha' (log alpha), each
 * with its lr; one gradient step of sacLoss per replay batch; then the target critics follow
 * RLlib's rule (DQNLearner.after_gradient_based_update; SAC's frequency 0 = every step, Polyak tau).
 */
import { Learner, type LearnerState, type LossOutput, type Minibatch, type UpdateContext } from '../../learner/learner';
import { FusedTrainer } from '../../learner/fused-trainer';
import type { LearnerConfig } from '../../learner/learner-types';
import { TargetNetwork } from '../../learner/target-network';
import type { ReplayBatch } from '../../replay';
import type { SACModule } from '../../rl-module/sac-module';
import { normalizeFromBounds } from '../../rl-module/squashed-gaussian';
import { DEFAULT_MODULE_ID } from '../checkpoint';
import { replayLoop, requiredTargetState, type ReplayStepDone, type ReplayUpdate } from '../dqn/dqn-learner';
import { resolveTargetEntropy, type SACConfig } from './sac-config';
import { SACFusedLoss } from './sac-fused';
import { SACColumns, sacLoss } from './sac-loss';

/** The three optimizer groups, each over its own variables with its own lr. */
function optimizerGroups(module: SACModule, t: SACConfig['training']): LearnerConfig {
  const names = module.groupVariableNames;
  const group = (lr: SACConfig['training']['actorLr'], variables: string[]) => ({
    lr,
    gradClip: t.gradClip,
    gradClipBy: 'global_norm' as const,
    adamEpsilon: t.adamEpsilon,
    variables,
  });
  return {
    lr: t.criticLr,
    gradClip: t.gradClip,
    gradClipBy: 'global_norm',
    maxConsecutiveNonFiniteUpdates: t.maxConsecutiveNonFiniteUpdates,
    optimizerGroups: {
      qf: group(t.criticLr, names.qf),
      policy: group(t.actorLr, names.policy),
      alpha: group(t.alphaLr, names.alpha),
    },
  };
}

export class SACLearner extends Learner<SACModule> {
  /** Target copies of the critics only (the actor has none in SAC). */
  readonly target: TargetNetwork;
  readonly targetEntropy: number;
  /** The fused path (FAST_PATHS.fusedMlp on a CPU backend), or null: the TF.js step. */
  private readonly fused: { readonly trainer: FusedTrainer; readonly loss: SACFusedLoss } | null;

  constructor(
    module: SACModule,
    readonly config: SACConfig['training'],
  ) {
    super(module, optimizerGroups(module, config));
    this.target = TargetNetwork.fromModule(module.criticSource);
    this.targetEntropy = resolveTargetEntropy(config.targetEntropy, module.actionDim);
    const trainer = FusedTrainer.create(module, this.groups, this.target);
    const cfg = { twinQ: module.twinQ, targetEntropy: this.targetEntropy };
    this.fused = trainer && { trainer, loss: new SACFusedLoss(trainer, module, cfg) };
  }

  /** Whether updates run on the fused path (one `updateMany` call is one state sync then). */
  get isFused(): boolean {
    return this.fused !== null;
  }

  /** One gradient step on `batch` (noise from `ctx.rng`), then maybe a target update. */
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
    const m = this.module;
    const noise = (): Float32Array =>
      Float32Array.from({ length: batch.batchSize * m.actionDim }, () => ctx.rng.normal());
    const columns = {
      [SACColumns.OBS]: batch.obs,
      [SACColumns.NEXT_OBS]: batch.nextObs,
      [SACColumns.ACTIONS]: normalizeFromBounds(batch.actions as Float32Array, m.actionLow, m.actionHigh),
      [SACColumns.REWARDS]: batch.rewards,
      [SACColumns.DISCOUNTS]: batch.discounts,
      [SACColumns.WEIGHTS]: batch.weights,
      [SACColumns.EPS]: noise(),
      [SACColumns.EPS_NEXT]: noise(),
    };
    const { stats, tdErrors } = await this.updateOnBatch(columns, batch.batchSize, ctx);
    return { stats, tdErrors: tdErrors ?? new Float32Array(batch.batchSize) };
  }

  /** `count` gradient steps on batches from `next` (DQNLearner.updateMany's contract). */
  updateMany(
    count: number,
    next: () => ReplayBatch,
    done: ReplayStepDone,
    ctx: UpdateContext,
  ): Promise<Record<string, number>> {
    if (!this.fused) return replayLoop(this, count, next, done, ctx);
    const { trainer, loss } = this.fused;
    const m = this.module;
    let batch: ReplayBatch | null = null;
    let tdErrors: Float32Array = new Float32Array(0);
    const step = () => {
      batch = next();
      const n = batch.batchSize * m.actionDim;
      // The same draws, in the same order, as the TF.js path's columns.
      const eps = Float32Array.from({ length: n }, () => ctx.rng.normal());
      const epsNext = Float32Array.from({ length: n }, () => ctx.rng.normal());
      const actions = normalizeFromBounds(batch.actions as Float32Array, m.actionLow, m.actionHigh);
      const out = loss.step({ ...batch, rows: batch.batchSize, actions, eps, epsNext });
      tdErrors = out.tdErrors;
      return out;
    };
    const after = () => {
      if (this.target.isDue(ctx.lifetimeEnvSteps, this.config)) {
        trainer.targetUpdate(this.config.tau);
        this.target.countUpdate(ctx.lifetimeEnvSteps);
      }
      done(batch!, tdErrors);
    };
    return this.updateFused(trainer, count, ctx, step, after);
  }

  computeLoss(minibatch: Minibatch): LossOutput {
    const cfg = { twinQ: this.module.twinQ, targetEntropy: this.targetEntropy };
    return sacLoss(this.module, this.target.variables, minibatch, cfg);
  }

  /** The target critics after every step (targetNetworkUpdateFreq 0), Polyak with tau. */
  protected override afterGradientUpdate(_stats: unknown, ctx: UpdateContext): Record<string, number> {
    // The fused path updated its copy after each step (and wrote it back).
    if (!this.fused) this.target.maybeUpdate(ctx.lifetimeEnvSteps, this.config);
    return { num_target_updates: this.target.numTargetUpdates, last_target_update_ts: this.target.lastTargetUpdateTs };
  }

  protected override learnerState(): Promise<Record<string, number>> {
    return Promise.resolve({ target_entropy: this.targetEntropy });
  }

  override async getState(): Promise<LearnerState> {
    return { ...(await super.getState()), targetNetworks: { [DEFAULT_MODULE_ID]: await this.target.getState() } };
  }

  override async setState(state: LearnerState): Promise<void> {
    await super.setState(state);
    this.target.setState(requiredTargetState(state, 'SAC'));
  }

  override dispose(): void {
    this.target.dispose();
    super.dispose();
  }
}
