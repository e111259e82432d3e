/**
 * DQN's Learner (RLlib: DQNTorchLearner + DQNLearner.after_gradient_based_update): one gradient
 * step of the DQN loss per replay batch, then the target network follows RLlib's rule (an update
 * once targetNetworkUpdateFreq env steps were sampled since the last one, Polyak with tau).
 */
import { RLError } from '../../core/errors';
import { Learner, type LearnerState, type LossOutput, type Minibatch, type UpdateContext } from '../../learner/learner';
import { TargetNetwork } from '../../learner/target-network';
import type { ReplayBatch } from '../../replay';
import type { QModule } from '../../rl-module/q-module';
import { DEFAULT_MODULE_ID } from '../checkpoint';
import type { DQNConfig } from './dqn-config';
import { DQNColumns, dqnLoss } from './dqn-loss';

/** What a replay learner's update returns: its stats and |TD error| per row (new priorities). */
export interface ReplayUpdate {
  readonly stats: Record<string, number>;
  readonly tdErrors: Float32Array;
}

export class DQNLearner extends Learner<QModule> {
  /** The frozen copy the TD target bootstraps from (Mnih et al. 2015). */
  readonly target: TargetNetwork;

  constructor(
    module: QModule,
    readonly config: DQNConfig['training'],
  ) {
    super(module, config);
    this.target = TargetNetwork.fromModule(module);
  }

  /** One gradient step on `batch`, then maybe a target update. */
  async update(batch: ReplayBatch, ctx: UpdateContext): Promise<ReplayUpdate> {
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
    this.target.maybeUpdate(ctx.lifetimeEnvSteps, this.config);
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
