/**
 * Runs the algorithm matrix (bench-matrix.ts) in the bench's page: one page.evaluate() per run,
 * recording every iteration's return against wall time (the chart), the time and env steps at
 * which the threshold was first met, env steps/s, learner time per update and the longest
 * main-thread task. The offline rows first train a PPO agent and record episodes from it.
 */
import type { Page } from '@playwright/test';
import { OFFLINE_DATA, OFFLINE_MAX_ITERATIONS, QUICK, type MatrixEntry } from './matrix';

/** One run of one matrix row. */
export interface MatrixRunRow {
  algo: string;
  env: string;
  preset: string;
  target: number;
  seed: number;
  reached: boolean;
  /** Why the run ended: the threshold, the step budget, the wall cap, the iteration cap, or an error. */
  stopReason: string;
  /** Wall seconds and env steps sampled when the threshold was first met (null when it was not). */
  secondsToTarget: number | null;
  envStepsToTarget: number | null;
  wallSeconds: number;
  /** num_env_steps_sampled_lifetime at the end (offline rows: evaluation steps). */
  envSteps: number;
  envStepsPerSecond: number;
  /** Learner time / (env steps trained / train batch size): one train batch's update, in ms. */
  learnerMsPerUpdate: number;
  numUpdates: number;
  iterations: number;
  longestMainThreadTaskMs: number;
  bestReturn: number;
  finalReturn: number;
  /** [wall s, episode return mean, env steps sampled] after every iteration. */
  curve: [number, number, number][];
  /** Offline rows: the recorded data set (env steps, mean episode return, PPO env steps to reach it). */
  dataset?: { numEnvSteps: number; returnMean: number; expertEnvSteps: number };
  error?: string;
}

interface RunInput {
  readonly algo: string;
  readonly preset: string;
  readonly env: string;
  readonly target: number;
  readonly seed: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly stop: Readonly<Record<string, number>>;
}

/** One build + train in the page; no named inner functions (tsx's __name helper is not on the page). */
function runInPage(page: Page, input: RunInput): Promise<MatrixRunRow> {
  return page.evaluate(async (input) => {
    const rl = window.rl;
    const RETURN = 'env_runners/episode_return_mean';
    let longest = 0;
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longest = Math.max(longest, e.duration);
    });
    const curve: [number, number, number][] = [];
    let learnerS = 0;
    let trainedSteps = 0;
    // A holder, not a `let`: TypeScript would keep a `let` narrowed to null after the callback sets it.
    const hit: { at: [number, number] | null } = { at: null };
    let t0 = 0;
    const off = rl.onResult((r) => {
      const wall = (performance.now() - t0) / 1000;
      const ret = Number(r[RETURN]);
      const steps = Number(r['num_env_steps_sampled_lifetime'] ?? 0);
      curve.push([wall, ret, steps]);
      learnerS += Number(r['timers/learner_update_timer'] ?? 0);
      trainedSteps += Number(r['num_env_steps_trained'] ?? 0);
      if (hit.at === null && ret >= input.target) hit.at = [wall, steps];
    });
    try {
      await rl.build({
        ...input.config,
        algo: input.algo,
        preset: input.preset,
        learners: { numGpusPerLearner: 0 },
        debugging: { seed: input.seed },
      });
      const batch = Number((rl.config?.training as { trainBatchSizePerLearner?: number }).trainBatchSizePerLearner);
      observer.observe({ type: 'longtask', buffered: false });
      t0 = performance.now();
      const s = await rl.train({ stop: input.stop });
      const wall = (performance.now() - t0) / 1000;
      const last = s.lastResult ?? {};
      const steps = Number(last['num_env_steps_sampled_lifetime'] ?? 0);
      const updates = batch > 0 ? trainedSteps / batch : 0;
      const returns = curve.map((c) => c[1]).filter((x) => Number.isFinite(x));
      const reason =
        s.reason === 'error'
          ? 'error'
          : s.criterion === RETURN
            ? 'target'
            : s.criterion === 'time_total_s'
              ? 'wall cap'
              : s.criterion === 'training_iteration'
                ? 'iteration cap'
                : s.criterion === 'num_env_steps_sampled_lifetime'
                  ? 'step budget'
                  : String(s.criterion ?? s.reason);
      const reached = hit.at;
      return {
        algo: input.algo,
        env: input.env,
        preset: input.preset,
        target: input.target,
        seed: input.seed,
        reached: reached !== null,
        stopReason: reason,
        secondsToTarget: reached ? reached[0] : null,
        envStepsToTarget: reached ? reached[1] : null,
        wallSeconds: wall,
        envSteps: steps,
        envStepsPerSecond: steps / wall,
        learnerMsPerUpdate: updates > 0 ? (learnerS * 1000) / updates : 0,
        numUpdates: updates,
        iterations: s.iterations,
        longestMainThreadTaskMs: longest,
        bestReturn: returns.reduce((m, x) => Math.max(m, x), -Infinity),
        finalReturn: returns.length ? returns[returns.length - 1]! : NaN,
        curve,
        ...(s.error ? { error: s.error } : {}),
      };
    } finally {
      off();
      observer.disconnect();
      rl.dispose();
    }
  }, input);
}

/** The stop criteria of a row: the threshold, the step budget (or iteration cap offline), the wall cap. */
function stopOf(e: MatrixEntry, target: number, quick: boolean): Record<string, number> {
  const wall = quick ? Math.min(QUICK.wallCapS, e.wallCapS) : e.wallCapS;
  const budget = e.offline
    ? { training_iteration: quick ? QUICK.offlineIterations : OFFLINE_MAX_ITERATIONS }
    : { num_env_steps_sampled_lifetime: quick ? Math.min(QUICK.maxSteps, e.maxSteps) : e.maxSteps };
  return { 'env_runners/episode_return_mean': target, ...budget, time_total_s: wall };
}

/** Runs one matrix row for one seed. */
export function benchMatrixRun(page: Page, e: MatrixEntry, target: number, seed: number, quick: boolean) {
  return runInPage(page, {
    algo: e.algo,
    preset: e.preset,
    env: e.env,
    target,
    seed,
    config: e.config ?? {},
    stop: stopOf(e, target, quick),
  });
}

/** The data set the offline rows train on: a PPO agent trained on CartPole-v1, then recorded. */
export interface OfflineDataset {
  readonly files: readonly string[];
  readonly numEnvSteps: number;
  readonly returnMean: number;
  readonly expertEnvSteps: number;
}

/** Trains PPO's CartPole preset to 475 (or its caps), records OFFLINE_DATA.numEnvSteps and registers the file. */
export function recordExpert(page: Page, seed: number, quick: boolean): Promise<OfflineDataset> {
  const d = OFFLINE_DATA;
  const stop = {
    'env_runners/episode_return_mean': d.expertTarget,
    num_env_steps_sampled_lifetime: quick ? QUICK.maxSteps : d.expertMaxSteps,
    time_total_s: quick ? QUICK.wallCapS : d.expertWallCapS,
  };
  const numEnvSteps = quick ? 5_000 : d.numEnvSteps;
  return page.evaluate(
    async ({ seed, stop, numEnvSteps }) => {
      const rl = window.rl;
      await rl.build({ algo: 'PPO', preset: 'CartPole-v1', learners: { numGpusPerLearner: 0 }, debugging: { seed } });
      const s = await rl.train({ stop });
      const rec = await rl.recordEpisodes(numEnvSteps);
      const file = `bench-expert-seed${seed}.parquet`;
      rl.loadOfflineFile(file, rec.bytes);
      rl.dispose();
      return {
        files: [file],
        numEnvSteps: rec.numEnvSteps,
        returnMean: rec.episodeReturnMean,
        expertEnvSteps: Number(s.lastResult?.['num_env_steps_sampled_lifetime'] ?? 0),
      };
    },
    { seed, stop, numEnvSteps },
  );
}

/** Runs an offline row on a recorded data set. */
export async function benchOfflineMatrixRun(
  page: Page,
  e: MatrixEntry,
  target: number,
  seed: number,
  quick: boolean,
  data: OfflineDataset,
): Promise<MatrixRunRow> {
  const row = await runInPage(page, {
    algo: e.algo,
    preset: e.preset,
    env: e.env,
    target,
    seed,
    config: { ...e.config, offlineData: { input: data.files } },
    stop: stopOf(e, target, quick),
  });
  return {
    ...row,
    dataset: { numEnvSteps: data.numEnvSteps, returnMean: data.returnMean, expertEnvSteps: data.expertEnvSteps },
  };
}
