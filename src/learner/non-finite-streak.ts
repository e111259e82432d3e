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

/** The three device scalars, as read back. */
export interface NonFiniteCounts {
  /** Steps skipped in this update. */
  readonly skipped: number;
  /** Skipped steps in a row at the end of the update (carried into the next). */
  readonly run: number;
  /** Longest run of skipped steps during this update, counting one carried in. */
  readonly longest: number;
}

export class NonFiniteStreak {
  private skipped: tf.Scalar;
  private run: tf.Scalar;
  private longest: tf.Scalar;

  /** `carriedRun`: skipped steps in a row at the end of the previous update. */
  constructor(carriedRun: number) {
    this.skipped = tf.scalar(0);
    this.run = tf.scalar(carriedRun);
    this.longest = tf.scalar(carriedRun);
  }

  /** Adds one step: `applied` is FlatAdam's 1/0 flag (disposed here). */
  record(applied: tf.Scalar): void {
    const next = tf.tidy(() => {
      const skippedNow = tf.sub(1, applied);
      // run and skippedNow are finite (counts, 0/1), so a multiply resets the run safely.
      const run = tf.mul(tf.add(this.run, 1), skippedNow);
      return { skipped: tf.add(this.skipped, skippedNow), run, longest: tf.maximum(this.longest, run) };
    });
    tf.dispose([applied, this.skipped, this.run, this.longest]);
    this.skipped = next.skipped as tf.Scalar;
    this.run = next.run as tf.Scalar;
    this.longest = next.longest as tf.Scalar;
  }

  /** The scalars to read back, in `readCounts` order. */
  tensors(): tf.Scalar[] {
    return [this.skipped, this.run, this.longest];
  }

  static readCounts(values: ArrayLike<number>): NonFiniteCounts {
    return { skipped: values[0] ?? 0, run: values[1] ?? 0, longest: values[2] ?? 0 };
  }

  dispose(): void {
    tf.dispose(this.tensors());
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
    `${where} diverged: ${opts.run} Adam steps in a row had a NaN/Inf loss, gradient norm or update ` +
      `(limit: training.maxConsecutiveNonFiniteUpdates = ${opts.limit}). None of them was applied, so the ` +
      `weights are still finite, and this iteration was not saved: the last good checkpoint was left as it was. ` +
      `Likely cause: a learning rate too high (lr = ${opts.lr}), exploding gradients, or non-finite values in ` +
      `the train batch. Fix: lower lr, ${clip}, or check the env's rewards and observations; then restore ` +
      `the last checkpoint and train again.`,
  );
}
