/**
 * The flat `window.rl` calls that the benchmarks (src/cli/bench*.ts) still make, mapped onto the
 * namespaces those calls moved to. The bench code is moving out to bench/ (issue 26); once it
 * calls the namespaces, delete this file and its uses in app-main.ts and main.ts. Nothing else
 * may use these names: the UI, the CLI, the tests and the README call the namespaces.
 */
import type { AppFacade } from './app-facade';
import type { Listener } from './subscriptions';
import type { ResultDict } from '../core/metric-keys';
import type { EpisodeRecording } from './episode-recording';
import type { SampleSummary } from './sample-probe';
import type { TrainerApp } from './trainer-app';
import type { TrialView, TuneEvent, TuneRunOptions, TuneSession } from './tune-session';

export interface BenchCalls {
  /** rl.on('result', l) */
  onResult(listener: Listener<ResultDict>): () => void;
  /** rl.offline.recordEpisodes(n) */
  recordEpisodes(numEnvSteps: number): Promise<EpisodeRecording>;
  /** rl.offline.load(name, bytes) */
  loadOfflineFile(name: string, bytes: Uint8Array): void;
  /** rl.diagnostics.sampleOnce(n) */
  sampleOnce(numTimesteps: number): Promise<SampleSummary>;
  /** rl.diagnostics.detectDevice() */
  detectDevice: AppFacade['diagnostics']['detectDevice'];
  /** rl.sweeps.run(sweep, opts) */
  tune(input: unknown, opts?: TuneRunOptions): Promise<TrialView[]>;
  /** rl.sweeps.on('trial', l) */
  onTuneEvent(listener: Listener<TuneEvent>): () => void;
  /** rl.sweeps.session */
  readonly tuneSession: TuneSession<TrainerApp> | null;
}

export function withBenchCalls(rl: AppFacade): AppFacade & BenchCalls {
  const calls: Omit<BenchCalls, 'tuneSession'> = {
    onResult: (listener) => rl.on('result', listener),
    recordEpisodes: (numEnvSteps) => rl.offline.recordEpisodes(numEnvSteps),
    loadOfflineFile: (name, bytes) => rl.offline.load(name, bytes),
    sampleOnce: (numTimesteps) => rl.diagnostics.sampleOnce(numTimesteps),
    detectDevice: () => rl.diagnostics.detectDevice(),
    tune: (input, opts) => rl.sweeps.run(input, opts),
    onTuneEvent: (listener) => rl.sweeps.on('trial', listener),
  };
  Object.assign(rl, calls);
  Object.defineProperty(rl, 'tuneSession', { get: () => rl.sweeps.session, enumerable: false });
  return rl as AppFacade & BenchCalls;
}
