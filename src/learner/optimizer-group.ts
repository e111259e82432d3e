/**
 * A named optimizer group: one FlatAdam over a subset of a module's variables, with its own lr
 * schedule and gradient clip (RLlib: `Learner.configure_optimizers_for_module` registering several
 * optimizers, each with its own params and lr scheduler; SAC has one for the policy, one for the
 * Q-networks, one for alpha). PPO and DQN use one group, 'default', over every variable.
 */
import * as tf from '@tensorflow/tfjs';
import { RLError } from '../core/errors';
import { FlatAdam } from './flat-adam';
import type { GradClipBy } from './grad-clip';
import { clipFlatGradient, clipGradients } from './grad-clip';
import type { LrSchedule } from './lr-schedule';
import { lrAt, validateLrSchedule } from './lr-schedule';

export const DEFAULT_OPTIMIZER = 'default';

const BETA1 = 0.9;
const BETA2 = 0.999;

export interface OptimizerGroupConfig {
  /** Learning rate or piecewise-linear schedule over lifetime env steps. RLlib: lr. */
  readonly lr: LrSchedule;
  /** Clip threshold, or null for none. RLlib: grad_clip. */
  readonly gradClip: number | null;
  /** RLlib: grad_clip_by. */
  readonly gradClipBy: GradClipBy;
  /** Adam epsilon (default 1e-8 as torch.optim.Adam). */
  readonly adamEpsilon?: number;
  /** Names (module.variableNames) of the variables this group updates; absent: all of them. */
  readonly variables?: readonly string[];
}

/**
 * Adam's m and v per variable and its beta powers, as plain data for checkpoints: names
 * `m/<var>`..., `v/<var>`... (none before the first step), `beta1_power`, `beta2_power`.
 */
export interface OptimizerState {
  readonly names: string[];
  readonly shapes: number[][];
  readonly arrays: Float32Array[];
  /** Adam steps taken. */
  readonly step: number;
}

interface VariableSource {
  readonly trainableVariables: readonly tf.Variable[];
  readonly variableNames: readonly string[];
}

export class OptimizerGroup {
  readonly optimizer: FlatAdam;
  /** Positions of this group's variables in the module's `trainableVariables`. */
  readonly indices: readonly number[];
  readonly variables: readonly tf.Variable[];
  readonly variableNames: readonly string[];

  constructor(
    readonly name: string,
    readonly config: OptimizerGroupConfig,
    module: VariableSource,
  ) {
    validateLrSchedule(config.lr);
    const wanted = config.variables;
    const indices = module.variableNames.flatMap((n, i) => (!wanted || wanted.includes(n) ? [i] : []));
    const missing = wanted?.filter((n) => !module.variableNames.includes(n)) ?? [];
    if (missing.length > 0 || indices.length === 0) {
      throw new RLError(
        'learner/optimizer-group',
        `Optimizer group '${name}' names variables the module does not have (${missing.join(', ') || 'none given'}); ` +
          `use names from module.variableNames (${module.variableNames.slice(0, 4).join(', ')}, ...).`,
      );
    }
    this.indices = indices;
    this.variables = indices.map((i) => module.trainableVariables[i]!);
    this.variableNames = indices.map((i) => module.variableNames[i]!);
    this.optimizer = new FlatAdam(this.variables, lrAt(config.lr, 0), BETA1, BETA2, config.adamEpsilon ?? 1e-8);
  }

  /** Sets the learning rate from the schedule; returns it. */
  setLrAt(lifetimeEnvSteps: number): number {
    const lr = lrAt(this.config.lr, lifetimeEnvSteps);
    this.optimizer.learningRate = lr;
    return lr;
  }

  /**
   * Clips this group's gradients and takes one Adam step, skipped on the device when loss + the
   * group's gradient norm (or the update) is not finite. `allGrads` has one entry per module
   * variable (null: the loss does not reach it). Returns FlatAdam's applied flag and the pre-clip
   * norm. Call inside `tf.tidy`.
   */
  apply(allGrads: readonly (tf.Tensor | null)[], loss: tf.Scalar): { applied: tf.Scalar; globalNorm: tf.Scalar } {
    let perVariable = this.indices.map((i) => allGrads[i] ?? null);
    const present = perVariable.map((g) => g !== null);
    const { gradClip, gradClipBy } = this.config;
    let flat: tf.Tensor1D;
    let globalNorm: tf.Scalar;
    if (gradClip !== null && gradClipBy === 'norm') {
      // Per-tensor norms: clip before flattening.
      const clipped = clipGradients(
        perVariable.flatMap((g) => (g ? [g] : [])),
        gradClip,
        gradClipBy,
      );
      let k = 0;
      perVariable = perVariable.map((g) => (g ? clipped.grads[k++]! : null));
      flat = this.optimizer.flatten(perVariable);
      globalNorm = clipped.globalNorm;
    } else {
      ({ grad: flat, globalNorm } = clipFlatGradient(this.optimizer.flatten(perVariable), gradClip, gradClipBy));
    }
    // NaN/Inf anywhere in the gradient makes the norm NaN/Inf, so loss + norm checks both.
    const applied = this.optimizer.applyFlatGradient(flat, present, tf.add(loss, globalNorm));
    return { applied, globalNorm };
  }

  /**
   * Adam state for checkpoints. The beta powers keep tf.train.adam's meaning, the power the next
   * step will use: beta^(step + 1), so checkpoints read the same as those written before FlatAdam.
   */
  async getState(): Promise<OptimizerState> {
    const moments = await this.optimizer.readMoments();
    const step = await this.optimizer.syncStep();
    const names = this.variableNames;
    const momentNames = moments ? [...names.map((n) => `m/${n}`), ...names.map((n) => `v/${n}`)] : [];
    const momentShapes = moments ? [...this.variables, ...this.variables].map((v) => [...v.shape]) : [];
    return {
      names: [...momentNames, 'beta1_power', 'beta2_power'],
      shapes: [...momentShapes, [], []],
      arrays: [
        ...(moments ? [...moments.m, ...moments.v] : []),
        Float32Array.of(BETA1 ** (step + 1)),
        Float32Array.of(BETA2 ** (step + 1)),
      ],
      step,
    };
  }

  /**
   * Restores Adam's moments and step; throws `learner/optimizer-state-mismatch` (leaving the
   * optimizer as it was) when the state does not fit. The stored beta powers are not read: FlatAdam
   * recomputes them from `step` in float64.
   */
  setState(state: OptimizerState): void {
    const variables = this.variables;
    const numMoments = state.arrays.length - 2;
    const expectedShapes = numMoments === 0 ? [] : [...variables, ...variables].map((v) => v.shape);
    const mismatch = (what: string): never => {
      throw new RLError(
        'learner/optimizer-state-mismatch',
        `Optimizer state of group '${this.name}' does not fit this learner: ${what}. It must come from a learner with the same module config.`,
      );
    };
    if (!Number.isInteger(state.step) || state.step < 0) mismatch(`step ${state.step} is not a count of Adam steps`);
    if (numMoments !== expectedShapes.length)
      mismatch(`${numMoments} moment arrays, expected ${expectedShapes.length}`);
    expectedShapes.forEach((shape, i) => {
      const size = shape.reduce((a, b) => a * b, 1);
      if (state.arrays[i]?.length !== size)
        mismatch(`'${state.names[i]}' has ${state.arrays[i]?.length} values, expected ${size}`);
    });
    const n = variables.length;
    const moments = numMoments === 0 ? null : { m: state.arrays.slice(0, n), v: state.arrays.slice(n, 2 * n) };
    this.optimizer.restore(state.step, moments);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
