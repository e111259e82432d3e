/**
 * Divergence detection for the Learner. FlatAdam skips a step whose loss, gradient norm or update
 * is NaN/Inf (nothing changes); this counts the skipped steps and the longest run of them in a
 * row, on the device, so the minibatch loop never reads back (DESIGN section 4). The Learner reads
 * the three scalars with its other stats once per update and stops training when the run reaches
 * `maxConsecutiveNonFiniteUpdates`.
 *
 * Why a run and not a total: one bad minibatch (an outlier batch of advantages) can overflow once
 * and the next step is fine again, so a lone skip is harmless. Many in a row mean the weights or
 * the data went bad for good (lr too high, exploding gradients, NaN rewards), and every further
 * step is wasted, or, had it been applied, would have written NaN weights into the next checkpoint.
 */
import * as tf from '@tensorflow/tfjs';
import { RLError } from '../core/errors';
import { MAX_STEP_TO_WEIGHT_RATIO } from './flat-adam';

/** The three device scalars, as read back. */
export interface NonFiniteCounts {
  /** Steps skipped in this update. */
  readonly skipped: number;
  /** Skipped steps in a row at the end of the update (carried into the next). */
  readonly run: number;
  /** Longest run of skipped steps during this update, counting one carried in. */
  readonly longest: number;
}

/**
 * The run of skipped steps and its longest length, as two device scalars updated per step (3
 * kernels). The number skipped is not tracked here: it is the steps tried minus FlatAdam's count
 * of applied ones.
 */
export class NonFiniteStreak {
  private readonly zero = tf.scalar(0);
  private run: tf.Scalar;
  private longest: tf.Scalar;

  /** `carriedRun`: skipped steps in a row at the end of the previous update. */
  constructor(carriedRun: number) {
    this.run = tf.scalar(carriedRun);
    this.longest = tf.scalar(carriedRun);
  }

  /** Adds one step: `applied` is FlatAdam's bool flag (disposed here). */
  record(applied: tf.Scalar): void {
    const next = tf.tidy(() => {
      // The Select kernel: tf.where would clone all three scalars first (see FlatAdam's select).
      const run = tf.engine().runKernel<tf.Scalar>('Select', {
        condition: applied,
        t: this.zero,
        e: tf.add(this.run, 1),
      });
      const longest: tf.Scalar = tf.maximum(this.longest, run);
      return { run, longest };
    });
    tf.dispose([applied, this.run, this.longest]);
    this.run = next.run;
    this.longest = next.longest;
  }

  /** The scalars to read back: run, longest. */
  tensors(): tf.Scalar[] {
    return [this.run, this.longest];
  }

  dispose(): void {
    tf.dispose([this.zero, this.run, this.longest]);
  }
}

/** The error that stops training: names the iteration, the likely cause and the fix. */
export function divergedError(opts: {
  readonly run: number;
  readonly limit: number;
  readonly trainingIteration: number | undefined;
  readonly lr: number;
  readonly gradClip: number | null;
}): RLError {
  const where = opts.trainingIteration === undefined ? 'Training' : `Training iteration ${opts.trainingIteration}`;
  const clip =
    opts.gradClip === null
      ? 'set grad_clip (e.g. 0.5 with grad_clip_by global_norm)'
      : `lower grad_clip (now ${opts.gradClip})`;
  return new RLError(
    'learner/diverged',
    `${where} diverged: ${opts.run} Adam steps in a row had a NaN/Inf loss, gradient norm or update, or an ` +
      `update more than ${MAX_STEP_TO_WEIGHT_RATIO}x the weights' norm ` +
      `(limit: training.maxConsecutiveNonFiniteUpdates = ${opts.limit}). None of them was applied, so the ` +
      `weights are as before them, and this iteration was not saved: the last good checkpoint was left as it was. ` +
      `Likely cause: a learning rate too high (lr = ${opts.lr}), exploding gradients, or non-finite values in ` +
      `the train batch. Fix: lower lr, ${clip}, or check the env's rewards and observations; then restore ` +
      `the last checkpoint and train again.`,
  );
}
