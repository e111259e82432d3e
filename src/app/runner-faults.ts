/**
 * `rl.faults`: the EnvRunners' state, chaos for teaching and tests (DESIGN.md §5: a feature, not a hack), and what the
 * supervisor did about it. Killing or hanging an EnvRunner worker shows fault tolerance at work:
 * the supervisor restarts it and counts the failure in `fault_tolerance/*`.
 */
import type { FailureEvent } from '../runtime/supervisor';
import type { RunnerView } from './app-types';
import { builtAlgorithm, runnerViews, type TrainerApp } from './trainer-app';

export class RunnerFaults {
  constructor(private readonly run: TrainerApp) {}

  /** Crashes EnvRunner `workerIndex` (RLlib's numbering: remote runners from 1; 0 is the page's local one). */
  killEnvRunner(workerIndex: number): Promise<void> {
    return builtAlgorithm(this.run).envRunnerGroup.killEnvRunner(workerIndex);
  }

  /** Blocks remote EnvRunner `workerIndex`'s thread for `seconds` (default an hour): the health probe should find it. */
  hangEnvRunner(workerIndex: number, seconds?: number): void {
    builtAlgorithm(this.run).envRunnerGroup.hangEnvRunner(workerIndex, seconds);
  }

  /** Each EnvRunner's state, restarts, last error and backend (what the Workers panel shows). */
  runners(): RunnerView[] {
    return runnerViews(this.run.algorithm);
  }

  /** The supervisor's log of this run: every failure, restart and give-up, oldest first. */
  log(): readonly FailureEvent[] {
    return this.run.algorithm?.failureEvents ?? [];
  }
}
