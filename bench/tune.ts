/**
 * `npm run bench -- --only tune`: issue #17's sweep, 3 learning rates x 2 seeds of CartPole-v1 PPO
 * with a fixed stop (a few iterations each), run in one tab 1 trial at a time and 2 at a time.
 * Both runs get the same logical CPUs (num_cpus 4: each trial asks for 2, the page's learner and
 * its one EnvRunner), so only max_concurrent_trials differs. Two at a time overlaps one trial's
 * sampling (in its worker) with another's learner update (on the page); the wall time says how
 * much that buys on this machine. The pair is repeated, interleaved, because load drifts.
 */
import type { AppSession } from '../src/cli/app-session';
import type { TuneEvent } from '../src/app';
import { NUM_ENV_STEPS_SAMPLED_LIFETIME } from '../src/core/metric-keys';

/** Every trial runs exactly this many iterations (no return target: the work is fixed). */
export const TUNE_BENCH_ITERATIONS = 10;
/** Logical CPUs given to the sweep in both runs (resources.num_cpus). */
export const TUNE_BENCH_CPUS = 4;

export const TUNE_BENCH_SWEEP = {
  param_space: {
    algo: 'PPO',
    env: 'CartPole-v1',
    lr: { grid_search: [1e-3, 3e-4, 1e-4] },
    num_env_runners: 1,
    num_envs_per_env_runner: 8,
    rollout_fragment_length: 64,
    train_batch_size_per_learner: 512,
    minibatch_size: 128,
    num_epochs: 4,
    fcnet_hiddens: [64, 64],
    num_gpus_per_learner: 0,
    seed: 1,
  },
  tune_config: { num_samples: 2 },
  run_config: { stop: { training_iteration: TUNE_BENCH_ITERATIONS } },
  resources: { num_cpus: TUNE_BENCH_CPUS },
} as const;

export interface TuneBenchRow {
  readonly maxConcurrentTrials: number;
  readonly trials: number;
  readonly iterationsPerTrial: number;
  /** Env steps sampled by all trials together. */
  readonly envSteps: number;
  /** Wall seconds of each repeat, whole sweep (builds, training, teardown). */
  readonly wallSeconds: number[];
  /** Most trials seen RUNNING at once (from the trial states). */
  readonly maxRunningAtOnce: number;
  readonly errored: number;
}

export async function benchTune(
  session: AppSession,
  concurrency: readonly number[],
  repeats: number,
  iterations: number,
  log: (msg: string) => void,
  fresh: () => Promise<void>,
): Promise<TuneBenchRow[]> {
  const sweep = { ...TUNE_BENCH_SWEEP, run_config: { stop: { training_iteration: iterations } } };
  const rows = concurrency.map((c) => ({
    maxConcurrentTrials: c,
    trials: 0,
    iterationsPerTrial: iterations,
    envSteps: 0,
    wallSeconds: [] as number[],
    maxRunningAtOnce: 0,
    errored: 0,
  }));
  for (let k = 0; k < repeats; k++) {
    for (const row of rows) {
      await fresh();
      const out = await runSweep(session, sweep, row.maxConcurrentTrials);
      row.wallSeconds.push(out.wallSeconds);
      row.trials = out.trials;
      row.envSteps = out.envSteps;
      row.maxRunningAtOnce = Math.max(row.maxRunningAtOnce, out.maxRunning);
      row.errored += out.errored;
      log(
        `  ${row.maxConcurrentTrials} at a time: ${out.trials} trials, ${out.wallSeconds.toFixed(1)} s, at most ${out.maxRunning} running, ${out.errored} errored`,
      );
    }
  }
  return rows;
}

/** The sweep through rl.tune, timed, with the most trials RUNNING at once (from the trial events). */
async function runSweep(
  session: AppSession,
  sweep: unknown,
  maxConcurrentTrials: number,
): Promise<{ wallSeconds: number; trials: number; envSteps: number; maxRunning: number; errored: number }> {
  const running = new Set<string>();
  const lastSteps = new Map<string, number>();
  let maxRunning = 0;
  const onEvent = (e: TuneEvent): void => {
    if (e.type === 'result') lastSteps.set(e.trialId, Number(e.result[NUM_ENV_STEPS_SAMPLED_LIFETIME] ?? 0));
    if (e.type !== 'status') return;
    if (e.trial.status === 'RUNNING') running.add(e.trial.id);
    else running.delete(e.trial.id);
    maxRunning = Math.max(maxRunning, running.size);
  };
  const t0 = performance.now();
  const rows = await session.tune(sweep, { maxConcurrentTrials }, onEvent);
  const wallSeconds = (performance.now() - t0) / 1000;
  return {
    wallSeconds,
    trials: rows.length,
    envSteps: rows.reduce((n, r) => n + (lastSteps.get(r.id) ?? 0), 0),
    maxRunning,
    errored: rows.filter((r) => r.status === 'ERROR').length,
  };
}

export function tuneTable(rows: readonly TuneBenchRow[]): string[] {
  const median = (xs: readonly number[]): number => {
    const s = [...xs].sort((x, y) => x - y);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const base = rows.find((r) => r.maxConcurrentTrials === 1);
  const out = [
    `### Trials in one tab (3 lr x 2 seeds, CartPole-v1 PPO, 1 runner x 8 envs, [64, 64], ${rows[0]?.iterationsPerTrial ?? '?'} iterations each; num_cpus ${TUNE_BENCH_CPUS})`,
    '',
    '| trials at once (max_concurrent_trials) | trials | most running at once | env steps (all trials) | wall s (median) | wall s repeats | speed-up vs 1 at a time |',
    '|---:|---:|---:|---:|---:|---|---:|',
  ];
  for (const r of rows) {
    const wall = median(r.wallSeconds);
    const speedUp = base ? `${(median(base.wallSeconds) / wall).toFixed(2)}x` : '—';
    const errored = r.errored > 0 ? ` (${r.errored} errored)` : '';
    out.push(
      `| ${r.maxConcurrentTrials} | ${r.trials}${errored} | ${r.maxRunningAtOnce} | ${r.envSteps} | ${wall.toFixed(1)} | ${r.wallSeconds.map((w) => w.toFixed(1)).join(', ')} | ${speedUp} |`,
    );
  }
  return out;
}
