/** The run's public shapes (app/trainer-app.ts), apart so the UI can import them without it. */
import type { ResultDict } from '../core/metric-keys';
import type { RunnerState } from '../runtime/supervisor';

export type AppStatus = 'idle' | 'building' | 'ready' | 'training' | 'paused' | 'stopped' | 'error';

export interface RunnerView {
  readonly workerIndex: number;
  readonly state: RunnerState;
  readonly restarts: number;
  readonly lastError: string | null;
  readonly backend: string | null;
}

export interface RunSummary {
  readonly reason: 'stop-criterion' | 'stopped' | 'error';
  /** The stop criterion met, if any. */
  readonly criterion: string | null;
  readonly iterations: number;
  readonly lastResult: ResultDict | null;
  readonly error: string | null;
}

export interface TrainOptions {
  readonly stop: Readonly<Record<string, number>>;
  /** Save a checkpoint every N iterations (0 = never); delivered to onCheckpoint listeners. */
  readonly checkpointEvery?: number;
}

export interface StepOptions {
  /**
   * Also keep a checkpoint of the state after this iteration (one weight read-back, small next to
   * the iteration), so a later interrupt can save it: headless runs, which save on Ctrl-C.
   */
  readonly keepLastCompletedIteration?: boolean;
}

export interface StopOptions {
  /** Cut the iteration in progress short at its next yield point instead of finishing it. */
  readonly midIteration?: boolean;
}
