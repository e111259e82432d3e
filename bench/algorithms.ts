/**
 * Runs the algorithm matrix (matrix.ts) through the session helper: one build and rl.train per
 * run, recording every iteration's return against wall time (the chart), the time and env steps
 * at which the threshold was first met, env steps/s, learner time per update and the longest
 * main-thread task. The offline rows first train a PPO agent and record episodes from it to disk.
 */
import { windowIsFull } from '../src/algorithms/stop-criteria';
import type { RunSummary } from '../src/app';
import type { AppSession } from '../src/cli/app-session';
import {
  EPISODE_RETURN_MEAN,
  NUM_ENV_STEPS_SAMPLED_LIFETIME,
  NUM_ENV_STEPS_TRAINED,
  TIME_TOTAL_S,
  TRAINING_ITERATION,
  Timers,
} from '../src/core/metric-keys';
import { MIN_MODULE_EPISODE_RETURNS_MEAN } from '../src/algorithms/multi-agent/multi-agent-windows';
import { OFFLINE_DATA, OFFLINE_MAX_ITERATIONS, QUICK, type MatrixEntry } from './matrix';
import { recordToFile } from './offline';

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
  /**
   * The learner's matrix work per second of learner time (fused path only; null on the TF.js path,
   * which counts nothing), and as a fraction of the matmul peak measured before the matrix.
   */
  learnerGflops: number | null;
  learnerFractionOfPeak: number | null;
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
  /** The matmul peak the learner's GFLOP/s is compared with. */
  readonly peakGflops: number;
  /** The return judged against the target (a multi-agent row: the lowest module's mean). */
  readonly returnKey: string;
}

const RETURN = EPISODE_RETURN_MEAN;

/** Why a run ended, in the table's words. */
function stopReason(s: RunSummary): string {
  if (s.reason === 'error') return 'error';
  const words: Record<string, string> = {
    [RETURN]: 'target',
    [MIN_MODULE_EPISODE_RETURNS_MEAN]: 'target',
    [TIME_TOTAL_S]: 'wall cap',
    [TRAINING_ITERATION]: 'iteration cap',
    [NUM_ENV_STEPS_SAMPLED_LIFETIME]: 'step budget',
  };
  return words[s.criterion ?? ''] ?? String(s.criterion ?? s.reason);
}

/** One build + train in a page; each result is timed on the page's clock, the run by Node's. */
async function runOnce(session: AppSession, input: RunInput): Promise<MatrixRunRow> {
  const curve: [number, number, number][] = [];
  let learnerS = 0;
  let trainedSteps = 0;
  // A holder, not a `let`: TypeScript would keep a `let` narrowed to null after the callback sets it.
  const hit: { at: [number, number] | null } = { at: null };
  const built = await session.build(
    {
      ...input.config,
      algo: input.algo,
      preset: input.preset,
      learners: { numGpusPerLearner: 0 },
      debugging: { seed: input.seed },
    },
    undefined,
  );
  const batch = Number((built.config.training as { trainBatchSizePerLearner?: number }).trainBatchSizePerLearner);
  const longestTask = await session.watchLongTasks();
  await session.diagnostics('countLearnerWork', true);
  const t0 = performance.now();
  let s: RunSummary;
  let wall: number;
  let longest: number;
  let learnerFlop: number;
  try {
    s = await session.train({ stop: input.stop }, (r, wall) => {
      const ret = Number(r[input.returnKey]);
      const steps = Number(r[NUM_ENV_STEPS_SAMPLED_LIFETIME] ?? 0);
      curve.push([wall, ret, steps]);
      learnerS += Number(r[Timers.LEARNER_UPDATE] ?? 0);
      trainedSteps += Number(r[NUM_ENV_STEPS_TRAINED] ?? 0);
      // As the run's own stop criterion: a return mean counts once it covers its whole window.
      if (hit.at === null && ret >= input.target && windowIsFull(r, input.returnKey)) hit.at = [wall, steps];
    });
    wall = (performance.now() - t0) / 1000;
  } finally {
    longest = await longestTask();
    learnerFlop = await session.diagnostics('countLearnerWork', false);
    await session.dispose();
  }
  const steps = Number(s.lastResult?.[NUM_ENV_STEPS_SAMPLED_LIFETIME] ?? 0);
  const updates = batch > 0 ? trainedSteps / batch : 0;
  const returns = curve.map((c) => c[1]).filter((x) => Number.isFinite(x));
  const reached = hit.at;
  return {
    algo: input.algo,
    env: input.env,
    preset: input.preset,
    target: input.target,
    seed: input.seed,
    reached: reached !== null,
    stopReason: stopReason(s),
    secondsToTarget: reached ? reached[0] : null,
    envStepsToTarget: reached ? reached[1] : null,
    wallSeconds: wall,
    envSteps: steps,
    envStepsPerSecond: steps / wall,
    learnerMsPerUpdate: updates > 0 ? (learnerS * 1000) / updates : 0,
    learnerGflops: learnerFlop > 0 && learnerS > 0 ? learnerFlop / learnerS / 1e9 : null,
    learnerFractionOfPeak: learnerFlop > 0 && learnerS > 0 ? learnerFlop / learnerS / 1e9 / input.peakGflops : null,
    numUpdates: updates,
    iterations: s.iterations,
    longestMainThreadTaskMs: longest,
    bestReturn: returns.reduce((m, x) => Math.max(m, x), -Infinity),
    finalReturn: returns.length ? returns[returns.length - 1]! : NaN,
    curve,
    ...(s.error ? { error: s.error } : {}),
  };
}

/** The stop criteria of a row: the threshold, the step budget (or iteration cap offline), the wall cap. */
function stopOf(e: MatrixEntry, target: number, quick: boolean): Record<string, number> {
  const returnKey = e.returnKey ?? RETURN;
  const wall = quick ? Math.min(QUICK.wallCapS, e.wallCapS) : e.wallCapS;
  const budget = e.offline
    ? { [TRAINING_ITERATION]: quick ? QUICK.offlineIterations : OFFLINE_MAX_ITERATIONS }
    : { [NUM_ENV_STEPS_SAMPLED_LIFETIME]: quick ? Math.min(QUICK.maxSteps, e.maxSteps) : e.maxSteps };
  return { [returnKey]: target, ...budget, [TIME_TOTAL_S]: wall };
}

/** Runs one matrix row for one seed. */
export function benchMatrixRun(
  session: AppSession,
  e: MatrixEntry,
  target: number,
  seed: number,
  quick: boolean,
  peakGflops: number,
): Promise<MatrixRunRow> {
  const { algo, preset, env } = e;
  const stop = stopOf(e, target, quick);
  const returnKey = e.returnKey ?? RETURN;
  return runOnce(session, { algo, preset, env, target, seed, config: e.config ?? {}, stop, peakGflops, returnKey });
}

/** The data set the offline rows train on: a PPO agent trained on CartPole-v1, then recorded to disk. */
export interface OfflineDataset {
  readonly files: readonly string[];
  readonly numEnvSteps: number;
  readonly returnMean: number;
  readonly expertEnvSteps: number;
}

/** Trains PPO's CartPole preset to 475 (or its caps) and records OFFLINE_DATA.numEnvSteps into `dir`. */
export async function recordExpert(
  session: AppSession,
  seed: number,
  quick: boolean,
  dir: string,
): Promise<OfflineDataset> {
  const d = OFFLINE_DATA;
  const stop = {
    [RETURN]: d.expertTarget,
    [NUM_ENV_STEPS_SAMPLED_LIFETIME]: quick ? QUICK.maxSteps : d.expertMaxSteps,
    [TIME_TOTAL_S]: quick ? QUICK.wallCapS : d.expertWallCapS,
  };
  const config = { algo: 'PPO', preset: 'CartPole-v1', learners: { numGpusPerLearner: 0 }, debugging: { seed } };
  await session.build(config, undefined);
  const s = await session.train({ stop });
  const rec = await recordToFile(session, quick ? 5_000 : d.numEnvSteps, dir, `expert-seed${seed}.parquet`);
  await session.dispose();
  return {
    files: [rec.file],
    numEnvSteps: rec.numEnvSteps,
    returnMean: rec.episodeReturnMean,
    expertEnvSteps: Number(s.lastResult?.[NUM_ENV_STEPS_SAMPLED_LIFETIME] ?? 0),
  };
}

/** Runs an offline row on a recorded data set. */
export async function benchOfflineMatrixRun(
  session: AppSession,
  e: MatrixEntry,
  target: number,
  seed: number,
  quick: boolean,
  data: OfflineDataset,
): Promise<MatrixRunRow> {
  const { algo, preset, env } = e;
  const config = { ...e.config, offlineData: { input: data.files } };
  const stop = stopOf(e, target, quick);
  const row = await runOnce(session, {
    algo,
    preset,
    env,
    target,
    seed,
    config,
    stop,
    peakGflops: Number.NaN,
    returnKey: RETURN,
  });
  return {
    ...row,
    dataset: { numEnvSteps: data.numEnvSteps, returnMean: data.returnMean, expertEnvSteps: data.expertEnvSteps },
  };
}
