/**
 * Every configured duration (`sampleTimeoutS`, `envRunnerHealthProbeTimeoutS`,
 * `envRunnerRestoreTimeoutS`, `delayBetweenEnvRunnerRestartsS`) reaches a timer through here.
 *
 * Why one place: `setTimeout` stores its delay as a signed 32-bit number of milliseconds (HTML
 * timers spec; Node does the same), so 2^31 ms or more fires after ~1 ms instead of never. A
 * `sampleTimeoutS` of 1e7 used to fail every sample call at once and start a restart loop.
 * RLlib's "no timeout" (`None`) is `null` here: no timer at all.
 */

/** The longest delay a browser or Node timer can hold: 2^31 - 1 ms (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** MAX_TIMER_MS in whole seconds, the bound config validation enforces on every `*S` duration. */
export const MAX_TIMER_S = Math.floor(MAX_TIMER_MS / 1000);

/**
 * Milliseconds for a configured duration in seconds; null (no timeout) stays null. Values beyond
 * what a timer holds are clamped to MAX_TIMER_MS (validation refuses them first; this is the
 * backstop for callers that bypass it). Negative and NaN become 0.
 */
export function deadlineMs(seconds: number | null): number | null {
  if (seconds === null) return null;
  const ms = seconds * 1000;
  if (!(ms > 0)) return 0;
  return Math.min(MAX_TIMER_MS, ms);
}

/**
 * `setTimeout(fn, ms)` for a deadline: null never fires, larger values are clamped so they never
 * fire early. Returns a function that cancels it.
 */
export function setDeadline(ms: number | null, fn: () => void): () => void {
  if (ms === null) return () => undefined;
  const timer = setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
  return () => clearTimeout(timer);
}

/** Resolves after `ms` (clamped like setDeadline); null never resolves. */
export function sleepMs(ms: number | null): Promise<void> {
  return new Promise((resolve) => setDeadline(ms, resolve));
}

/** How a deadline reads in a message: "60.0 s", or "no timeout". */
export function describeDeadline(ms: number | null): string {
  return ms === null ? 'no timeout' : `${(ms / 1000).toFixed(1)} s`;
}
