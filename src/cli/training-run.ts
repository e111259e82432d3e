/**
 * The headless training loop, driven from Node one iteration at a time (`rl.step()`), so Node owns
 * the stop criteria (Tune semantics: the first one met stops), checkpoints, Ctrl-C and crash
 * recovery. A crashed page (or a lost WebGPU device) is reopened and resumed from the last
 * checkpoint; results recorded after that checkpoint are dropped, so result.jsonl's counters stay
 * monotonic and the redone iterations continue them.
 */
import type { DeviceInfo, ResultDict } from '../app';
import { NUM_EPISODES_IN_MIN_MODULE_RETURNS_MEAN } from '../algorithms/multi-agent/multi-agent-windows';
import { metStopCriterion, windowIsFull } from '../algorithms/stop-criteria';
import { errorMessage } from '../core/errors';
import {
  EPISODE_RETURN_MEAN,
  NUM_ENV_STEPS_SAMPLED_LIFETIME,
  NUM_EPISODES_IN_RETURN_MEAN,
  RETURN_MEAN_WINDOW,
  TIME_TOTAL_S,
  TRAINING_ITERATION,
} from '../core/metric-keys';
import { PageCrashedError, PageError, type AppSession, type BuiltInfo } from './app-session';
import type { CliOptions } from './args';
import { drawReturnChart } from './return-chart';
import { withEnvStop, type RunPlan } from './plan';
import type { Progress } from './progress';
import type { RunFiles } from './run-files';

/** Give up after this many crashes: something is wrong beyond a one-off out-of-memory. */
const MAX_RECOVERIES = 5;

export interface RunOutcome {
  readonly reason: 'stop-criterion' | 'interrupted' | 'error';
  readonly criterion: string | null;
  readonly error: unknown;
}

export interface RunSummaryJson {
  readonly reason: RunOutcome['reason'];
  /** The stop criterion met (result key), or null. */
  readonly criterion: string | null;
  readonly criterionMet: boolean;
  /** The reward criterion was reached (when there is one; otherwise: a stop criterion was met). */
  readonly reached: boolean;
  readonly stop: Readonly<Record<string, number>>;
  readonly stopReward: number | null;
  /** training_iteration of the last result (counts restored iterations). */
  readonly iterations: number;
  readonly iterationsThisRun: number;
  readonly numEnvStepsSampledLifetime: number;
  /** Wall-clock seconds of this process's training loop (time_total_s is the algorithm's own, restored too). */
  readonly wallTimeS: number;
  readonly timeTotalS: number;
  readonly bestReturn: number | null;
  readonly finalReturn: number | null;
  /** Episodes the final return mean covers, and the window it must cover before a reward target counts. */
  readonly finalReturnEpisodes: number | null;
  readonly returnWindow: number | null;
  readonly device: DeviceInfo | null;
  readonly seed: number | null;
  readonly pageCrashes: number;
  readonly gpuDeviceLosses: number;
  readonly restoredFrom: string | null;
  readonly asTest: boolean;
  readonly exitCode: number;
  readonly error: string | null;
}

export interface RunDeps {
  readonly plan: RunPlan;
  readonly opts: CliOptions;
  readonly session: AppSession;
  readonly files: RunFiles;
  readonly progress: Progress;
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function isRecoverable(e: unknown): boolean {
  return e instanceof PageCrashedError || (e instanceof PageError && e.code === 'device/lost');
}

export class TrainingRun {
  readonly results: ResultDict[] = [];
  pageCrashes = 0;
  gpuDeviceLosses = 0;
  built: BuiltInfo | null = null;
  private checkpoint: { text: string; iteration: number } | null;
  private interruptRequested = false;
  /** An rl.step() call is in flight (an interrupt then cuts it short in the page). */
  private stepping = false;
  /** Iteration of the last checkpoint written to --out in this run. */
  private savedIteration: number | null = null;
  private crashHookFired = false;
  private startedAt = Date.now();
  /** The plan, with the env's reward threshold as its stop once the page told it (setUp). */
  plan: RunPlan;

  constructor(private readonly d: RunDeps) {
    this.plan = d.plan;
    this.checkpoint = d.plan.restore ? { text: d.plan.restore.text, iteration: d.plan.restore.iteration } : null;
  }

  /**
   * Ctrl-C / SIGTERM: cut the iteration in progress short at its next yield point (the page then
   * keeps the last completed iteration, which finish() saves) and stop.
   */
  requestInterrupt(): void {
    this.interruptRequested = true;
    if (this.stepping) this.d.session.interrupt().catch(() => {});
  }

  /** What a quit-at-once leaves on disk, for its message. */
  checkpointNote(latestFile: string): string {
    return this.savedIteration === null
      ? 'no checkpoint was saved in this run.'
      : `${latestFile} holds iteration ${this.savedIteration}.`;
  }

  /** Opens the page and builds the algorithm, or restores the last checkpoint into it. */
  async setUp(): Promise<BuiltInfo> {
    const { session } = this.d;
    const plan = this.plan;
    await session.open();
    if (plan.stopFromEnv) {
      const env = await session.envSpec(plan.env);
      this.plan = withEnvStop(plan, env?.rewardThreshold, this.d.opts.asTest);
    }
    const built = this.checkpoint
      ? await session.restoreFromJson(this.checkpoint.text, plan.backend)
      : await session.build(plan.configInput, plan.backend);
    // --restore-weights: over the build or --restore, until this run saved a checkpoint of its own
    // (a recovery from a crash then restores that, imported weights included). The config stays.
    if (plan.restoreWeights && this.savedIteration === null) {
      const { numTensors } = await session.importWeights(plan.restoreWeights.base64, plan.backend);
      this.d.progress.info(`  weights     ${plan.restoreWeights.file} (${numTensors} tensors loaded)`);
    }
    this.built = built;
    return built;
  }

  private get lastIteration(): number {
    const last = this.results[this.results.length - 1];
    return last ? Number(last[TRAINING_ITERATION]) : (this.checkpoint?.iteration ?? 0);
  }

  /** Trains until a stop criterion is met, Ctrl-C, or an error that a page reload cannot fix. */
  async train(): Promise<RunOutcome> {
    const { session, opts, files, progress } = this.d;
    const plan = this.plan;
    this.startedAt = Date.now();
    for (;;) {
      if (this.interruptRequested) return { reason: 'interrupted', criterion: null, error: null };
      try {
        this.stepping = true;
        const result = await session.step().finally(() => (this.stepping = false));
        this.results.push(result);
        files.appendResult(result);
        progress.iteration(result, plan.stop, plan.returnKey);
        const iteration = Number(result[TRAINING_ITERATION]);
        if (opts.checkpointEvery > 0 && iteration % opts.checkpointEvery === 0) await this.saveCheckpoint(false);
        const met = metStopCriterion(result, plan.stop);
        if (met) return { reason: 'stop-criterion', criterion: met, error: null };
        if (opts.debugCrashAfterIter === iteration && !this.crashHookFired) {
          this.crashHookFired = true;
          progress.info(`[test hook] crashing the page after iteration ${iteration} (--debug-crash-after-iter)`);
          await session.crashPage();
        }
      } catch (e) {
        if (this.interruptRequested) return { reason: 'interrupted', criterion: null, error: null };
        if (!isRecoverable(e)) return { reason: 'error', criterion: null, error: e };
        try {
          await this.recover(e);
        } catch (again) {
          return { reason: 'error', criterion: null, error: again };
        }
      }
    }
  }

  private async saveCheckpoint(final: boolean): Promise<void> {
    const text = await this.d.session.exportCheckpointJson();
    this.checkpoint = { text, iteration: this.lastIteration };
    this.d.files.writeCheckpoint(text, { final });
    this.savedIteration = this.checkpoint.iteration;
    if (!final) this.d.files.writeProgressCsv(this.results);
  }

  /** Reopens the page, restores the last checkpoint and drops the results recorded after it. */
  private async recover(e: unknown): Promise<void> {
    const { session, files, progress } = this.d;
    if (e instanceof PageCrashedError) this.pageCrashes++;
    else this.gpuDeviceLosses++;
    if (this.pageCrashes + this.gpuDeviceLosses > MAX_RECOVERIES) {
      throw new Error(`gave up after ${MAX_RECOVERIES} crashes; last: ${errorMessage(e)}`, { cause: e });
    }
    const from = this.checkpoint?.iteration ?? 0;
    const where = this.checkpoint ? `the checkpoint at iteration ${from}` : 'scratch (no checkpoint yet)';
    progress.warn(
      `${errorMessage(e)} after iteration ${this.lastIteration}; reopening the page and resuming from ${where}.`,
    );
    files.console(`[runner] ${errorMessage(e)}; resuming from ${where}`);
    await session.closePage();
    await this.setUp();
    const kept = this.results.filter((r) => Number(r[TRAINING_ITERATION]) <= from);
    this.results.splice(0, Infinity, ...kept);
    files.rewriteResults(this.results);
  }

  /** Final checkpoint, progress.csv, curve.png and summary.json; returns the summary. */
  async finish(outcome: RunOutcome, exitCodeFor: (s: RunSummaryJson) => number): Promise<RunSummaryJson> {
    const { files, progress } = this.d;
    const wallTimeS = (Date.now() - this.startedAt) / 1000;
    if (outcome.reason === 'interrupted' && this.lastIteration === (this.d.plan.restore?.iteration ?? 0)) {
      progress.warn('interrupted before the first iteration completed: no checkpoint saved.');
    } else if (outcome.reason !== 'error') {
      await this.saveCheckpoint(true).catch((e: unknown) =>
        progress.warn(`could not save the final checkpoint: ${errorMessage(e)}`),
      );
    }
    files.writeProgressCsv(this.results);
    await this.drawCurve().catch((e: unknown) => progress.warn(`could not draw curve.png: ${errorMessage(e)}`));
    const draft = this.summarize(outcome, wallTimeS);
    const summary = { ...draft, exitCode: exitCodeFor(draft) };
    files.writeSummary(summary);
    return summary;
  }

  private summarize(outcome: RunOutcome, wallTimeS: number): RunSummaryJson {
    const { opts } = this.d;
    const plan = this.plan;
    const last = this.results[this.results.length - 1];
    const key = plan.returnKey;
    const returns = this.results.map((r) => finite(r[key])).filter((x): x is number => x !== null);
    const finalReturn = last ? finite(last[key]) : null;
    const criterionMet = outcome.criterion !== null;
    // A return over a part-filled window is not a reached target (stop-criteria.ts).
    const reached =
      plan.stopReward === null
        ? criterionMet
        : finalReturn !== null && finalReturn >= plan.stopReward && (!last || windowIsFull(last, key));
    const episodesKey =
      key === EPISODE_RETURN_MEAN ? NUM_EPISODES_IN_RETURN_MEAN : NUM_EPISODES_IN_MIN_MODULE_RETURNS_MEAN;
    return {
      finalReturnEpisodes: last ? finite(last[episodesKey]) : null,
      returnWindow: last ? finite(last[RETURN_MEAN_WINDOW]) : null,
      reason: outcome.reason,
      criterion: outcome.criterion,
      criterionMet,
      reached,
      stop: plan.stop,
      stopReward: plan.stopReward,
      iterations: this.lastIteration,
      iterationsThisRun: this.lastIteration - (plan.restore?.iteration ?? 0),
      numEnvStepsSampledLifetime: last ? Number(last[NUM_ENV_STEPS_SAMPLED_LIFETIME]) : 0,
      wallTimeS,
      timeTotalS: last ? Number(last[TIME_TOTAL_S]) : 0,
      bestReturn: returns.length ? returns.reduce((m, r) => Math.max(m, r), -Infinity) : null,
      finalReturn,
      device: this.built?.device ?? null,
      seed: this.built?.seed ?? null,
      pageCrashes: this.pageCrashes,
      gpuDeviceLosses: this.gpuDeviceLosses,
      restoredFrom: plan.restore?.file ?? null,
      asTest: opts.asTest,
      exitCode: 0,
      error: outcome.error === null ? null : errorMessage(outcome.error),
    };
  }

  private async drawCurve(): Promise<void> {
    const { session, files } = this.d;
    const plan = this.plan;
    const points = this.results.map(
      (r) => [Number(r[NUM_ENV_STEPS_SAMPLED_LIFETIME]), Number(r[plan.returnKey])] as const,
    );
    const what = plan.returnKey === EPISODE_RETURN_MEAN ? 'episode return mean' : 'lowest module return mean';
    const chart = drawReturnChart({
      title: `${plan.algo} on ${plan.env}: ${what}`,
      panels: [{ title: '', target: plan.stopReward, series: [{ label: plan.algo, points }] }],
      xLabel: 'env steps (num_env_steps_sampled_lifetime)',
      yLabel: what,
      targetLabel: 'stop reward',
    });
    files.writeCurve(await session.drawChart(chart));
  }
}
