/**
 * `window.rl`: the page's run (TrainerApp: rl.build, rl.train, rl.step, rl.save, rl.on, ...) with
 * one namespace per service, so the run stays small and each service is found by its name:
 *
 *   rl.checkpoints   browser storage, JSON files, RLlib weights      checkpoints.ts
 *   rl.sweeps        Ray Tune-style sweeps, trials in this tab        sweeps.ts
 *   rl.offline       recorded episode files for BC / MARWIL           offline-data.ts
 *   rl.envs          env modules by URL, env metadata, env faults     user-envs.ts
 *   rl.faults        kill / hang an EnvRunner, the supervisor's log   runner-faults.ts
 *   rl.diagnostics   the device, self-checks, probes of the run       run-diagnostics.ts
 *
 * The UI, the headless CLI (through page.evaluate) and the e2e tests all drive this one object.
 */
import { Checkpoints } from './checkpoints';
import { OfflineData } from './offline-data';
import { runDiagnostics, type RunDiagnostics } from './run-diagnostics';
import { RunnerFaults } from './runner-faults';
import { Sweeps } from './sweeps';
import { TrainerApp } from './trainer-app';
import { UserEnvs } from './user-envs';

export class AppFacade extends TrainerApp {
  readonly checkpoints: Checkpoints;
  readonly sweeps: Sweeps;
  readonly offline: OfflineData;
  readonly envs: UserEnvs;
  readonly faults: RunnerFaults;
  readonly diagnostics: RunDiagnostics;

  constructor(envs: UserEnvs = new UserEnvs()) {
    super(envs);
    this.envs = envs;
    this.checkpoints = new Checkpoints(this);
    // Each trial is a run of its own; its env faults are in its row, not in the page's error panel.
    this.sweeps = new Sweeps(() => new TrainerApp());
    this.offline = new OfflineData(this);
    this.faults = new RunnerFaults(this);
    this.diagnostics = runDiagnostics(this);
  }
}
