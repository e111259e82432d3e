/**
 * One validator for RLlib-style schedules (`lr`, DQN's `epsilon`): a constant, or piecewise-linear
 * `[[step, value], ...]` over lifetime env steps that starts at step 0 (RLlib's Scheduler requires
 * it) with increasing steps and values >= 0. Config validation reports its problems as issues;
 * the Learner throws them (learner/lr-schedule.ts), so both accept and reject the same schedules.
 */
import { RLError } from './errors';

/**
 * A constant, or RLlib's piecewise-linear schedule `[[step, value], ...]` over lifetime env steps
 * (ray rllib/utils/schedules/scheduler.py): values are interpolated linearly between points and
 * held at the last value after it. The first point must be at step 0.
 */
export type ScheduleValue = number | readonly (readonly [number, number])[];

export interface ScheduleRules {
  /** Accept a constant of 0 (the Learner does, for tests that must not move weights). Default: > 0. */
  readonly allowZeroConstant?: boolean;
}

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v)));

function isPoint(x: unknown): x is readonly [number, number] {
  return Array.isArray(x) && x.length === 2 && x.every((y) => typeof y === 'number' && Number.isFinite(y));
}

/** Every problem of schedule `v` named `name` (e.g. 'lr'), each a sentence with the fix; empty if valid. */
export function scheduleProblems(name: string, v: unknown, rules: ScheduleRules = {}): string[] {
  if (typeof v === 'number') {
    const ok = Number.isFinite(v) && (rules.allowZeroConstant ? v >= 0 : v > 0);
    return ok ? [] : [`${name} must be a finite number ${rules.allowZeroConstant ? '>= 0' : '> 0'}, got ${show(v)}.`];
  }
  if (!Array.isArray(v) || v.length === 0 || !v.every(isPoint)) {
    return [`${name} must be a positive number or a schedule [[envStep, value], ...], got ${show(v)}.`];
  }
  const points = v as readonly (readonly [number, number])[];
  const problems: string[] = [];
  const firstStep = points[0]![0];
  if (firstStep !== 0) {
    problems.push(`a ${name} schedule must start at step 0 (RLlib requires it), got first step ${firstStep}.`);
  }
  for (let i = 1; i < points.length; i++) {
    const step = points[i]![0];
    const prevStep = points[i - 1]![0];
    if (step <= prevStep) {
      problems.push(`${name} schedule steps must increase; step ${step} follows ${prevStep}. Sort by step.`);
    }
  }
  const negative = points.find(([, value]) => value < 0);
  if (negative) problems.push(`${name} schedule values must be >= 0, got ${negative[1]} at step ${negative[0]}.`);
  return problems;
}

/** Throws RLError `code` listing every problem of the schedule, with an example of a valid one. */
export function assertValidSchedule(name: string, v: unknown, code: string, rules: ScheduleRules = {}): void {
  const problems = scheduleProblems(name, v, rules);
  if (problems.length === 0) return;
  throw new RLError(
    code,
    `Invalid ${name} schedule: ${problems.join(' ')} Use a number or [[step, value], ...] starting at step 0 ` +
      `with increasing steps, e.g. [[0, 3e-4], [1e6, 0]].`,
  );
}
