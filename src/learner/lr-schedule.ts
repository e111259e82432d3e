/**
 * Learning-rate schedules, as RLlib's `lr`: a constant, or piecewise-linear `[[step, value], ...]`
 * over lifetime env steps (RLlib: PiecewiseSchedule with linear interpolation).
 */
import { RLError } from '../core/errors';

export type LrSchedule = number | readonly (readonly [number, number])[];

/** Throws `learner/invalid-lr-schedule` with the fix when a schedule cannot be evaluated. */
export function validateLrSchedule(schedule: LrSchedule): void {
  const fail = (what: string): never => {
    throw new RLError(
      'learner/invalid-lr-schedule',
      `Invalid lr schedule: ${what}. Use a number or [[step, value], ...] with increasing steps, e.g. [[0, 3e-4], [1e6, 0]].`,
    );
  };
  if (typeof schedule === 'number') {
    if (!Number.isFinite(schedule) || schedule < 0) fail(`lr must be a finite number >= 0, got ${schedule}`);
    return;
  }
  if (schedule.length === 0) fail('the list of [step, value] points is empty');
  schedule.forEach(([step, value], i) => {
    if (!Number.isFinite(step) || !Number.isFinite(value) || value < 0) fail(`point ${i} is [${step}, ${value}]`);
    const prev = schedule[i - 1];
    if (prev && step <= prev[0]) fail(`steps must increase, point ${i} has step ${step} after ${prev[0]}`);
  });
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
