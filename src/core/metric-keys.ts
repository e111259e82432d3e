/** Result-dict keys, with RLlib's strings (new API stack), so RLlib users and tools find them. */
export const EPISODE_RETURN_MEAN = 'env_runners/episode_return_mean';
export const EPISODE_RETURN_MIN = 'env_runners/episode_return_min';
export const EPISODE_RETURN_MAX = 'env_runners/episode_return_max';
export const EPISODE_LEN_MEAN = 'env_runners/episode_len_mean';
export const NUM_EPISODES = 'env_runners/num_episodes';
/** Episodes behind this iteration's episode_return_mean (ours: at most the smoothing window). */
export const NUM_EPISODES_IN_RETURN_MEAN = 'env_runners/num_episodes_in_return_mean';
/**
 * Episodes a return mean should cover before a reward stop criterion counts:
 * metrics_num_episodes_for_smoothing (offline runs: an evaluation's episodes).
 */
export const RETURN_MEAN_WINDOW = 'env_runners/return_mean_window';
export const NUM_EPISODES_LIFETIME = 'env_runners/num_episodes_lifetime';
export const ENV_RUNNERS_NUM_ENV_STEPS_SAMPLED = 'env_runners/num_env_steps_sampled';
export const ENV_RUNNERS_NUM_ENV_STEPS_SAMPLED_LIFETIME = 'env_runners/num_env_steps_sampled_lifetime';
export const NUM_ENV_STEPS_SAMPLED = 'num_env_steps_sampled';
export const NUM_ENV_STEPS_SAMPLED_LIFETIME = 'num_env_steps_sampled_lifetime';
export const NUM_ENV_STEPS_TRAINED = 'num_env_steps_trained';
export const NUM_ENV_STEPS_TRAINED_LIFETIME = 'num_env_steps_trained_lifetime';
export const NUM_ENV_STEPS_SAMPLED_PER_SECOND = 'num_env_steps_sampled_per_second';
export const NUM_ENV_STEPS_SAMPLED_PER_SECOND_ITER = 'env_runners/num_env_steps_sampled_per_second';
export const TRAINING_ITERATION = 'training_iteration';
export const TIME_THIS_ITER_S = 'time_this_iter_s';
export const TIME_TOTAL_S = 'time_total_s';
export const ENV_STEP_TIMER = 'env_runners/env_step_timer';
export const INFERENCE_TIMER = 'env_runners/rlmodule_inference_timer';
/** Seconds the runners spent inside sample() for the batches that arrived this iteration (all runners). */
export const SAMPLE_TIME_S = 'env_runners/sample_time_s';
/** Seconds per runner this iteration outside sample() (time_this_iter_s minus its share of sample_time_s). */
export const RUNNER_IDLE_TIME_S = 'env_runners/idle_time_s';

export const Timers = {
  ENV_RUNNER_SAMPLING: 'timers/env_runner_sampling_timer',
  LEARNER_UPDATE: 'timers/learner_update_timer',
  SYNCH_WEIGHTS: 'timers/synch_weights',
} as const;

/**
 * GPU utilisation per iteration (RLlib's `perf/gpu_util_percent0`, split by who uses the device):
 * milliseconds the WebGPU device of the page (the learner) and of each EnvRunner worker was busy,
 * and that time as a share of the iteration. Only parts that run on WebGPU report them.
 */
export const PerfKeys = {
  LEARNER_GPU_BUSY_MS: 'perf/learner_gpu_busy_ms',
  LEARNER_GPU_UTIL_PERCENT: 'perf/learner_gpu_util_percent',
  /** 'timestamp-query' (the GPU's own pass times) or 'submit-to-done' (queue submit to onSubmittedWorkDone). */
  GPU_TIMING: 'perf/gpu_timing',
  runnerGpuBusyMs: (workerIndex: number): string => `perf/env_runner_${workerIndex}_gpu_busy_ms`,
  runnerGpuUtilPercent: (workerIndex: number): string => `perf/env_runner_${workerIndex}_gpu_util_percent`,
} as const;

/** Learner stats live under this prefix: `learners/default_policy/policy_loss`, ... */
export const LEARNER_RESULTS = 'learners/default_policy';

export const FaultToleranceKeys = {
  NUM_HEALTHY_WORKERS: 'fault_tolerance/num_healthy_workers',
  NUM_REMOTE_WORKER_RESTARTS: 'fault_tolerance/num_remote_worker_restarts',
  NUM_ENV_RUNNERS_DROPPED_LIFETIME: 'fault_tolerance/num_env_runners_dropped_lifetime',
  NUM_ENV_RUNNER_FAILURES_LIFETIME: 'fault_tolerance/num_env_runner_failures_lifetime',
  NUM_SUB_ENV_RESTARTS_LIFETIME: 'fault_tolerance/num_sub_env_restarts_lifetime',
  NUM_ENV_STEPS_LOST_LIFETIME: 'fault_tolerance/num_env_steps_lost_lifetime',
  NUM_EPISODES_LOST_LIFETIME: 'fault_tolerance/num_episodes_lost_lifetime',
  NUM_SAMPLE_FRAGMENTS_DROPPED_LIFETIME: 'fault_tolerance/num_sample_fragments_dropped_lifetime',
  /** Data-parallel learner workers (numLearners >= 1) that crashed, hung or missed a deadline. */
  NUM_LEARNER_FAILURES_LIFETIME: 'fault_tolerance/num_learner_failures_lifetime',
  /** Learner workers started again, from the page's copy of learner 0's state. */
  NUM_LEARNER_RESTARTS_LIFETIME: 'fault_tolerance/num_learner_restarts_lifetime',
} as const;

/** A result dict: flat, RLlib keys, numbers (plus a few strings such as the backend). */
export type ResultDict = Readonly<Record<string, number | string>>;
