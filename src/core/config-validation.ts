/**
 * Validation of the shared config sections: every problem at once, each with its path, what is
 * wrong and how to fix it. Each key's own checks come from its catalogue entry (shared-keys.ts);
 * the rules here involve several keys or the machine. Algorithms add their own `training` checks.
 */
import type { ConfigIssue } from './errors';
import { isPlainObject, suggest } from './config';
import { machineWarnings, resourceErrors, sizeErrors } from './config-limits';
import { IssueList } from './issue-list';

export { IssueList, formatValue } from './issue-list';
import { validateKeys } from './config-tables';
import { MAX_LEARNERS, MAX_REMOTE_ENV_BATCH_WAIT_MS, MAX_WASM_THREADS, SHARED_KEYS } from './shared-keys';
import type { AlgorithmConfigBase, EnvRunnersConfig, FaultToleranceConfig, LearnersConfig } from './config';

export interface ValidationContext {
  /** navigator.hardwareConcurrency of the tab that will run the workers. */
  readonly hardwareConcurrency?: number;
  /** Whether a WebGPU adapter exists; undefined when not probed yet (then no GPU checks). */
  readonly webGpuAvailable?: boolean;
  /** Registered env ids; undefined skips the env id check. */
  readonly knownEnvIds?: readonly string[];
}

/** Most episodes the return window holds (and a checkpoint stores). */
export { EPISODE_WINDOW_MAX, MAX_LEARNERS, MAX_WASM_THREADS } from './shared-keys';

/**
 * Validates the sections every algorithm shares: each key's own range (from its catalogue entry),
 * then the rules that involve several keys or the machine. Algorithms add their `training` checks.
 */
export function validateBase(cfg: AlgorithmConfigBase, ctx: ValidationContext = {}): ConfigIssue[] {
  const out = new IssueList();
  validateKeys(SHARED_KEYS, cfg, out);
  if (isPlainObject(cfg.environment)) checkEnvId(out, cfg.environment.env, ctx);
  if (isPlainObject(cfg.envRunners)) checkRunnerRules(out, cfg.envRunners, ctx);
  if (isPlainObject(cfg.learners)) checkLearnerRules(out, cfg.learners, cfg.algo, ctx);
  if (isPlainObject(cfg.faultTolerance)) checkExclusiveFailureModes(out, cfg.faultTolerance);
  // Sizes a tab can hold and the GPU shares of its one device (errors), and what asks more of this
  // machine than it has (warnings).
  out.issues.push(...sizeErrors(cfg), ...resourceErrors(cfg), ...machineWarnings(cfg, ctx));
  return out.issues;
}

function checkEnvId(out: IssueList, env: unknown, ctx: ValidationContext): void {
  if (typeof env !== 'string' || env === '' || !ctx.knownEnvIds || ctx.knownEnvIds.includes(env)) return;
  const guess = suggest(env, ctx.knownEnvIds);
  out.error(
    'environment.env',
    `unknown env '${env}'${guess ? ` (did you mean '${guess}'?)` : ''}. ` +
      `Known env ids: ${ctx.knownEnvIds.join(', ')}; register a custom env before building.`,
  );
}

function checkRunnerRules(out: IssueList, r: EnvRunnersConfig, ctx: ValidationContext): void {
  const p = 'envRunners.';
  if (r.remoteWorkerEnvs === true && r.numEnvsPerEnvRunner === 1) {
    out.warn(
      p + 'remoteWorkerEnvs',
      'remoteWorkerEnvs with numEnvsPerEnvRunner = 1 only adds a message round trip per step: the runner waits ' +
        'for its one sub-env anyway. Raise numEnvsPerEnvRunner (one sub-env worker per idle core) or turn it off.',
    );
  }
  const wait = r.remoteEnvBatchWaitMs;
  if (r.remoteWorkerEnvs === false && typeof wait === 'number' && wait > 0 && wait <= MAX_REMOTE_ENV_BATCH_WAIT_MS) {
    out.warn(
      p + 'remoteEnvBatchWaitMs',
      `remoteEnvBatchWaitMs (${wait}) has no effect without remoteWorkerEnvs = true.`,
    );
  }
  const gpus = r.numGpusPerEnvRunner;
  if (typeof gpus === 'number' && gpus > 0 && ctx.webGpuAvailable === false) {
    out.error(
      p + 'numGpusPerEnvRunner',
      `numGpusPerEnvRunner is ${gpus} but this browser has no WebGPU adapter. ` +
        `Set numGpusPerEnvRunner to 0 (runner inference on wasm/cpu).`,
    );
  }
}

/** Algorithms whose Learner runs data-parallel over numLearners >= 1 workers. */
const DATA_PARALLEL_ALGOS = ['PPO'];

const isCount = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;

function checkWasmThreads(out: IssueList, l: LearnersConfig, ctx: ValidationContext): void {
  const t = l.wasmThreads;
  if (!isCount(t, 2) || t > MAX_WASM_THREADS) return;
  if (isCount(l.numLearners, 1)) {
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

function checkLearnerRules(out: IssueList, l: LearnersConfig, algo: string, ctx: ValidationContext): void {
  checkWasmThreads(out, l, ctx);
  const n = l.numLearners;
  if (isCount(n, 1) && n <= MAX_LEARNERS && !DATA_PARALLEL_ALGOS.includes(algo)) {
    out.error(
      'learners.numLearners',
      `numLearners is ${n} but ${algo} runs its Learner on the page only (data-parallel learner workers ` +
        `are implemented for ${DATA_PARALLEL_ALGOS.join(', ')}). Set numLearners to 0.`,
    );
  }
  const gpus = l.numGpusPerLearner;
  if (typeof gpus !== 'number' || !Number.isFinite(gpus) || gpus <= 0 || gpus > 1) return;
  if (ctx.webGpuAvailable === false) {
    out.error(
      'learners.numGpusPerLearner',
      `numGpusPerLearner is ${gpus} but this browser has no WebGPU adapter. ` +
        `Set numGpusPerLearner to 0 (wasm/cpu) or 'auto' (WebGPU when available, wasm otherwise).`,
    );
  }
  // numLearners x numGpusPerLearner over the one device is the ledger's error (resourceErrors), summed with the runners'.
}

function checkExclusiveFailureModes(out: IssueList, f: FaultToleranceConfig): void {
  if (f.restartFailedEnvRunners === true && f.ignoreEnvRunnerFailures === true) {
    out.error(
      'faultTolerance.ignoreEnvRunnerFailures',
      'ignoreEnvRunnerFailures and restartFailedEnvRunners are both true, but they are exclusive ' +
        '(RLlib: restart a failed runner, or drop it for good). Keep restartFailedEnvRunners = true and ' +
        'set ignoreEnvRunnerFailures = false.',
    );
  }
}
