/**
 * Algorithm configuration: plain, JSON-serialisable, readonly data with one defaults object per
 * section. The same object crosses `postMessage`, is stored with checkpoints, shown in the UI,
 * encoded in the URL and accepted by the CLI. Names are RLlib's (new API stack) in camelCase;
 * `config-keys.ts` maps RLlib's snake_case and old-stack names onto these paths.
 *
 * Sections mirror RLlib's `AlgorithmConfig` methods: `.environment()`, `.env_runners()`,
 * `.learners()`, `.rl_module()`, `.training()` (per algorithm), `.fault_tolerance()`, `.debugging()`,
 * `.reporting()`.
 * Defaults follow ray-project/ray rllib/algorithms/algorithm_config.py unless a comment says why not.
 */

/** Every field optional, recursively; arrays are replaced whole, never merged. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * A constant, or RLlib's piecewise-linear schedule `[[step, value], ...]` over lifetime env steps
 * (ray rllib/utils/schedules/scheduler.py): values are interpolated linearly between points and
 * held at the last value after it. The first point must be at step 0.
 */
export type ScheduleValue = number | readonly (readonly [number, number])[];

export interface EnvironmentConfig {
  /** Registered env id. RLlib: env. CleanRL: env_id. */
  readonly env: string;
  /** Keyword arguments for the env constructor. RLlib: env_config. */
  readonly envConfig: Readonly<Record<string, unknown>>;
  /** Time limit override (truncation); null keeps the env's registered limit. Gymnasium: max_episode_steps. */
  readonly maxEpisodeSteps: number | null;
}

export interface EnvRunnersConfig {
  /**
   * Remote EnvRunners, each a dedicated Web Worker; 0 samples on the page. RLlib: num_env_runners
   * (old: num_workers, num_rollout_workers). RLlib's base default is 0 and PPO's is 2; we use 2 for
   * every algorithm because the page (UI and learner) stays responsive when sampling runs in workers.
   */
  readonly numEnvRunners: number;
  /** Sub-envs per EnvRunner, stepped as one vector env with one batched forward pass. RLlib: num_envs_per_env_runner. CleanRL: num_envs. */
  readonly numEnvsPerEnvRunner: number;
  /** Steps per sub-env per sample call; 'auto' derives it from the train batch size. RLlib: rollout_fragment_length. CleanRL: num_steps. */
  readonly rolloutFragmentLength: number | 'auto';
  /** 'truncate_episodes' cuts episodes at fragment ends; 'complete_episodes' samples whole episodes. RLlib: batch_mode. */
  readonly batchMode: 'truncate_episodes' | 'complete_episodes';
  /** CPUs each runner asks for, summed with the page's and learners' against the cores (core/resources.ts). RLlib: num_cpus_per_env_runner. */
  readonly numCpusPerEnvRunner: number;
  /** > 0 runs runner inference on WebGPU inside the worker instead of wasm/cpu. RLlib: num_gpus_per_env_runner. */
  readonly numGpusPerEnvRunner: number;
  /**
   * Deadline for one sample call (and a first start's init) before the runner counts as failed;
   * null: no deadline (RLlib's None). At most MAX_TIMER_S (~24.8 days, what a timer holds). RLlib: sample_timeout_s.
   */
  readonly sampleTimeoutS: number | null;
  /** Sample actions stochastically (false: greedy/mean action). RLlib: explore. */
  readonly explore: boolean;
  /**
   * Each sub-env of a runner steps in its own Web Worker (nested in the runner's worker); the runner
   * batches inference over the sub-envs whose step results arrived. Pays when an env step costs
   * much more than a postMessage round trip (~0.1 ms). RLlib: remote_worker_envs.
   */
  readonly remoteWorkerEnvs: boolean;
  /**
   * With remoteWorkerEnvs: how long the runner waits for more sub-envs' step results before it
   * runs inference on those that arrived; 0 = whatever is ready. RLlib: remote_env_batch_wait_ms.
   */
  readonly remoteEnvBatchWaitMs: number;
}

export interface LearnersConfig {
  /**
   * 0: one Learner on the page (RLlib's local learner). N >= 1: N data-parallel learners, each in
   * its own Web Worker, each computing gradients on 1/N of every minibatch; the gradients are
   * averaged and every learner applies the same update (PPO only). RLlib: num_learners.
   */
  readonly numLearners: number;
  /**
   * > 0: Learner on WebGPU (fails if there is no adapter); 0: wasm/cpu even if a GPU exists.
   * 'auto' (our default; RLlib's is 0): a tab cannot know whether a GPU exists until it asks, so we
   * pick WebGPU on a hardware adapter and wasm otherwise. With numLearners >= 1 each learner worker
   * takes its own WebGPU device; a fraction (0.5: two learners per adapter) is accepted, as a
   * browser has one adapter that every worker shares. At most 1: a learner cannot span devices.
   * RLlib: num_gpus_per_learner (old: num_gpus).
   */
  readonly numGpusPerLearner: number | 'auto';
  /**
   * XNNPACK threads of the page Learner's wasm backend (1: single-threaded, the default). More
   * threads split each matmul across cores; they need a cross-origin isolated page (else 1 is
   * used and the device line says why) and only apply with numLearners 0 on wasm. RLlib: none
   * (torch sets its own intra-op threads; `torch.set_num_threads` is not an AlgorithmConfig key).
   */
  readonly wasmThreads: number;
}

export interface RLModuleConfig {
  /** Hidden layer sizes of the MLP torso. RLlib: fcnet_hiddens (model_config). CleanRL: two Linear(64) layers. */
  readonly fcnetHiddens: readonly number[];
  /** Hidden activation. RLlib: fcnet_activation. CleanRL: nn.Tanh. */
  readonly fcnetActivation: 'tanh' | 'relu';
  /** Share the torso between policy and value heads. RLlib: vf_share_layers (PPO default false). CleanRL: separate actor and critic. */
  readonly vfShareLayers: boolean;
}

export interface FaultToleranceConfig {
  /** Replace a crashed/unresponsive EnvRunner worker with a new one. RLlib: restart_failed_env_runners (old: recreate_failed_workers). */
  readonly restartFailedEnvRunners: boolean;
  /** Keep training without a failed runner, never replacing it. RLlib: ignore_env_runner_failures (old: ignore_worker_failures). */
  readonly ignoreEnvRunnerFailures: boolean;
  /** Cap on restarts of each runner (RLlib counts across all runners; one flaky runner should not use up the others' restarts). RLlib: max_num_env_runner_restarts. */
  readonly maxNumEnvRunnerRestarts: number;
  /**
   * Wait before restarting a runner. RLlib: delay_between_env_runner_restarts_s (default 60). We use 1:
   * a Web Worker starts in well under a second, unlike a Ray actor on a remote node.
   */
  readonly delayBetweenEnvRunnerRestartsS: number;
  /** Rebuild a failed sub-env alone, keeping the others' data. RLlib: restart_failed_sub_environments. */
  readonly restartFailedSubEnvironments: boolean;
  /** Deadline for a health probe of a runner; null: no probes (a hung runner is then not detected). RLlib: env_runner_health_probe_timeout_s. */
  readonly envRunnerHealthProbeTimeoutS: number | null;
  /**
   * Deadline for a restarted runner to start, take its env config and the latest weights before it
   * counts as failed again; null: no deadline. RLlib: env_runner_restore_timeout_s (default 1800).
   */
  readonly envRunnerRestoreTimeoutS: number | null;
  /** Consecutive iterations without any healthy runner before the run fails. RLlib: num_consecutive_env_runner_failures_tolerance. */
  readonly numConsecutiveEnvRunnerFailuresTolerance: number;
}

export interface DebuggingConfig {
  /** Seed for envs, weights and sampling; null: a seed is chosen at build time and recorded. RLlib: seed. CleanRL: seed. */
  readonly seed: number | null;
  /**
   * numLearners >= 1: after every update, compare the learners' weight checksums and stop with
   * `learner/out-of-sync` on the first difference (costs one weights readback per learner per
   * update). No RLlib equivalent (torch DDP keeps replicas in sync by construction).
   */
  readonly validateLearnerWeightsInSync: boolean;
}

export interface ReportingConfig {
  /**
   * Episodes behind `env_runners/episode_return_mean` (and min/max/len): the most recent ones.
   * RLlib: metrics_num_episodes_for_smoothing (100). At most 100 here: the window a checkpoint keeps.
   */
  readonly metricsNumEpisodesForSmoothing: number;
}

export interface AlgorithmConfigBase {
  /** Algorithm name, e.g. 'PPO' (RLlib: algo_class). */
  readonly algo: string;
  readonly environment: EnvironmentConfig;
  readonly envRunners: EnvRunnersConfig;
  readonly learners: LearnersConfig;
  readonly rlModule: RLModuleConfig;
  readonly faultTolerance: FaultToleranceConfig;
  readonly debugging: DebuggingConfig;
  readonly reporting: ReportingConfig;
}

export const ENVIRONMENT_DEFAULTS: EnvironmentConfig = { env: 'CartPole-v1', envConfig: {}, maxEpisodeSteps: null };

export const ENV_RUNNERS_DEFAULTS: EnvRunnersConfig = {
  numEnvRunners: 2,
  numEnvsPerEnvRunner: 1,
  rolloutFragmentLength: 'auto',
  batchMode: 'truncate_episodes',
  numCpusPerEnvRunner: 1,
  numGpusPerEnvRunner: 0,
  sampleTimeoutS: 60,
  explore: true,
  remoteWorkerEnvs: false,
  remoteEnvBatchWaitMs: 0,
};

export const LEARNERS_DEFAULTS: LearnersConfig = { numLearners: 0, numGpusPerLearner: 'auto', wasmThreads: 1 };

export const RL_MODULE_DEFAULTS: RLModuleConfig = {
  fcnetHiddens: [256, 256],
  fcnetActivation: 'tanh',
  vfShareLayers: false,
};

export const FAULT_TOLERANCE_DEFAULTS: FaultToleranceConfig = {
  restartFailedEnvRunners: true,
  ignoreEnvRunnerFailures: false,
  maxNumEnvRunnerRestarts: 1000,
  delayBetweenEnvRunnerRestartsS: 1,
  restartFailedSubEnvironments: false,
  envRunnerHealthProbeTimeoutS: 30,
  envRunnerRestoreTimeoutS: 1800,
  numConsecutiveEnvRunnerFailuresTolerance: 100,
};

export const DEBUGGING_DEFAULTS: DebuggingConfig = { seed: null, validateLearnerWeightsInSync: false };

export const REPORTING_DEFAULTS: ReportingConfig = { metricsNumEpisodesForSmoothing: 100 };

/** The shared sections' defaults; each algorithm adds `algo` and `training`. */
export const ALGORITHM_CONFIG_DEFAULTS: Omit<AlgorithmConfigBase, 'algo'> = deepFreeze({
  environment: ENVIRONMENT_DEFAULTS,
  envRunners: ENV_RUNNERS_DEFAULTS,
  learners: LEARNERS_DEFAULTS,
  rlModule: RL_MODULE_DEFAULTS,
  faultTolerance: FAULT_TOLERANCE_DEFAULTS,
  debugging: DEBUGGING_DEFAULTS,
  reporting: REPORTING_DEFAULTS,
});

/**
 * Settings of which at most one may be true. RLlib lets a user set either alone
 * (`ignore_env_runner_failures=True` with restart's default of True is accepted), so in a partial
 * that sets one to true and leaves the other unset, the unset one gives way (becomes false). Only
 * both set to true in the same input is an error, which validation reports.
 */
const EXCLUSIVE_SWITCHES: readonly (readonly [string, string, string])[] = [
  ['faultTolerance', 'restartFailedEnvRunners', 'ignoreEnvRunnerFailures'],
];

/** A copy of a sectioned partial where an exclusive switch set to true turns off its unset partner. */
export function resolveExclusiveSwitches<P>(partial: P): P {
  if (!isPlainObject(partial)) return partial;
  let out = partial as Record<string, unknown>;
  for (const [section, a, b] of EXCLUSIVE_SWITCHES) {
    const sec = out[section];
    if (!isPlainObject(sec)) continue;
    const gives = sec[a] === true && sec[b] === undefined ? b : sec[b] === true && sec[a] === undefined ? a : null;
    if (gives !== null) out = { ...out, [section]: { ...sec, [gives]: false } };
  }
  return out as P;
}

// ---------------------------------------------------------------------------------------------
// Generic helpers for plain JSON data.

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Freezes objects and arrays recursively, in place; returns the same object typed readonly. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Sets an own data property, even one named `__proto__`: `out[k] = v` with that key would replace
 * the object's prototype instead (a JSON key `"__proto__"` is data, as JSON.parse keeps it).
 */
function setOwn(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** A deep copy of JSON-like data (the copy is not frozen). */
export function deepClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => deepClone(v)) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, deepClone(v));
    return out as T;
  }
  return value;
}

/**
 * Returns a new object: plain objects merge recursively, everything else (arrays, schedules,
 * primitives) in `partial` replaces the base value; `undefined` entries are skipped.
 */
export function deepMerge<T>(base: T, partial: DeepPartial<T> | undefined): T {
  if (partial === undefined) return deepClone(base);
  if (!isPlainObject(base) || !isPlainObject(partial)) return deepClone(partial as T);
  const out: Record<string, unknown> = deepClone(base);
  for (const [k, v] of Object.entries(partial)) {
    if (v === undefined) continue;
    const old = Object.hasOwn(out, k) ? out[k] : undefined;
    setOwn(out, k, isPlainObject(old) && isPlainObject(v) ? deepMerge(old, v) : deepClone(v));
  }
  return out as T;
}

/** Structural equality of JSON-like data (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate if it is close enough to be a typo. Distance ignores case and separators
 * (so `numEnvRunner` finds `num_env_runners`); ties go to the spelling closest as written.
 */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_.]/g, '');
  const target = norm(name);
  let best: string | undefined;
  let bestScore = Infinity;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(target, norm(c));
    const score = d * 1000 + editDistance(name, c);
    if (score < bestScore) [best, bestScore, bestDist] = [c, score, d];
  }
  return bestDist <= Math.max(2, Math.floor(target.length / 3)) ? best : undefined;
}
