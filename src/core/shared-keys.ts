/**
 * The keys every algorithm shares, declared once (config-catalogue.ts): the sections of RLlib's
 * `AlgorithmConfig` setters `.environment()`, `.env_runners()`, `.learners()`,
 * `.rl_module(model_config=...)`, `.fault_tolerance()`, `.debugging()` and `.reporting()`.
 * Defaults follow ray-project/ray rllib/algorithms/algorithm_config.py unless a note says why not.
 * Rules that involve more than one key (exclusive fault-tolerance modes, GPUs x learners, sizes a
 * tab can hold) are code in config-validation.ts and config-limits.ts.
 */
import {
  bool,
  custom,
  dict,
  int,
  layers,
  num,
  oneOf,
  schedule,
  seconds,
  text,
  type FormSection,
} from './config-catalogue';
import type { ConfigIssue } from './errors';
import type { IssueList } from './issue-list';
import { checkCustomResources } from './custom-resources';

/** The form's shared sections; an algorithm's own keys go into sections of its own. */
export const FORM_SECTIONS = {
  /** Laid out by the panel itself at the top (env, device, seed). */
  base: { id: 'base', title: 'Run' },
  sampling: { id: 'env-runners', title: 'Sampling' },
  model: { id: 'model', title: 'Model' },
  faultTolerance: { id: 'fault-tolerance', title: 'Fault tolerance' },
} as const satisfies Record<string, FormSection>;

/** Learner workers a tab may start (each is a Web Worker with its own TF.js and model copy). */
export const MAX_LEARNERS = 16;
/** XNNPACK threads TF.js can start: its wasm build pre-creates 8 pthread workers (cc/BUILD). */
export const MAX_WASM_THREADS = 8;
/** Env steps per iteration a tab holds: the whole batch and its gradients live in its memory. */
export const MAX_TRAIN_BATCH_SIZE = 1_000_000;

/** Most episodes the return window holds (and a checkpoint stores). */
export const EPISODE_WINDOW_MAX = 100;
/** A batch wait longer than a second only idles the runner: no env step is that uneven. */
export const MAX_REMOTE_ENV_BATCH_WAIT_MS = 1000;

const atMost =
  (limit: number, why: string) =>
  (v: number | null | 'auto', path: string, out: IssueList): void => {
    if (typeof v === 'number' && v > limit)
      out.error(path, `${path.slice(path.lastIndexOf('.') + 1)} (${v}) must be <= ${limit}: ${why}`);
  };

const sampling = FORM_SECTIONS.sampling;

export const ENVIRONMENT_KEYS = {
  env: text('CartPole-v1', {
    doc: 'Registered env id.',
    rllib: 'env',
    cleanrl: 'env_id',
    form: { label: 'Environment', section: FORM_SECTIONS.base },
  }),
  envConfig: dict({}, { doc: "Keyword arguments for the env's constructor.", rllib: 'env_config' }),
  maxEpisodeSteps: int.orNull(null, {
    min: 1,
    doc: "Time limit (truncation); null keeps the env's own.",
    rllib: {
      none: "environment() has no time-limit key; when set, the exported file registers the env with gymnasium's max_episode_steps.",
    },
    aliases: ['max_episode_steps'],
    form: { label: 'Max episode steps', section: sampling, advanced: true },
  }),
};

export const ENV_RUNNERS_KEYS = {
  numEnvRunners: int(2, {
    min: 0,
    doc: 'Web Workers that sample in parallel; 0 samples on the page.',
    rllib: 'num_env_runners',
    aliases: ['num_workers', 'num_rollout_workers'],
    note:
      "RLlib's base default is 0 (PPO's is 2); 2 here for every algorithm that samples on-policy, since sampling " +
      'in workers keeps the page, which runs the learner and the UI, responsive.',
    form: { label: 'EnvRunners' },
  }),
  numEnvsPerEnvRunner: int(1, {
    min: 1,
    doc: 'Sub-envs each runner steps together, with one batched forward pass per step.',
    rllib: 'num_envs_per_env_runner',
    aliases: ['num_envs_per_worker'],
    cleanrl: 'num_envs',
    form: { label: 'Envs per runner' },
  }),
  rolloutFragmentLength: int.orAuto('auto', {
    min: 1,
    doc: "Steps per sub-env per sample call; 'auto' derives it from the train batch size.",
    rllib: 'rollout_fragment_length',
    cleanrl: 'num_steps',
    form: { label: 'Rollout fragment length', kind: 'text' },
  }),
  batchMode: oneOf(['truncate_episodes', 'complete_episodes'], 'truncate_episodes', {
    doc: 'Cut episodes at fragment ends, or sample whole episodes only.',
    rllib: 'batch_mode',
    form: { label: 'Batch mode', advanced: true },
  }),
  numCpusPerEnvRunner: num(1, {
    above: 0,
    doc: "CPUs each runner asks for, summed with the page's and the learners' against the cores.",
    rllib: 'num_cpus_per_env_runner',
    aliases: ['num_cpus_per_worker'],
  }),
  numGpusPerEnvRunner: num(0, {
    min: 0,
    doc: 'Share of the WebGPU device each runner asks for: > 0 runs its inference (and GPU envs) on WebGPU.',
    rllib: 'num_gpus_per_env_runner',
    aliases: ['num_gpus_per_worker'],
    check: atMost(
      1,
      "a runner uses one WebGPU device and a tab has one. The learner and the runners share it by fractions (the guide's recipe: numGpusPerLearner 0.0001, numGpusPerEnvRunner (1 - 0.0001) / numEnvRunners).",
    ),
    note:
      "Counted in the resource ledger with the learners' share against the one WebGPU device a tab has; any value > 0 " +
      'moves the runner to WebGPU, and the runner hands its GPUDevice to envs that step on a GPU (CartPoleGpu-v1).',
  }),
  customResourcesPerEnvRunner: custom<Readonly<Record<string, number>>>(
    {},
    {
      doc: "Custom resources each runner asks for, {name: amount} (Ray's custom resources: simulator licences).",
      rllib: 'custom_resources_per_env_runner',
      aliases: ['custom_resources_per_worker'],
      check: checkCustomResources,
    },
  ),
  sampleTimeoutS: seconds.orNull(60, {
    doc: 'A sample call slower than this counts as a failed runner; null: no deadline.',
    rllib: 'sample_timeout_s',
    form: { label: 'Sample timeout (s)', advanced: true },
  }),
  explore: bool(true, {
    doc: 'Sample actions from the policy (false: always the greedy action).',
    rllib: 'explore',
    form: { label: 'Explore', advanced: true },
  }),
  remoteWorkerEnvs: bool(false, {
    doc: 'Step each sub-env in its own nested Web Worker: pays when an env step is expensive (a simulator).',
    rllib: 'remote_worker_envs',
    form: { label: 'Remote sub-envs', advanced: true },
  }),
  remoteEnvBatchWaitMs: num(0, {
    min: 0,
    max: MAX_REMOTE_ENV_BATCH_WAIT_MS,
    doc: 'With remote sub-envs: wait this long for more step results before inference; 0 = whatever is ready.',
    rllib: 'remote_env_batch_wait_ms',
    form: { label: 'Remote env batch wait (ms)', advanced: true },
  }),
};

export const LEARNERS_KEYS = {
  numLearners: int(0, {
    min: 0,
    doc: '0: one Learner on the page; N >= 1: N data-parallel learner workers (PPO).',
    rllib: 'num_learners',
    aliases: ['num_learner_workers'],
    check: atMost(MAX_LEARNERS, 'each learner is a Web Worker with its own copy of the model.'),
  }),
  numGpusPerLearner: num.orAuto('auto', {
    min: 0,
    doc: "> 0: the Learner on WebGPU (an error without an adapter); 0: wasm; 'auto': WebGPU on a hardware GPU.",
    rllib: {
      method: 'learners',
      name: 'num_gpus_per_learner',
      convert: (v) => (v === 'auto' ? 0 : v),
      note: "'auto' (WebGPU when the tab has one) has no RLlib form: written as 0; set 1 on a GPU node.",
    },
    aliases: ['num_gpus_per_learner_worker', 'num_gpus'],
    check: atMost(
      1,
      'a learner uses one WebGPU device and a browser exposes one adapter. To use more compute, raise ' +
        "numLearners (each learner worker takes its own device); use 1, a fraction, 0 or 'auto'.",
    ),
    note:
      "RLlib's default is 0. A tab cannot know whether it has a GPU until it asks, so 'auto' picks WebGPU on a " +
      'hardware adapter and wasm otherwise; a software adapter (SwiftShader) counts as none.',
    form: { label: 'Learner device', section: FORM_SECTIONS.base, kind: 'select' },
  }),
  numCpusPerLearner: num(1, {
    min: 0,
    doc: 'CPUs each learner worker asks for (numLearners >= 1); the Learner on the page counts in numCpusForMainProcess.',
    rllib: 'num_cpus_per_learner',
  }),
  numCpusForMainProcess: num(1, {
    min: 0,
    doc: 'CPUs the page asks for: the driver, and the Learner and the sampler when they run there.',
    rllib: { method: 'resources', name: 'num_cpus_for_main_process' },
    aliases: ['num_cpus_for_local_worker', 'num_cpus_for_driver'],
  }),
  wasmThreads: int(1, {
    min: 1,
    doc: "XNNPACK threads of the page Learner's wasm backend; pays for big nets, not [64, 64].",
    rllib: {
      none: "TF.js's wasm (XNNPACK) thread count on the page; torch picks its own intra-op threads (torch.set_num_threads is no AlgorithmConfig key)",
    },
    aliases: ['wasm_threads'],
    check: atMost(MAX_WASM_THREADS, `TF.js's wasm build starts at most ${MAX_WASM_THREADS} threads.`),
  }),
};

export const RL_MODULE_KEYS = {
  fcnetHiddens: layers([256, 256], {
    doc: 'Units per hidden layer of the MLP torso, e.g. [64, 64].',
    rllib: 'fcnet_hiddens',
    form: { label: 'Hidden layers' },
  }),
  fcnetActivation: oneOf(['tanh', 'relu'], 'tanh', {
    doc: 'Nonlinearity of the hidden layers.',
    rllib: 'fcnet_activation',
    form: { label: 'Activation' },
  }),
  vfShareLayers: bool(false, {
    doc: 'One torso for the policy and value heads (false: two separate nets).',
    rllib: 'vf_share_layers',
    form: { label: 'Share layers' },
  }),
};

const ft = FORM_SECTIONS.faultTolerance;

export const FAULT_TOLERANCE_KEYS = {
  restartFailedEnvRunners: bool(true, {
    doc: 'Replace a crashed or hung runner worker with a fresh one.',
    rllib: 'restart_failed_env_runners',
    aliases: ['recreate_failed_env_runners', 'recreate_failed_workers'],
    form: { label: 'Restart failed runners', section: ft },
  }),
  ignoreEnvRunnerFailures: bool(false, {
    doc: 'Keep training without a failed runner, never replacing it; set alone, it turns restarts off.',
    rllib: 'ignore_env_runner_failures',
    aliases: ['ignore_worker_failures'],
    form: { label: 'Ignore runner failures', section: ft },
  }),
  restartFailedSubEnvironments: bool(false, {
    doc: "Rebuild only a sub-env that threw, keeping the others' data.",
    rllib: 'restart_failed_sub_environments',
    form: { label: 'Restart failed sub-envs', section: ft },
  }),
  maxNumEnvRunnerRestarts: int(1000, {
    min: 0,
    doc: 'Cap on restarts of each runner.',
    rllib: 'max_num_env_runner_restarts',
    aliases: ['max_num_worker_restarts'],
    note: "RLlib counts restarts across all runners; here per runner, so one flaky runner cannot use up the others'.",
    form: { label: 'Max restarts', section: ft },
  }),
  delayBetweenEnvRunnerRestartsS: seconds(1, {
    min: 0,
    doc: 'Wait before restarting a failed runner (with backoff when it keeps failing fast).',
    rllib: 'delay_between_env_runner_restarts_s',
    aliases: ['delay_between_worker_restarts_s'],
    note: "RLlib's default is 60 s; a Web Worker starts in well under a second, unlike a Ray actor on a remote node.",
    form: { label: 'Restart delay (s)', section: ft },
  }),
  envRunnerHealthProbeTimeoutS: seconds.orNull(30, {
    doc: 'A runner that does not answer a health probe this fast counts as hung; null: no probes.',
    rllib: 'env_runner_health_probe_timeout_s',
    aliases: ['worker_health_probe_timeout_s'],
    form: { label: 'Health probe timeout (s)', section: ft, advanced: true },
  }),
  envRunnerRestoreTimeoutS: seconds.orNull(1800, {
    doc: 'Deadline for a restarted runner to start and take the env config and weights; null: none.',
    rllib: 'env_runner_restore_timeout_s',
    aliases: ['worker_restore_timeout_s'],
    form: { label: 'Restore timeout (s)', section: ft, advanced: true },
  }),
  numConsecutiveEnvRunnerFailuresTolerance: int(100, {
    min: 0,
    doc: 'Iterations in a row without any healthy runner before the run fails.',
    rllib: 'num_consecutive_env_runner_failures_tolerance',
    aliases: ['num_consecutive_worker_failures_tolerance'],
  }),
};

export const DEBUGGING_KEYS = {
  seed: int.orNull(null, {
    min: 0,
    doc: 'Seed of envs, weights and sampling; null: chosen at build time and recorded.',
    rllib: 'seed',
    cleanrl: 'seed',
    form: { label: 'Seed', section: FORM_SECTIONS.base },
  }),
  validateLearnerWeightsInSync: bool(false, {
    doc: "numLearners >= 1: compare the learners' weight checksums after every update; stop on a difference.",
    rllib: {
      none: 'a check of our data-parallel learners (weight checksums after every update); torch DDP keeps replicas in sync by construction',
    },
    aliases: ['validate_learner_weights_in_sync'],
  }),
};

export const REPORTING_KEYS = {
  metricsNumEpisodesForSmoothing: int(100, {
    min: 1,
    doc: 'Episodes behind episode_return_mean (and min/max/len): the most recent ones.',
    rllib: 'metrics_num_episodes_for_smoothing',
    check: atMost(EPISODE_WINDOW_MAX, 'the episode window a checkpoint keeps. Use 100 or fewer.'),
  }),
};

/** The shared sections' catalogues; an algorithm adds `training` (and sections of its own). */
export const SHARED_KEYS = {
  environment: ENVIRONMENT_KEYS,
  envRunners: ENV_RUNNERS_KEYS,
  learners: LEARNERS_KEYS,
  rlModule: RL_MODULE_KEYS,
  faultTolerance: FAULT_TOLERANCE_KEYS,
  debugging: DEBUGGING_KEYS,
  reporting: REPORTING_KEYS,
};

/**
 * Default of `training.maxConsecutiveNonFiniteUpdates`, in Adam steps. An update is
 * numEpochs x minibatches steps (PPO's defaults: 30 x 32), so one update that diverges stops
 * training at its end; 10 in a row is far beyond a transient outlier minibatch.
 */
export const DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES = 10;

const isCount = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;
const fmt = (n: number): string => (n >= 1e9 ? n.toExponential(1) : n.toLocaleString('en-US'));

/** The train batch limit, for algorithms' `training` checks. */
export function trainBatchSizeError(path: string, v: unknown): ConfigIssue | null {
  if (!isCount(v, 1) || v <= MAX_TRAIN_BATCH_SIZE) return null;
  return {
    path,
    severity: 'error',
    message:
      `${path.slice(path.lastIndexOf('.') + 1)} (${fmt(v)}) is more than the limit of ${fmt(MAX_TRAIN_BATCH_SIZE)} env ` +
      `steps per iteration: the whole batch and its gradients live in the tab's memory. Use a smaller batch.`,
  };
}

const trainBatchTooBig = (v: number, path: string, out: IssueList): void => {
  const issue = trainBatchSizeError(path, v);
  if (issue) out.issues.push(issue);
};

/**
 * Training keys several algorithms take (RLlib's base `AlgorithmConfig.training()` has lr, gamma,
 * train_batch_size_per_learner, grad_clip and grad_clip_by for every algorithm). An algorithm
 * includes the ones it reads with its own defaults: `including(TRAINING_KEYS, { lr: 5e-5, ... })`,
 * and rewrites a doc line where the key means more there (`{ ...TRAINING_KEYS.x, doc }`).
 */
export const TRAINING_KEYS = {
  lr: schedule(1e-4, {
    doc: 'Adam learning rate, or a schedule [[envStep, lr], ...] over lifetime env steps (0:1e-3,200000:3e-4 on a CLI).',
    rllib: 'lr',
    cleanrl: 'learning_rate',
    form: { label: 'Learning rate' },
  }),
  trainBatchSizePerLearner: int(4000, {
    min: 1,
    doc: 'Env steps collected per training iteration.',
    rllib: 'train_batch_size_per_learner',
    aliases: ['train_batch_size'],
    cleanrl: 'num_envs * num_steps',
    check: trainBatchTooBig,
    form: { label: 'Train batch size' },
  }),
  minibatchSize: int(128, {
    min: 1,
    doc: 'Rows per gradient step; each train batch is split into minibatches.',
    rllib: 'minibatch_size',
    aliases: ['sgd_minibatch_size'],
    cleanrl: 'batch_size // num_minibatches',
    form: { label: 'Minibatch size' },
  }),
  numEpochs: int(30, {
    min: 1,
    doc: 'Passes over each train batch per iteration.',
    rllib: 'num_epochs',
    aliases: ['num_sgd_iter'],
    cleanrl: 'update_epochs',
    form: { label: 'Epochs' },
  }),
  gamma: num(0.99, {
    min: 0,
    max: 1,
    doc: 'Discount factor: how much future reward counts; 0.99 looks ~100 steps ahead.',
    rllib: 'gamma',
    cleanrl: 'gamma',
    form: { label: 'Discount γ' },
  }),
  lambda: num(1.0, {
    min: 0,
    max: 1,
    doc: 'GAE lambda, the advantage bias/variance trade-off: 1 is Monte Carlo, 0 one-step TD.',
    rllib: 'lambda_',
    flag: 'lambda',
    cleanrl: 'gae_lambda',
    form: { label: 'GAE λ' },
  }),
  entropyCoeff: num(0, {
    min: 0,
    doc: 'Weight of the entropy bonus: more keeps the policy random for longer.',
    rllib: 'entropy_coeff',
    cleanrl: 'ent_coef',
    form: { label: 'Entropy coeff' },
  }),
  vfLossCoeff: num(1.0, {
    min: 0,
    doc: "Weight of the value function's squared error in the loss.",
    rllib: 'vf_loss_coeff',
    cleanrl: 'vf_coef',
    form: { label: 'Value loss coeff' },
  }),
  gradClip: num.orNull(null, {
    above: 0,
    doc: 'Largest gradient norm per step (what gradClipBy says); null: no clipping.',
    rllib: 'grad_clip',
    cleanrl: 'max_grad_norm',
    form: { label: 'Grad clip' },
  }),
  gradClipBy: oneOf(['global_norm', 'norm', 'value'], 'global_norm', {
    doc: 'What gradClip bounds: the global norm of all gradients, each tensor’s norm, or each value.',
    rllib: 'grad_clip_by',
  }),
  adamEpsilon: num(1e-8, { above: 0, doc: "Adam's epsilon.", rllib: 'adam_epsilon' }),
  shuffleBatchPerEpoch: bool(true, {
    doc: 'Reshuffle the train batch before every epoch.',
    rllib: 'shuffle_batch_per_epoch',
    form: { label: 'Shuffle per epoch', advanced: true },
  }),
  minSampleTimestepsPerIteration: int(0, {
    min: 0,
    doc: 'Env steps sampled at least per training iteration, repeating the training step (0: one step each).',
    rllib: { method: 'reporting', name: 'min_sample_timesteps_per_iteration' },
    aliases: ['min_sample_timesteps_per_iteration'],
    form: { label: 'Min env steps per iteration', advanced: true },
  }),
  maxConsecutiveNonFiniteUpdates: int(DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES, {
    min: 1,
    doc: 'NaN/Inf gradient steps in a row (each skipped) before training stops with learner/diverged.',
    rllib: { none: 'RLlib keeps training on NaN weights; it has no stop after non-finite updates.' },
    aliases: ['max_consecutive_non_finite_updates'],
  }),
};
