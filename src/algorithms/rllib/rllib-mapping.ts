/**
 * How a run maps onto RLlib's new API stack: each config key to the `AlgorithmConfig` method and
 * argument that means the same (or an explicit "no RLlib equivalent" with the reason), and each
 * weight to the name it has in RLlib's default torch RLModule. Every algorithm's spec carries its
 * own table (`spec.rllib`); the shared sections' table is here. A test walks every leaf of every
 * registered algorithm's config and fails on one that is in neither table.
 *
 * RLlib sources read: rllib/algorithms/algorithm_config.py (the setters), ppo/ppo.py, dqn/dqn.py,
 * sac/sac.py, impala/impala.py, appo/appo.py, marwil/marwil.py, bc/bc.py (with
 * bc/torch/default_bc_torch_rl_module.py and bc/bc_catalog.py), rllib/core/rl_module/default_model_config.py, rllib/core/models/torch/primitives.py
 * (TorchMLP: `net.mlp` = Linear, activation, Linear, ...), rllib/core/models/base.py
 * (ActorCriticEncoder: `actor_encoder` / `critic_encoder`, or `encoder` when shared).
 */
import { isPlainObject } from '../../core/config';
import type { AlgorithmConfigBase } from '../../core/config';
import { flatDim, type Space } from '../../core/spaces';

/** The AlgorithmConfig setters a key can go to; `model_config` is `.rl_module(model_config=DefaultModelConfig(...))`. */
export type RLlibMethod =
  | 'environment'
  | 'env_runners'
  | 'learners'
  | 'model_config'
  | 'training'
  | 'offline_data'
  | 'evaluation'
  | 'fault_tolerance'
  | 'debugging'
  | 'reporting';

/** Written as a Python tuple (RLlib's `n_step=(2, 5)`); JSON readers see a list. */
export interface PyTuple {
  readonly $tuple: readonly unknown[];
}

export type RLlibKey =
  | {
      readonly method: RLlibMethod;
      /** RLlib's argument name; a dotted name is a key inside a dict argument (`replay_buffer_config.capacity`). */
      readonly name: string;
      /** Our value -> RLlib's, where they differ in form ('auto' GPUs, a range as a tuple). */
      readonly convert?: (value: unknown) => unknown;
      /** A line for the generated file when the conversion loses something. */
      readonly note?: string;
    }
  | {
      /** Why RLlib has no such setting (shown in the generated file and the README). */
      readonly none: string;
    };

/** One algorithm's mapping onto RLlib: its config class, its keys' table, its weights' names. */
export interface RLlibMapping {
  /** RLlib's config class (`PPOConfig`) and the module it is imported from. */
  readonly configClass: string;
  readonly importFrom: string;
  /**
   * Set when RLlib's new API stack has no such algorithm (A2C): the export refuses with this
   * text; the table still documents the names and the weights still import.
   */
  readonly exportRefused?: string;
  /** The algorithm's keys (its `training` section, and shared keys it reads differently): they win over the shared table. */
  readonly keys: Readonly<Record<string, RLlibKey>>;
  /** model_config entries that follow from our module rather than a key (PPO on a Box: free_log_std). */
  modelConfigExtras(config: AlgorithmConfigBase, actionSpace: Space): Record<string, unknown>;
  /**
   * Our weight name (`pi/fc_0/kernel`) -> its name in RLlib's default torch RLModule's state_dict
   * (`encoder.actor_encoder.net.mlp.0.weight`), or null for a variable RLlib keeps outside the
   * module (SAC's log_alpha, a Learner variable there): those go into the file's metadata.
   */
  weightName(name: string, config: AlgorithmConfigBase): string | null;
  /**
   * Weights RLlib's module does not have and that carry nothing worth keeping (BC's value branch,
   * never trained): left out of the exported file, and kept as they are on import.
   */
  omitsWeight?(name: string, config: AlgorithmConfigBase): boolean;
  /**
   * The layout the Python loader builds (kind, activations, dueling, action bounds): JSON it
   * reads from the file's metadata, so one loader serves every algorithm.
   */
  moduleLayout(config: AlgorithmConfigBase, observationSpace: Space, actionSpace: Space): Record<string, unknown>;
}

const none = (why: string): RLlibKey => ({ none: why });

/** Our divergence stop, which every algorithm has and RLlib does not. */
export const NO_NON_FINITE_STOP: RLlibKey = none(
  'RLlib keeps training on NaN weights; it has no stop after non-finite updates.',
);

/** The shared sections' keys (core/config.ts), by path. */
export const SHARED_RLLIB_KEYS: Readonly<Record<string, RLlibKey>> = {
  'environment.env': { method: 'environment', name: 'env' },
  'environment.envConfig': { method: 'environment', name: 'env_config' },
  'environment.maxEpisodeSteps': none(
    "environment() has no time-limit key; when set, the exported file registers the env with gymnasium's max_episode_steps.",
  ),
  'envRunners.numEnvRunners': { method: 'env_runners', name: 'num_env_runners' },
  'envRunners.numEnvsPerEnvRunner': { method: 'env_runners', name: 'num_envs_per_env_runner' },
  'envRunners.rolloutFragmentLength': { method: 'env_runners', name: 'rollout_fragment_length' },
  'envRunners.batchMode': { method: 'env_runners', name: 'batch_mode' },
  'envRunners.numCpusPerEnvRunner': { method: 'env_runners', name: 'num_cpus_per_env_runner' },
  'envRunners.numGpusPerEnvRunner': { method: 'env_runners', name: 'num_gpus_per_env_runner' },
  'envRunners.sampleTimeoutS': { method: 'env_runners', name: 'sample_timeout_s' },
  'envRunners.explore': { method: 'env_runners', name: 'explore' },
  'envRunners.remoteWorkerEnvs': { method: 'env_runners', name: 'remote_worker_envs' },
  'envRunners.remoteEnvBatchWaitMs': { method: 'env_runners', name: 'remote_env_batch_wait_ms' },
  'learners.numLearners': { method: 'learners', name: 'num_learners' },
  'learners.numGpusPerLearner': {
    method: 'learners',
    name: 'num_gpus_per_learner',
    convert: (v) => (v === 'auto' ? 0 : v),
    note: "'auto' (WebGPU when the tab has one) has no RLlib form: written as 0; set 1 on a GPU node.",
  },
  'learners.wasmThreads': none(
    "TF.js's wasm (XNNPACK) thread count on the page; torch picks its own intra-op threads (torch.set_num_threads is no AlgorithmConfig key)",
  ),
  'rlModule.fcnetHiddens': { method: 'model_config', name: 'fcnet_hiddens' },
  'rlModule.fcnetActivation': { method: 'model_config', name: 'fcnet_activation' },
  'rlModule.vfShareLayers': { method: 'model_config', name: 'vf_share_layers' },
  'faultTolerance.restartFailedEnvRunners': { method: 'fault_tolerance', name: 'restart_failed_env_runners' },
  'faultTolerance.ignoreEnvRunnerFailures': { method: 'fault_tolerance', name: 'ignore_env_runner_failures' },
  'faultTolerance.maxNumEnvRunnerRestarts': { method: 'fault_tolerance', name: 'max_num_env_runner_restarts' },
  'faultTolerance.delayBetweenEnvRunnerRestartsS': {
    method: 'fault_tolerance',
    name: 'delay_between_env_runner_restarts_s',
  },
  'faultTolerance.restartFailedSubEnvironments': { method: 'fault_tolerance', name: 'restart_failed_sub_environments' },
  'faultTolerance.envRunnerHealthProbeTimeoutS': {
    method: 'fault_tolerance',
    name: 'env_runner_health_probe_timeout_s',
  },
  'faultTolerance.envRunnerRestoreTimeoutS': { method: 'fault_tolerance', name: 'env_runner_restore_timeout_s' },
  'faultTolerance.numConsecutiveEnvRunnerFailuresTolerance': {
    method: 'fault_tolerance',
    name: 'num_consecutive_env_runner_failures_tolerance',
  },
  'debugging.seed': { method: 'debugging', name: 'seed' },
  'debugging.validateLearnerWeightsInSync': {
    none: 'a check of our data-parallel learners (weight checksums after every update); torch DDP keeps replicas in sync by construction',
  },
  'reporting.metricsNumEpisodesForSmoothing': { method: 'reporting', name: 'metrics_num_episodes_for_smoothing' },
};

/** RLlib settings we have no key for, for the README's reverse list and the generated file's header. */
export const RLLIB_ONLY_NOTE =
  'RLlib settings with no key here (RLlib defaults apply): evaluation_* (but MARWIL/BC map their evaluation section), ' +
  'num_cpus_per_learner, ' +
  'num_aggregator_actors_per_learner, observation/action connectors (env_to_module_connector, ' +
  'learner_connector), head_fcnet_* for PPO (its heads have no hidden layers here), conv_filters, ' +
  'use_lstm, and the distributional DQN options (num_atoms, v_min, v_max, noisy).';

/**
 * Every leaf of a config: `section.key`, and one level deeper for dict-valued settings
 * (`training.replayBufferConfig.capacity`). Lists and schedules are leaves.
 */
export function configLeaves(config: object, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${k}` : k;
    // env_config is one argument (the env's own kwargs), not settings of ours.
    if (isPlainObject(v) && path !== 'environment.envConfig') out.push(...configLeaves(v, path));
    else out.push(path);
  }
  return out;
}

/** The key a path maps to: the algorithm's table first, then the shared one; undefined: unmapped (a bug the test catches). */
export function rllibKeyFor(mapping: RLlibMapping, path: string): RLlibKey | undefined {
  return Object.hasOwn(mapping.keys, path) ? mapping.keys[path] : SHARED_RLLIB_KEYS[path];
}

/** The value at a dotted path of plain data. */
export function valueAt(config: unknown, path: string): unknown {
  let v: unknown = config;
  for (const part of path.split('.')) v = isPlainObject(v) ? v[part] : undefined;
  return v;
}

/** `${base}.net.mlp.${2 i}.weight|bias`: RLlib's TorchMLP interleaves Linear layers with activations. */
export function mlpParam(base: string, layer: number, param: string): string {
  return `${base}.net.mlp.${2 * layer}.${param === 'kernel' ? 'weight' : 'bias'}`;
}

/** `prefix/fc_3/kernel` -> { prefix, layer: 3, param }; `prefix/out/bias` -> layer 'out'. */
export function parseWeightName(name: string): { prefix: string; layer: number | 'out'; param: string } | null {
  const m = /^(.+)\/(?:fc_(\d+)|(out))\/(kernel|bias)$/.exec(name);
  if (!m) return null;
  return { prefix: m[1]!, layer: m[3] ? 'out' : Number(m[2]), param: m[4]! };
}

/** The action space as the Python loader needs it: Discrete(n), or a Box's size and bounds. */
export function actionLayout(space: Space): Record<string, unknown> {
  return space.kind === 'discrete'
    ? { kind: 'discrete', n: space.n }
    : { kind: 'box', dim: flatDim(space), low: space.low, high: space.high };
}
