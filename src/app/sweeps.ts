/**
 * `rl.sweeps`: Ray Tune in this tab. A sweep (tune/sweep.ts's layout: param_space, tune_config,
 * run_config) runs as trials side by side, each a run of its own made by the factory this service
 * is given (tune-session.ts). The page's Trials panel, the CLI (`npm run tune`) and the tests all
 * watch the same session.
 */
import { ConfigError } from '../core/errors';
import { RunnerFaults } from './runner-faults';
import { Subscriptions, type Listener } from './subscriptions';
import type { TrainerApp } from './trainer-app';
import type { TrialView, TuneEvent, TuneRunOptions, TuneSession } from './tune-session';

export type { TrialView, TuneEvent, TuneRunOptions } from './tune-session';

export class Sweeps {
  /** The sweep running in this tab, or the last one; null before the first. */
  session: TuneSession<TrainerApp> | null = null;
  private readonly subscriptions = new Subscriptions<{ trial: TuneEvent }>();

  constructor(private readonly newTrialRun: () => TrainerApp) {}

  /**
   * Runs a sweep and resolves with every trial's row once all have ended. Bad sweep input is a
   * ConfigError listing every problem; a trial's own failure is in its row, never a rejection.
   */
  async run(input: unknown, opts: TuneRunOptions = {}): Promise<TrialView[]> {
    // Loaded on first use: the page without a sweep carries no tune code.
    const [{ parseSweep }, { TuneSession }] = await Promise.all([import('../tune/sweep'), import('./tune-session')]);
    const { sweep, issues } = parseSweep(input);
    if (!sweep) throw new ConfigError(issues.filter((i) => i.severity === 'error'));
    const session = new TuneSession(sweep, this.newTrialRun, opts);
    session.on('trial', (e) => this.subscriptions.emit('trial', e));
    this.session = session;
    return session.run();
  }

  /** `trial`: any trial's status, result, checkpoint or retry (the CLI writes its files from these). */
  on(type: 'trial', listener: Listener<TuneEvent>): () => void {
    return this.subscriptions.on(type, listener);
  }

  /** Chaos for the fault-tolerance demo: kills one EnvRunner of a running trial. */
  async killEnvRunner(trialId: string, workerIndex: number): Promise<void> {
    const run = this.session?.runOf(trialId);
    if (run) await new RunnerFaults(run).killEnvRunner(workerIndex);
  }
}
