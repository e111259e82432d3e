/**
 * The Trials panel's state: the sweep editor's text and its problems, the running sweep's rows
 * (mirrored from rl.sweeps' session on every trial event and twice a second, since runner
 * restarts change without one), each trial's return curve, and which trial the preview shows.
 */
import type { AppFacade, ResultDict, TrainerApp, TrialView } from '../app';
import { checkSweepText, EXAMPLE_SWEEP, tuneHashPiece, type SweepCheck } from '../app';
import { EPISODE_RETURN_MEAN, NUM_ENV_STEPS_SAMPLED_LIFETIME } from '../core/metric-keys';
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
  readonly check: SweepCheck = $derived(checkSweepText(this.text));
  readonly shareHash: string = $derived(tuneHashPiece(this.text));
  private curvePoints = 0;

  constructor(private readonly app: AppFacade) {
    app.sweeps.on('trial', () => this.refresh());
  }

  get valid(): boolean {
    return this.check.sweep !== null;
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
      this.rebuildCurves(this.rows, results);
      this.version++;
    }
  }

  /** uPlot wants one sorted x: every trial's points merged by env steps, each trial's column null elsewhere. */
  private rebuildCurves(rows: readonly TrialView[], results: readonly (readonly ResultDict[])[]): void {
    const points: { x: number; id: string; y: unknown }[] = [];
    rows.forEach((row, i) => {
      for (const r of results[i] ?? []) {
        points.push({ x: Number(r[NUM_ENV_STEPS_SAMPLED_LIFETIME]), id: row.id, y: r[EPISODE_RETURN_MEAN] });
      }
    });
    points.sort((a, b) => a.x - b.x);
    this.curves.clear();
    for (const p of points) {
      this.curves.push({ [NUM_ENV_STEPS_SAMPLED_LIFETIME]: p.x, [p.id]: typeof p.y === 'number' ? p.y : NaN });
    }
  }
}
