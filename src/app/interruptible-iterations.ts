/**
 * Training iterations that can be cut short (the CLI's Ctrl-C, an embed's stop): interrupt()
 * aborts the iteration in progress at its next yield point or pending runner call, and because
 * the algorithm then holds part of an update, only the last completed iteration's checkpoint can
 * be saved afterwards. One job, split out of the run (trainer-app.ts) that drives it.
 */
import type { Algorithm } from '../algorithms/algorithm';
import type { Checkpoint } from '../algorithms/checkpoint';
import { RLError } from '../core/errors';
import type { ResultDict } from '../core/metric-keys';
import { interruptYieldsWith, untilAborted } from '../core/yield';

export class InterruptibleIterations {
  /** Aborts the iteration in progress (interrupt()); null between iterations. */
  private iterationAbort: AbortController | null = null;
  /** interrupt() came before step() started (its call was on the way): the next step() stops at once. */
  private interruptPending = false;
  /** An iteration was cut short: the algorithm holds part of an update, so only lastCompleted is saved. */
  private interrupted = false;
  /** The state after the last iteration that asked for it (step's keepLastCompleted), so an interrupt loses nothing. */
  private lastCompleted: Checkpoint | null = null;

  /** A new algorithm was adopted: nothing interrupted, no snapshot of the old one. */
  reset(): void {
    this.interrupted = false;
    this.interruptPending = false;
    this.lastCompleted = null;
  }

  /**
   * One training iteration of `algo`. interrupt() cuts it short at its next yield point or pending
   * runner call (within ~40 ms plus one minibatch): it then rejects with `app/interrupted`.
   * `keepLastCompleted` keeps a checkpoint of the state after it, for save() after an interrupt.
   */
  async step(algo: Algorithm, keepLastCompleted: boolean): Promise<ResultDict> {
    if (this.interrupted) {
      throw new RLError(
        'app/interrupted',
        'The last iteration was interrupted mid-way; restore a checkpoint (or build again) to train on.',
      );
    }
    if (this.interruptPending) {
      this.interruptPending = false;
      throw new RLError('app/interrupted', 'Interrupted before the iteration started.');
    }
    const abort = new AbortController();
    this.iterationAbort = abort;
    const release = interruptYieldsWith(abort.signal);
    const iteration = algo.train();
    // An abandoned iteration keeps running until its next yield point or runner answer; the yield
    // points throw until then, so it cannot go on updating weights in the background.
    void iteration.then(release, release);
    try {
      const result = await untilAborted(iteration, abort.signal);
      this.lastCompleted = keepLastCompleted ? await algo.save() : null;
      return result;
    } catch (e) {
      if (!abort.signal.aborted) throw e;
      this.interrupted = true;
      throw new RLError('app/interrupted', 'Interrupted mid-iteration; the last completed iteration is kept.');
    } finally {
      this.iterationAbort = null;
      if (!abort.signal.aborted) release();
    }
  }

  /** Cuts the iteration in progress short (see step()), or the next one before it starts; true if one was running. */
  interrupt(): boolean {
    const abort = this.iterationAbort;
    if (!abort) {
      this.interruptPending = true;
      return false;
    }
    abort.abort(new RLError('app/interrupted', 'Interrupted mid-iteration.'));
    return true;
  }

  /** A train() loop starts afresh: an interrupt asked for while nothing ran (and the loop then stopped) is over. */
  forgetPendingInterrupt(): void {
    this.interruptPending = false;
  }

  /** The current state of `algo`; after an interrupt, the last completed iteration's. */
  async save(algo: () => Algorithm): Promise<Checkpoint> {
    if (!this.interrupted) return algo().save();
    if (this.lastCompleted) return this.lastCompleted;
    throw new RLError(
      'app/no-completed-iteration',
      'No iteration completed before the interrupt (or step() was not asked to keepLastCompletedIteration); nothing to save.',
    );
  }
}
