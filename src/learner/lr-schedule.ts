/**
 * Learning-rate schedules, as RLlib's `lr`: a constant, or piecewise-linear `[[step, value], ...]`
 * over lifetime env steps (RLlib: PiecewiseSchedule with linear interpolation).
 */
import { RLError } from '../core/errors';
import { assertValidSchedule } from '../core/schedule';

export type LrSchedule = number | readonly (readonly [number, number])[];

/** Throws `learner/invalid-lr-schedule` with the fix; the same rules as config validation (core/schedule.ts). */
export function validateLrSchedule(schedule: LrSchedule): void {
  assertValidSchedule('lr', schedule, 'learner/invalid-lr-schedule', { allowZeroConstant: true });
}

/**
 * Value of the schedule at `step`: linear between neighbouring points, the first value before the
 * first point, the last value after the last point (RLlib's `outside_value`).
 */
export function lrAt(schedule: LrSchedule, step: number): number {
  if (typeof schedule === 'number') return schedule;
  const first = schedule[0];
  const last = schedule[schedule.length - 1];
  if (!first || !last) throw new RLError('learner/invalid-lr-schedule', 'lr schedule has no points');
  if (step <= first[0]) return first[1];
  if (step >= last[0]) return last[1];
  for (let i = 1; i < schedule.length; i++) {
    const [s1, v1] = schedule[i]!;
    if (step <= s1) {
      const [s0, v0] = schedule[i - 1]!;
      const alpha = (step - s0) / (s1 - s0);
      return v0 + alpha * (v1 - v0);
    }
  }
  return last[1];
}
