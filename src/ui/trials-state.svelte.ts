/**
 * The Trials panel's state: the sweep editor's text and its problems, the running sweep's rows
 * (mirrored from rl.sweeps' session on every trial event and twice a second, since runner
 * restarts change without one), each trial's return curve against env steps and against wall
 * time, compare mode's verdict (which trial reached the threshold first on each axis), the
 * lesson loaded from the Lessons menu, and which trial the preview shows.
 */
import type { AppFacade, LessonEntry, ResultDict, TrainerApp, TrialView } from '../app';
import { checkSweepText, EXAMPLE_SWEEP, LESSONS, tuneHashPiece, type SweepCheck } from '../app';
import { EPISODE_RETURN_MEAN, NUM_ENV_STEPS_SAMPLED_LIFETIME, TIME_TOTAL_S } from '../core/metric-keys';
import { compareTrials, trialLabel, type Comparison } from '../app';
import { MetricSeries } from './metric-series';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const REFRESH_MS = 500;

export class TrialsState {
  /** The sweep's JSON as typed (or as the URL's tune= gave it). */
  text = $state(JSON.stringify(EXAMPLE_SWEEP, null, 2));
  rows: readonly TrialView[] = $state.raw([]);
  /** The trial whose env preview shows; null: none picked. */
  selected: string | null = $state(null);
  running = $state(false);
  /** A failure of the sweep as a whole (bad input, mixed backends); a trial's own is in its row. */
  error: string | null = $state(null);
  /** Bumped when the curves change: the chart redraws. */
  version = $state(0);
  /** Every trial's return against env steps, one column per trial id, x sorted for uPlot. */
  readonly curves = new MetricSeries();
  /** The same curves against each trial's own wall time (time_total_s). */
  readonly curvesByTime = new MetricSeries();
  /** Compare mode: who reached the sweep's threshold first on each axis; null before results or without a threshold. */
  comparison: Comparison | null = $state.raw(null);
  /** The lesson in the editor (the Lessons menu), while its text is unchanged; null: none. */
  lesson: LessonEntry | null = $state.raw(null);
  /** The sweep that is running or ran last (its threshold and lesson decide the comparison). */
  private ran: SweepCheck['sweep'] = null;
  readonly check: SweepCheck = $derived(checkSweepText(this.text));
  readonly shareHash: string = $derived(tuneHashPiece(this.text));
  private curvePoints = 0;

  constructor(private readonly app: AppFacade) {
    app.sweeps.on('trial', () => this.refresh());
  }

  get valid(): boolean {
    return this.check.sweep !== null;
  }

  /** The lessons the menu offers. */
  readonly lessons: readonly LessonEntry[] = LESSONS;

  /** Loads a lesson's sweep into the editor ('' clears the choice, keeping the text). */
  loadLesson(name: string): void {
    const lesson = this.lessons.find((l) => l.name === name) ?? null;
    this.lesson = lesson;
    if (lesson) this.text = JSON.stringify(lesson.sweep, null, 2);
  }

  /** A trial's name in the legends: its searched values, numbered when several trials share them. */
  labelOf(row: TrialView): string {
    const label = trialLabel(row.params);
    const same = this.rows.filter((r) => trialLabel(r.params) === label);
    return same.length > 1 ? `${label} #${same.indexOf(row) + 1}` : label;
  }

  /** The run of a trial (its preview), or null when it is not running. */
  runOf(trialId: string | null): TrainerApp | null {
    if (trialId === null) return null;
    return this.app.sweeps.session?.runs.get(trialId) ?? null;
  }

  /** Starts the editor's sweep; resolves when every trial has ended. */
  async start(): Promise<void> {
    if (this.running || !this.check.sweep) return;
    this.running = true;
    this.error = null;
    this.selected = null;
    this.rows = [];
    this.curves.clear();
    this.curvesByTime.clear();
    this.comparison = null;
    this.ran = this.check.sweep;
    this.curvePoints = 0;
    this.version++;
    const timer = setInterval(() => this.refresh(), REFRESH_MS);
    try {
      await this.app.sweeps.run(this.check.input);
    } catch (e) {
      this.error = message(e);
    } finally {
      clearInterval(timer);
      this.running = false;
      this.refresh();
    }
  }

  /** Every running trial stops after its iteration; pending ones never start. */
  stop(): void {
    this.app.sweeps.session?.interrupt();
  }

  /** Chaos for teaching: kills the first EnvRunner of a running trial; its supervisor restarts it. */
  async killRunner(trialId: string): Promise<void> {
    try {
      await this.app.sweeps.killEnvRunner(trialId, 1);
    } catch (e) {
      this.error = message(e);
    }
  }

  private refresh(): void {
    const session = this.app.sweeps.session;
    if (!session) return;
    this.rows = session.trials;
    const results = this.rows.map((r) => session.results(r.id));
    const points = results.reduce((n, rs) => n + rs.length, 0);
    if (points !== this.curvePoints) {
      this.curvePoints = points;
      this.rebuildCurves(this.curves, NUM_ENV_STEPS_SAMPLED_LIFETIME, this.rows, results);
      this.rebuildCurves(this.curvesByTime, TIME_TOTAL_S, this.rows, results);
      this.compare(results);
      this.version++;
    }
  }

  private compare(results: readonly (readonly ResultDict[])[]): void {
    const sweep = this.ran;
    if (!sweep || sweep.threshold === null || this.rows.length < 2) return;
    this.comparison = compareTrials(
      this.rows.map((r, i) => ({ id: r.id, params: r.params, results: results[i] ?? [] })),
      { metric: sweep.metric, threshold: sweep.threshold, mode: sweep.mode, lesson: sweep.lesson },
    );
  }

  /**
   * uPlot wants one sorted x: every trial's points merged by `xKey` (env steps or seconds), each
   * trial's column null elsewhere (MetricSeries keeps x under the env-steps key).
   */
  private rebuildCurves(
    into: MetricSeries,
    xKey: string,
    rows: readonly TrialView[],
    results: readonly (readonly ResultDict[])[],
  ): void {
    const points: { x: number; id: string; y: unknown }[] = [];
    rows.forEach((row, i) => {
      for (const r of results[i] ?? []) points.push({ x: Number(r[xKey]), id: row.id, y: r[EPISODE_RETURN_MEAN] });
    });
    points.sort((a, b) => a.x - b.x);
    into.clear();
    for (const p of points) {
      into.push({ [NUM_ENV_STEPS_SAMPLED_LIFETIME]: p.x, [p.id]: typeof p.y === 'number' ? p.y : NaN });
    }
  }
}
