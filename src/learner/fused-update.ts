/**
 * The fused path's gradient-step loop (FAST_PATHS.fusedMlp), which Learner.updateFused runs:
 * the state is copied in once, `numSteps` steps run on it (each: the algorithm's fused loss
 * writes its gradient, every optimizer group takes its Adam step, then the algorithm's
 * after-step work such as a target update), and it is written back once. Nothing is read back
 * from a device: the loss and its stats are JS numbers already.
 */
import { takeTurn, throwIfInterrupted, turnDue } from '../core/yield';
import type { FusedTrainer } from './fused-trainer';

/** What one fused step returns: the loss (for the finite check) and its stats. */
export interface FusedLossResult {
  /** Rows the loss was computed on. */
  readonly rows: number;
  readonly loss: number;
  readonly stats: Readonly<Record<string, number>>;
}

/** Sums of the steps' stats and the non-finite counts, for the Learner's update result. */
export interface FusedRun {
  readonly sums: Map<string, number>;
  /** Rows over all steps. */
  readonly rows: number;
  /** Steps not applied (some group skipped them). */
  readonly skipped: number;
  /** Skipped steps in a row at the end, and the longest run (both counting the carried-in run). */
  readonly run: number;
  readonly longest: number;
}

/** Longest stretch of steps without giving the page a turn (the Learner's budget, too). */
const YIELD_EVERY_MS = 40;

export async function runFusedSteps(
  trainer: FusedTrainer,
  numSteps: number,
  carriedRun: number,
  step: (k: number) => FusedLossResult,
  afterStep: ((k: number) => void) | null,
): Promise<FusedRun> {
  const sums = new Map<string, number>();
  let [run, longest, skipped, rows] = [carriedRun, carriedRun, 0, 0];
  const add = (stats: Readonly<Record<string, number>>): void => {
    for (const [key, value] of Object.entries(stats)) sums.set(key, (sums.get(key) ?? 0) + value);
  };
  trainer.syncIn();
  try {
    for (let k = 0; k < numSteps; k++) {
      if (k > 0 && turnDue(YIELD_EVERY_MS)) {
        // TF.js must hold the current state while the page has the thread (a checkpoint, a stop).
        trainer.writeBack();
        await takeTurn();
        trainer.syncIn();
      } else {
        throwIfInterrupted();
      }
      trainer.zeroGrads();
      const out = step(k);
      const { applied, norms } = trainer.applyGroups(out.loss);
      add(out.stats);
      add(norms);
      rows += out.rows;
      if (applied) run = 0;
      else [run, skipped] = [run + 1, skipped + 1];
      longest = Math.max(longest, run);
      afterStep?.(k);
    }
  } finally {
    trainer.writeBack();
  }
  return { sums, rows, skipped, run, longest };
}
