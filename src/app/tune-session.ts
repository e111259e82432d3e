/**
 * Trials in one tab: each trial of a sweep is a run of its own (a TrainerApp: a full algorithm,
 * learner plus EnvRunner workers) in this page, run side by side by the TrialScheduler. The session
 * gets a factory for those runs (sweeps.ts), so it does not depend on the run's module. All learners share the
 * page's TF.js backend, so with WebGPU they share one GPUDevice (numGpusPerLearner 0.2 packs five);
 * for the same reason a sweep cannot mix WebGPU and CPU learners. The UI's trials table, the CLI
 * (`npm run tune`, through TuneEvents) and the tests all watch the same session.
 */
import type { Checkpoint } from '../algorithms/checkpoint';
import { resolveConfigWithWarnings } from '../algorithms/registry';
import type { BuildOptions } from '../algorithms/spec';
import { RLError } from '../core/errors';
import { EPISODE_RETURN_MEAN, TRAINING_ITERATION, type ResultDict } from '../core/metric-keys';
import { detectDevice } from '../backend/device';
import { AshaScheduler } from '../tune/asha';
import type { Sweep } from '../tune/sweep';
import { learnerGpuDemand, ResourcePool, trialDemand, type Resources } from '../tune/trial-resources';
import {
  TrialScheduler,
  type RunningTrial,
  type TrialSpec,
  type TrialState,
  type TrialStatus,
} from '../tune/trial-scheduler';
import { checkpointFromJson, checkpointToJson } from './checkpoint-codec';
import { composeInput, type ComposedInput } from './compose-config';
import { Subscriptions, type Listener } from './subscriptions';

/** What a trial needs of a run (TrainerApp has it). */
export interface TrialRun {
  readonly algorithm: {
    readonly device: { readonly backend: string };
    readonly envRunnerGroup: { readonly supervisor: { readonly slots: readonly { readonly restarts: number }[] } };
  } | null;
  build(config: unknown, opts: BuildOptions): Promise<unknown>;
  restore(checkpoint: Checkpoint, opts: BuildOptions): Promise<unknown>;
  step(): Promise<ResultDict>;
  save(): Promise<Checkpoint>;
  dispose(): void;
}

/** One row of the trials table. */
export interface TrialView {
  readonly id: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: TrialStatus;
  readonly iterations: number;
  readonly lastReturn: number | null;
  readonly bestReturn: number | null;
  readonly failures: number;
  /** EnvRunner restarts over the trial's life (every algorithm it was built as, retries included). */
  readonly runnerRestarts: number;
  /** The learner's TF.js backend once built ('webgpu', 'wasm', ...); null before. */
  readonly learnerBackend: string | null;
  readonly stopReason: string | null;
  readonly error: string | null;
  readonly demand: Resources;
  /** The preset the trial's config goes over (the one rule of compose-config.ts); null: none. */
  readonly presetId: string | null;
}

/** What a session tells its watchers (the CLI writes its files from these). */
export type TuneEvent =
  | { readonly type: 'status'; readonly trial: TrialView }
  | { readonly type: 'result'; readonly trialId: string; readonly result: ResultDict }
  | { readonly type: 'checkpoint'; readonly trialId: string; readonly text: string; readonly final: boolean }
  | { readonly type: 'retry'; readonly trialId: string; readonly error: string; readonly fromIteration: number }
  /** A trial was built: the resolved config it runs with and the preset under it. */
  | { readonly type: 'built'; readonly trialId: string; readonly config: unknown; readonly presetId: string | null };

export interface TuneRunOptions extends BuildOptions {
  /** Overrides tune_config.max_concurrent_trials (the CLI's --max-concurrent). */
  readonly maxConcurrentTrials?: number;
  /** Overrides resources.num_cpus. */
  readonly numCpus?: number;
}

const restartsOf = (run: TrialRun): number =>
  run.algorithm?.envRunnerGroup.supervisor.slots.reduce((n, s) => n + s.restarts, 0) ?? 0;
const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export class TuneSession<Run extends TrialRun = TrialRun> {
  /** The running trials' runs, for the preview and for killing a runner. */
  readonly runs = new Map<string, Run>();
  private scheduler: TrialScheduler | null = null;
  /** Runner restarts of a trial's earlier (disposed) algorithms, so the count survives retries and the end. */
  private readonly pastRestarts = new Map<string, number>();
  private readonly learnerBackends = new Map<string, string>();
  private readonly subscriptions = new Subscriptions<{ trial: TuneEvent }>();
  /**
   * Builds run one at a time: each activates the page's TF.js backend (tf.setBackend), and two
   * activations at once leave one build on an uninitialised backend. Training overlaps freely.
   */
  private buildQueue: Promise<unknown> = Promise.resolve();
  /** Each trial's build input under the one preset rule (or why it cannot be built), composed once. */
  private readonly inputs = new Map<string, ComposedInput | Error>();
  /** The config each trial was built with (resolved: every key), for a trial's row and for tests. */
  private readonly builtConfigs = new Map<string, unknown>();

  constructor(
    readonly sweep: Sweep,
    private readonly newRun: () => Run,
    private readonly opts: TuneRunOptions = {},
  ) {}

  /** The trial's build input: its config over the preset the rule picks (composeInput); throws when it has none. */
  private inputOf(trialId: string, config: Record<string, unknown>): ComposedInput {
    let input = this.inputs.get(trialId);
    if (input === undefined) {
      try {
        input = composeInput(config);
      } catch (e) {
        input = e instanceof Error ? e : new Error(String(e));
      }
      this.inputs.set(trialId, input);
    }
    if (input instanceof Error) throw input;
    return input;
  }

  /** The resolved config a trial was built with (its latest build); undefined before it starts. */
  configOf(trialId: string): unknown {
    return this.builtConfigs.get(trialId);
  }

  /** `trial`: a trial's status changed, it reported a result or a checkpoint, or it is retried. */
  on(type: 'trial', listener: Listener<TuneEvent>): () => void {
    return this.subscriptions.on(type, listener);
  }

  private emit(e: TuneEvent): void {
    this.subscriptions.emit('trial', e);
  }

  get trials(): TrialView[] {
    return this.scheduler?.trials.map((t) => this.view(t)) ?? [];
  }

  private view(t: TrialState): TrialView {
    const returns = t.results.map((r) => finite(r[EPISODE_RETURN_MEAN])).filter((x): x is number => x !== null);
    const last = t.results[t.results.length - 1];
    const run = this.runs.get(t.spec.id);
    return {
      id: t.spec.id,
      params: t.spec.params,
      status: t.status,
      iterations: last ? Number(last[TRAINING_ITERATION]) : 0,
      lastReturn: last ? finite(last[EPISODE_RETURN_MEAN]) : null,
      bestReturn: returns.length > 0 ? returns.reduce((a, b) => Math.max(a, b), -Infinity) : null,
      failures: t.failures,
      runnerRestarts: (this.pastRestarts.get(t.spec.id) ?? 0) + (run ? restartsOf(run) : 0),
      learnerBackend: this.learnerBackends.get(t.spec.id) ?? null,
      stopReason: t.stopReason,
      error: t.error,
      demand: t.spec.demand,
      presetId: this.presetOf(t.spec.id),
    };
  }

  private presetOf(trialId: string): string | null {
    const input = this.inputs.get(trialId);
    return input === undefined || input instanceof Error ? null : input.presetId;
  }

  /** Results of a trial so far (its curve). */
  results(trialId: string): readonly ResultDict[] {
    return this.scheduler?.trials.find((t) => t.spec.id === trialId)?.results ?? [];
  }

  /** The run of a running trial; `tune/not-running` otherwise. */
  runOf(trialId: string): Run {
    const run = this.runs.get(trialId);
    if (!run) throw new RLError('tune/not-running', `Trial ${trialId} is not running.`);
    return run;
  }

  stopTrial(trialId: string): void {
    this.scheduler?.stopTrial(trialId);
  }

  /** Every running trial stops after its current iteration (saving a final checkpoint). */
  interrupt(): void {
    this.scheduler?.interrupt();
  }

  /** Runs the sweep to the end; one trial's failure never rejects it. */
  async run(): Promise<TrialView[]> {
    const detected = await detectDevice();
    const autoUsesGpu = detected.adapter !== null && !detected.adapter.isFallbackAdapter;
    const ctx = { hardwareConcurrency: detected.hardwareConcurrency, webGpuAvailable: detected.adapter !== null };
    const learnerGpu: number[] = [];
    const specs: TrialSpec[] = this.sweep.trials.map((t) => {
      // A config the trial cannot build (checked fully at its start, where it errors) asks for a learner's CPU.
      let demand: Resources = { cpu: 1, gpu: 0 };
      let learner = 0;
      try {
        const config = resolveConfigWithWarnings(this.inputOf(t.id, t.config).input, ctx).config;
        demand = trialDemand(config, autoUsesGpu);
        learner = learnerGpuDemand(config, autoUsesGpu);
      } catch {
        // reported when the trial starts
      }
      learnerGpu.push(learner);
      return { id: t.id, params: t.params, config: t.config, demand, stop: this.sweep.stop };
    });
    // The runners' GPU shares run in their own workers; the learners' decide the page's one TF.js backend.
    const onGpu = learnerGpu.filter((g) => g > 0).length;
    if (this.opts.backend === undefined && onGpu > 0 && onGpu < specs.length) {
      throw new RLError(
        'tune/mixed-backends',
        'Some trials ask for a GPU (learners.numGpusPerLearner > 0) and some do not; the learners of one tab share ' +
          'one TF.js backend. Give every trial the same kind of numGpusPerLearner (e.g. all 0.2, or all 0).',
      );
    }
    const total: Resources = {
      cpu: this.opts.numCpus ?? this.sweep.numCpus ?? detected.hardwareConcurrency,
      gpu: this.sweep.numGpus ?? (detected.adapter !== null ? 1 : 0),
      custom: this.sweep.custom,
    };
    const scheduler = new TrialScheduler(
      specs,
      new ResourcePool(total),
      { start: (spec, checkpoint) => this.startTrial(spec, checkpoint) },
      {
        maxConcurrentTrials: this.opts.maxConcurrentTrials ?? this.sweep.maxConcurrentTrials,
        maxFailures: this.sweep.maxFailures,
        checkpointFrequency: this.sweep.checkpointFrequency,
        asha: this.sweep.asha ? new AshaScheduler(this.sweep.asha) : null,
      },
      {
        onStatus: (t) => this.emit({ type: 'status', trial: this.view(t) }),
        onResult: (t, result) => this.emit({ type: 'result', trialId: t.spec.id, result }),
        onCheckpoint: (t, text, final) => this.emit({ type: 'checkpoint', trialId: t.spec.id, text, final }),
        onRetry: (t, error, fromIteration) => this.emit({ type: 'retry', trialId: t.spec.id, error, fromIteration }),
      },
    );
    this.scheduler = scheduler;
    await scheduler.run();
    return this.trials;
  }

  private async startTrial(spec: TrialSpec, checkpoint: string | null): Promise<RunningTrial> {
    const run = this.newRun();
    const build: BuildOptions = this.opts.backend ? { backend: this.opts.backend } : {};
    const built = this.buildQueue.then(async (): Promise<void> => {
      const made =
        checkpoint !== null
          ? await run.restore(checkpointFromJson(checkpoint), build)
          : await run.build(this.inputOf(spec.id, spec.config as Record<string, unknown>).input, build);
      const config = (made as { config?: unknown }).config;
      this.builtConfigs.set(spec.id, config);
      this.emit({ type: 'built', trialId: spec.id, config, presetId: this.presetOf(spec.id) });
    });
    this.buildQueue = built.catch(() => {});
    try {
      await built;
    } catch (e) {
      run.dispose();
      throw e;
    }
    this.runs.set(spec.id, run);
    if (run.algorithm) this.learnerBackends.set(spec.id, run.algorithm.device.backend);
    return {
      step: () => run.step(),
      save: async () => checkpointToJson(await run.save()),
      dispose: () => {
        this.pastRestarts.set(spec.id, (this.pastRestarts.get(spec.id) ?? 0) + restartsOf(run));
        if (this.runs.get(spec.id) === run) this.runs.delete(spec.id);
        run.dispose();
      },
    };
  }
}
