/**
 * Validation of the shared config sections: every problem at once, each with its path, what is
 * wrong and how to fix it. Algorithms add their own `training` checks with `IssueList`.
 */
import type { ConfigIssue } from './errors';
import { isPlainObject, suggest } from './config';
import { machineWarnings, sizeErrors } from './config-limits';
import { MAX_TIMER_S } from './deadline';
import { scheduleProblems, type ScheduleRules } from './schedule';
import type {
  AlgorithmConfigBase,
  EnvironmentConfig,
  EnvRunnersConfig,
  FaultToleranceConfig,
  LearnersConfig,
  RLModuleConfig,
} from './config';

export interface ValidationContext {
  /** navigator.hardwareConcurrency of the tab that will run the workers. */
  readonly hardwareConcurrency?: number;
  /** Whether a WebGPU adapter exists; undefined when not probed yet (then no GPU checks). */
  readonly webGpuAvailable?: boolean;
  /** Registered env ids; undefined skips the env id check. */
  readonly knownEnvIds?: readonly string[];
}

export function formatValue(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v));
}

/** Collects issues; the check helpers name the offending value and return whether it passed. */
export class IssueList {
  readonly issues: ConfigIssue[] = [];

  error(path: string, message: string): void {
    this.issues.push({ path, message, severity: 'error' });
  }

  warn(path: string, message: string): void {
    this.issues.push({ path, message, severity: 'warning' });
  }

  integer(path: string, v: unknown, min: number): v is number {
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.error(path, `${leaf(path)} must be an integer >= ${min}, got ${formatValue(v)}.`);
      return false;
    }
    if (v < min) this.error(path, `${leaf(path)} (${v}) must be >= ${min}.`);
    return v >= min;
  }

  /** A finite number within [min, max]; `above` requires strictly > above. */
  number(path: string, v: unknown, range: { min?: number; max?: number; above?: number }): v is number {
    const { min, max, above } = range;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.error(path, `${leaf(path)} must be a finite number, got ${formatValue(v)}.`);
      return false;
    }
    const bad = (above !== undefined && v <= above) || (min !== undefined && v < min) || (max !== undefined && v > max);
    if (bad) {
      const lo = above !== undefined ? `> ${above}` : min !== undefined ? `>= ${min}` : '';
      const hi = max !== undefined ? `<= ${max}` : '';
      this.error(path, `${leaf(path)} (${v}) must be ${[lo, hi].filter(Boolean).join(' and ')}.`);
    }
    return !bad;
  }

  /**
   * A duration in seconds that becomes a timer: > 0 (>= 0 for a delay), at most MAX_TIMER_S (a
   * timer stores 2^31-1 ms; beyond that it fires at once). `nullable`: null means no timeout.
   */
  duration(path: string, v: unknown, opts: { nullable: boolean; allowZero?: boolean }): boolean {
    if (v === null && opts.nullable) return true;
    const range = opts.allowZero ? { min: 0 } : { above: 0 };
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      const none = opts.nullable ? ', or null for no timeout (RLlib: None)' : '';
      this.error(path, `${leaf(path)} must be a number of seconds${none}, got ${formatValue(v)}.`);
      return false;
    }
    if (!this.number(path, v, range)) return false;
    if (v <= MAX_TIMER_S) return true;
    const fix = opts.nullable ? `Use null for no timeout, or at most ${MAX_TIMER_S}.` : `Use at most ${MAX_TIMER_S}.`;
    this.error(
      path,
      `${leaf(path)} (${v} s) is more than a browser timer can hold: ${MAX_TIMER_S} s (2^31-1 ms, about 24.8 days); ` +
        `a longer timer fires at once. ${fix}`,
    );
    return false;
  }

  /** A constant or an RLlib schedule [[envStep, value], ...] (core/schedule.ts, shared with the Learner). */
  schedule(path: string, v: unknown, rules: ScheduleRules = {}): boolean {
    const problems = scheduleProblems(leaf(path), v, rules);
    for (const message of problems) this.error(path, message);
    return problems.length === 0;
  }

  boolean(path: string, v: unknown): v is boolean {
    if (typeof v === 'boolean') return true;
    this.error(path, `${leaf(path)} must be true or false, got ${formatValue(v)}.`);
    return false;
  }

  oneOf<T extends string>(path: string, v: unknown, options: readonly T[]): v is T {
    if (options.includes(v as T)) return true;
    this.error(path, `${leaf(path)} must be one of ${options.map(formatValue).join(', ')}, got ${formatValue(v)}.`);
    return false;
  }

  /** True if `section` is an object; otherwise records an error for the whole section. */
  section(path: string, v: unknown): v is object {
    if (isPlainObject(v)) return true;
    this.error(path, `section ${path} must be an object, got ${formatValue(v)}.`);
    return false;
  }
}

/** The name a message uses for a path: its last segment, `fcnetHiddens[1]` for list elements. */
function leaf(path: string): string {
  const parts = path.split('.');
  const last = parts[parts.length - 1] ?? path;
  return /^\d+$/.test(last) && parts.length > 1 ? `${parts[parts.length - 2]}[${last}]` : last;
}

/** Validates the sections every algorithm shares. Algorithms add their `training` checks. */
/** Most episodes the return window holds (and a checkpoint stores). */
export const EPISODE_WINDOW_MAX = 100;

export function validateBase(cfg: AlgorithmConfigBase, ctx: ValidationContext = {}): ConfigIssue[] {
  const out = new IssueList();
  if (out.section('environment', cfg.environment)) validateEnvironment(out, cfg.environment, ctx);
  if (out.section('envRunners', cfg.envRunners)) validateEnvRunners(out, cfg.envRunners, ctx);
  if (out.section('learners', cfg.learners)) validateLearners(out, cfg.learners, cfg.algo, ctx);
  if (out.section('rlModule', cfg.rlModule)) validateRLModule(out, cfg.rlModule);
  if (out.section('faultTolerance', cfg.faultTolerance)) validateFaultTolerance(out, cfg.faultTolerance);
  if (out.section('debugging', cfg.debugging)) {
    const { seed, validateLearnerWeightsInSync } = cfg.debugging;
    if (seed !== null) out.integer('debugging.seed', seed, 0);
    out.boolean('debugging.validateLearnerWeightsInSync', validateLearnerWeightsInSync);
  }
  if (out.section('reporting', cfg.reporting)) {
    const path = 'reporting.metricsNumEpisodesForSmoothing';
    const n = cfg.reporting.metricsNumEpisodesForSmoothing;
    if (out.integer(path, n, 1) && n > EPISODE_WINDOW_MAX) {
      out.error(
        path,
        `metricsNumEpisodesForSmoothing (${n}) must be <= ${EPISODE_WINDOW_MAX}: the episode window a checkpoint keeps. Use ${EPISODE_WINDOW_MAX} or fewer.`,
      );
    }
  }
  // Sizes a tab can hold (errors), and what asks more of this machine than it has (warnings).
  out.issues.push(...sizeErrors(cfg), ...machineWarnings(cfg, ctx));
  return out.issues;
}

function validateEnvironment(out: IssueList, env: EnvironmentConfig, ctx: ValidationContext): void {
  if (typeof env.env !== 'string' || env.env === '') {
    out.error('environment.env', `env must be a registered env id such as 'CartPole-v1', got ${formatValue(env.env)}.`);
  } else if (ctx.knownEnvIds && !ctx.knownEnvIds.includes(env.env)) {
    const guess = suggest(env.env, ctx.knownEnvIds);
    out.error(
      'environment.env',
      `unknown env '${env.env}'${guess ? ` (did you mean '${guess}'?)` : ''}. ` +
        `Known env ids: ${ctx.knownEnvIds.join(', ')}; register a custom env before building.`,
    );
  }
  if (!isPlainObject(env.envConfig)) {
    out.error(
      'environment.envConfig',
      `envConfig must be an object of env options, got ${formatValue(env.envConfig)}.`,
    );
  }
  if (env.maxEpisodeSteps !== null) out.integer('environment.maxEpisodeSteps', env.maxEpisodeSteps, 1);
}

/** A batch wait longer than a second only idles the runner: no env step is that uneven. */
const MAX_REMOTE_ENV_BATCH_WAIT_MS = 1000;

function validateEnvRunners(out: IssueList, r: EnvRunnersConfig, ctx: ValidationContext): void {
  const p = 'envRunners.';
  out.integer(p + 'numEnvRunners', r.numEnvRunners, 0);
  out.integer(p + 'numEnvsPerEnvRunner', r.numEnvsPerEnvRunner, 1);
  if (r.rolloutFragmentLength !== 'auto') out.integer(p + 'rolloutFragmentLength', r.rolloutFragmentLength, 1);
  out.oneOf(p + 'batchMode', r.batchMode, ['truncate_episodes', 'complete_episodes'] as const);
  out.number(p + 'numCpusPerEnvRunner', r.numCpusPerEnvRunner, { above: 0 });
  const gpusOk = out.number(p + 'numGpusPerEnvRunner', r.numGpusPerEnvRunner, { min: 0 });
  out.duration(p + 'sampleTimeoutS', r.sampleTimeoutS, { nullable: true });
  out.boolean(p + 'explore', r.explore);
  const remoteOk = out.boolean(p + 'remoteWorkerEnvs', r.remoteWorkerEnvs);
  const waitOk = out.number(p + 'remoteEnvBatchWaitMs', r.remoteEnvBatchWaitMs, {
    min: 0,
    max: MAX_REMOTE_ENV_BATCH_WAIT_MS,
  });
  if (remoteOk && r.remoteWorkerEnvs && r.numEnvsPerEnvRunner === 1) {
    out.warn(
      p + 'remoteWorkerEnvs',
      'remoteWorkerEnvs with numEnvsPerEnvRunner = 1 only adds a message round trip per step: the runner waits ' +
        'for its one sub-env anyway. Raise numEnvsPerEnvRunner (one sub-env worker per idle core) or turn it off.',
    );
  }
  if (remoteOk && !r.remoteWorkerEnvs && waitOk && r.remoteEnvBatchWaitMs > 0) {
    out.warn(
      p + 'remoteEnvBatchWaitMs',
      `remoteEnvBatchWaitMs (${r.remoteEnvBatchWaitMs}) has no effect without remoteWorkerEnvs = true.`,
    );
  }

  if (gpusOk && r.numGpusPerEnvRunner > 0 && ctx.webGpuAvailable === false) {
    out.error(
      p + 'numGpusPerEnvRunner',
      `numGpusPerEnvRunner is ${r.numGpusPerEnvRunner} but this browser has no WebGPU adapter. ` +
        `Set numGpusPerEnvRunner to 0 (runner inference on wasm/cpu).`,
    );
  }
}

/** Learner workers a tab may start (each is a Web Worker with its own TF.js and model copy). */
export const MAX_LEARNERS = 16;

/** Algorithms whose Learner runs data-parallel over numLearners >= 1 workers. */
const DATA_PARALLEL_ALGOS = ['PPO'];

/** XNNPACK threads TF.js can start: its wasm build pre-creates 8 pthread workers (cc/BUILD). */
export const MAX_WASM_THREADS = 8;

function validateWasmThreads(out: IssueList, l: LearnersConfig, ctx: ValidationContext): void {
  const t = l.wasmThreads;
  if (!out.integer('learners.wasmThreads', t, 1)) return;
  if (t > MAX_WASM_THREADS) {
    out.error(
      'learners.wasmThreads',
      `wasmThreads (${t}) must be <= ${MAX_WASM_THREADS}: TF.js's wasm build starts at most ${MAX_WASM_THREADS} threads.`,
    );
    return;
  }
  if (t === 1) return;
  if (Number.isInteger(l.numLearners) && l.numLearners > 0) {
    out.error(
      'learners.wasmThreads',
      `wasmThreads (${t}) applies to the Learner on the page, but numLearners is ${l.numLearners} (learner workers ` +
        `run single-threaded wasm). Set wasmThreads to 1, or numLearners to 0.`,
    );
  } else if (typeof l.numGpusPerLearner === 'number' && l.numGpusPerLearner > 0) {
    out.warn(
      'learners.wasmThreads',
      `wasmThreads (${t}) has no effect: numGpusPerLearner is ${l.numGpusPerLearner}, so the Learner runs on WebGPU.`,
    );
  } else if (ctx.hardwareConcurrency !== undefined && t > ctx.hardwareConcurrency) {
    out.warn(
      'learners.wasmThreads',
      `wasmThreads (${t}) exceeds navigator.hardwareConcurrency (${ctx.hardwareConcurrency}): the threads share cores ` +
        `and each matmul gets slower, not faster. Use at most ${ctx.hardwareConcurrency}.`,
    );
  }
}

function validateLearners(out: IssueList, l: LearnersConfig, algo: string, ctx: ValidationContext): void {
  validateWasmThreads(out, l, ctx);
  const n = l.numLearners;
  if (out.integer('learners.numLearners', n, 0)) {
    if (n > MAX_LEARNERS) {
      out.error(
        'learners.numLearners',
        `numLearners (${n}) must be <= ${MAX_LEARNERS}: each learner is a Web Worker with its own copy of the model.`,
      );
    } else if (n > 0 && !DATA_PARALLEL_ALGOS.includes(algo)) {
      out.error(
        'learners.numLearners',
        `numLearners is ${n} but ${algo} runs its Learner on the page only (data-parallel learner workers ` +
          `are implemented for ${DATA_PARALLEL_ALGOS.join(', ')}). Set numLearners to 0.`,
      );
    }
  }
  const gpus = l.numGpusPerLearner;
  if (gpus === 'auto') return;
  if (!out.number('learners.numGpusPerLearner', gpus, { min: 0 })) return;
  if (gpus > 1) {
    out.error(
      'learners.numGpusPerLearner',
      `numGpusPerLearner (${gpus}) must be <= 1: a learner uses one WebGPU device and a browser exposes one adapter. ` +
        `To use more compute, raise numLearners (each learner worker takes its own device); use 1, a fraction, 0 or 'auto'.`,
    );
  } else if (gpus > 0 && ctx.webGpuAvailable === false) {
    out.error(
      'learners.numGpusPerLearner',
      `numGpusPerLearner is ${gpus} but this browser has no WebGPU adapter. ` +
        `Set numGpusPerLearner to 0 (wasm/cpu) or 'auto' (WebGPU when available, wasm otherwise).`,
    );
  } else if (gpus > 0 && Number.isInteger(n) && n > 1 && n * gpus > 1 + 1e-9) {
    const fraction = Math.floor((1 / n) * 1000) / 1000;
    out.error(
      'learners.numGpusPerLearner',
      `numLearners (${n}) x numGpusPerLearner (${gpus}) asks for ${n * gpus} GPUs, but a browser exposes one WebGPU adapter. ` +
        `Use a fraction, numGpusPerLearner <= ${fraction}, so the ${n} learners share it (or 0 for wasm).`,
    );
  }
}

function validateRLModule(out: IssueList, m: RLModuleConfig): void {
  const hiddens: unknown = m.fcnetHiddens;
  if (!Array.isArray(hiddens)) {
    out.error(
      'rlModule.fcnetHiddens',
      `fcnetHiddens must be a list of layer sizes like [64, 64], got ${formatValue(hiddens)}.`,
    );
  } else {
    hiddens.forEach((h, i) => out.integer(`rlModule.fcnetHiddens.${i}`, h, 1));
  }
  out.oneOf('rlModule.fcnetActivation', m.fcnetActivation, ['tanh', 'relu'] as const);
  out.boolean('rlModule.vfShareLayers', m.vfShareLayers);
}

function validateFaultTolerance(out: IssueList, f: FaultToleranceConfig): void {
  const p = 'faultTolerance.';
  const restartOk = out.boolean(p + 'restartFailedEnvRunners', f.restartFailedEnvRunners);
  const ignoreOk = out.boolean(p + 'ignoreEnvRunnerFailures', f.ignoreEnvRunnerFailures);
  if (restartOk && ignoreOk && f.restartFailedEnvRunners && f.ignoreEnvRunnerFailures) {
    out.error(
      p + 'ignoreEnvRunnerFailures',
      'ignoreEnvRunnerFailures and restartFailedEnvRunners are both true, but they are exclusive ' +
        '(RLlib: restart a failed runner, or drop it for good). Keep restartFailedEnvRunners = true and ' +
        'set ignoreEnvRunnerFailures = false.',
    );
  }
  out.integer(p + 'maxNumEnvRunnerRestarts', f.maxNumEnvRunnerRestarts, 0);
  out.duration(p + 'delayBetweenEnvRunnerRestartsS', f.delayBetweenEnvRunnerRestartsS, {
    nullable: false,
    allowZero: true,
  });
  out.boolean(p + 'restartFailedSubEnvironments', f.restartFailedSubEnvironments);
  out.duration(p + 'envRunnerHealthProbeTimeoutS', f.envRunnerHealthProbeTimeoutS, { nullable: true });
  out.duration(p + 'envRunnerRestoreTimeoutS', f.envRunnerRestoreTimeoutS, { nullable: true });
  out.integer(p + 'numConsecutiveEnvRunnerFailuresTolerance', f.numConsecutiveEnvRunnerFailuresTolerance, 0);
}
