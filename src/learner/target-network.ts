/**
 * Target networks (Mnih et al. 2015): a frozen copy of a module's variables that the TD target
 * bootstraps from, moved toward the online variables now and then.
 *
 * RLlib's semantics (rllib/algorithms/dqn/dqn_learner.py, `DQNLearner.after_gradient_based_update`,
 * and rllib/core/learner/utils.py, `update_target_network`): after every gradient update, if
 * `NUM_ENV_STEPS_SAMPLED_LIFETIME - LAST_TARGET_UPDATE_TS >= target_network_update_freq`, every
 * target variable becomes `tau * online + (1 - tau) * target` (tau = 1 is a hard copy), then
 * `NUM_TARGET_UPDATES` += 1 and `LAST_TARGET_UPDATE_TS` = the current env-step count. So the
 * frequency counts env steps sampled, not learner updates. SAC uses the same call with
 * frequency 0 (an update after every gradient step) and a small tau.
 *
 * The copies are plain non-trainable variables in the module's variable order; a module runs
 * its own architecture on them (QModule.forwardTarget), so nothing here knows about layers.
 */
import * as tf from '@tensorflow/tfjs';
import { RLError } from '../core/errors';
import type { ModuleWeights } from '../rl-module/weights';
import { checkWeights } from '../rl-module/weights';

/** What a target network copies: a module's variables and their names (RLlib: TargetNetworkAPI). */
export interface TargetNetworkSource {
  readonly trainableVariables: readonly tf.Variable[];
  readonly variableNames: readonly string[];
}

export interface TargetUpdateConfig {
  /** Env steps sampled between target updates. RLlib: target_network_update_freq (DQN 500). */
  readonly targetNetworkUpdateFreq: number;
  /** Polyak coefficient: target = tau * online + (1 - tau) * target. RLlib: tau (DQN 1.0). */
  readonly tau: number;
}

/** Target weights and RLlib's two counters, as plain data for checkpoints. */
export interface TargetNetworkState {
  /** The target variables under the online variables' names; `version` holds numTargetUpdates. */
  readonly weights: ModuleWeights;
  /** RLlib: NUM_TARGET_UPDATES. */
  readonly numTargetUpdates: number;
  /** Env-step count at the last update. RLlib: LAST_TARGET_UPDATE_TS. */
  readonly lastTargetUpdateTs: number;
}

export class TargetNetwork {
  /** Non-trainable copies, in the order of the source's `trainableVariables`. */
  readonly variables: tf.Variable[];
  /** Target updates so far. RLlib: NUM_TARGET_UPDATES. */
  numTargetUpdates = 0;
  /** Env steps sampled (lifetime) at the last update. RLlib: LAST_TARGET_UPDATE_TS. */
  lastTargetUpdateTs = 0;

  private constructor(private readonly source: TargetNetworkSource) {
    // TF.js tensors are immutable and share storage by reference count: the copy keeps the
    // online values it was made from while the optimizer assigns new ones to the online variables.
    this.variables = source.trainableVariables.map((v) => tf.variable(v, false));
  }

  /** A target network synced to `module`'s current variables (RLlib: make_target_networks). */
  static fromModule(module: TargetNetworkSource): TargetNetwork {
    return new TargetNetwork(module);
  }

  get variableNames(): readonly string[] {
    return this.source.variableNames;
  }

  /** target = online, exactly. */
  hardUpdate(): void {
    this.source.trainableVariables.forEach((online, i) => this.variables[i]!.assign(online));
  }

  /** Polyak averaging: target = tau * online + (1 - tau) * target, tau in [0, 1]. */
  softUpdate(tau: number): void {
    checkTau(tau);
    if (tau === 1) {
      this.hardUpdate();
      return;
    }
    tf.tidy(() => {
      this.source.trainableVariables.forEach((online, i) => {
        const target = this.variables[i]!;
        target.assign(tf.add(tf.mul(online, tau), tf.mul(target, 1 - tau)));
      });
    });
  }

  /**
   * Call after every gradient update with the lifetime env steps sampled; updates with `tau` when
   * `targetNetworkUpdateFreq` env steps have passed since the last update (RLlib's rule, above).
   * Returns whether it updated.
   */
  maybeUpdate(envStepsSampledLifetime: number, config: TargetUpdateConfig): boolean {
    if (!this.isDue(envStepsSampledLifetime, config)) return false;
    this.softUpdate(config.tau);
    this.countUpdate(envStepsSampledLifetime);
    return true;
  }

  /** Whether RLlib's rule calls for an update now (maybeUpdate without the update). */
  isDue(envStepsSampledLifetime: number, { targetNetworkUpdateFreq }: TargetUpdateConfig): boolean {
    return envStepsSampledLifetime - this.lastTargetUpdateTs >= targetNetworkUpdateFreq;
  }

  /**
   * Counts an update made on a copy of these variables (the fused path updates its own and
   * writes it back here at the end of the learner's update).
   */
  countUpdate(envStepsSampledLifetime: number): void {
    this.numTargetUpdates += 1;
    this.lastTargetUpdateTs = envStepsSampledLifetime;
  }

  async getState(): Promise<TargetNetworkState> {
    const arrays = await Promise.all(
      this.variables.map(async (v) => new Float32Array((await v.data()) as Float32Array)),
    );
    return {
      weights: {
        version: this.numTargetUpdates,
        names: [...this.source.variableNames],
        shapes: this.variables.map((v) => [...v.shape]),
        arrays,
      },
      numTargetUpdates: this.numTargetUpdates,
      lastTargetUpdateTs: this.lastTargetUpdateTs,
    };
  }

  /** Checks names and shapes against the source module (throws `module/weights-mismatch`), then assigns copies. */
  setState(state: TargetNetworkState): void {
    checkWeights(
      state.weights,
      this.source.variableNames,
      this.variables.map((v) => v.shape),
    );
    this.variables.forEach((v, i) => {
      // A copy: the cpu backend would otherwise keep the caller's array as the variable's storage.
      const value = tf.tensor(new Float32Array(state.weights.arrays[i]!), v.shape);
      v.assign(value);
      value.dispose();
    });
    this.numTargetUpdates = state.numTargetUpdates;
    this.lastTargetUpdateTs = state.lastTargetUpdateTs;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

function checkTau(tau: number): void {
  if (!(tau >= 0 && tau <= 1)) {
    throw new RLError(
      'learner/invalid-tau',
      `tau must be in [0, 1], got ${tau}. Use 1.0 for a hard copy every targetNetworkUpdateFreq env steps (DQN) or a small value such as 0.005 (SAC).`,
    );
  }
}
