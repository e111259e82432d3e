/**
 * The configuration form as data: the shared sections' fields (sampling, model, fault tolerance),
 * each with its config path, RLlib name, input kind and a one-line explanation (CleanRL's Args
 * docstrings, RLlib's config docs), and the stop criteria. An algorithm's own fields come from its
 * spec (`spec.formSections`); defaults shown in the help lines are the chosen spec's.
 */
import type { AnySpec, FieldDef, SectionDef } from '../app/config-form';

export type { FieldDef, SectionDef } from '../app/config-form';

const f = (def: FieldDef): FieldDef => def;

export const DEVICE_OPTIONS = [
  { value: 'auto', label: 'auto — WebGPU on a hardware GPU, else CPU' },
  { value: '1', label: 'WebGPU' },
  { value: '0', label: 'CPU (wasm)' },
] as const;

/** Sections every algorithm has; the algorithm's own sections go after the first (sampling). */
export const SHARED_SECTIONS: readonly SectionDef[] = [
  {
    id: 'env-runners',
    title: 'Sampling',
    fields: [
      f({
        path: 'envRunners.numEnvRunners',
        label: 'EnvRunners',
        rllib: 'num_env_runners',
        kind: 'int',
        help: 'Web Workers that sample in parallel; 0 samples on the page.',
      }),
      f({
        path: 'envRunners.numEnvsPerEnvRunner',
        label: 'Envs per runner',
        rllib: 'num_envs_per_env_runner',
        kind: 'int',
        help: 'Sub-envs each runner steps together with one batched forward pass.',
      }),
      f({
        path: 'envRunners.rolloutFragmentLength',
        label: 'Rollout fragment length',
        rllib: 'rollout_fragment_length',
        kind: 'text',
        help: "Steps per sub-env per sample call; 'auto' fills the train batch.",
      }),
      f({
        path: 'envRunners.batchMode',
        label: 'Batch mode',
        rllib: 'batch_mode',
        kind: 'select',
        advanced: true,
        help: 'Cut episodes at fragment ends, or sample whole episodes only.',
        options: [
          { value: 'truncate_episodes', label: 'truncate_episodes' },
          { value: 'complete_episodes', label: 'complete_episodes' },
        ],
      }),
      f({
        path: 'envRunners.explore',
        label: 'Explore',
        rllib: 'explore',
        kind: 'checkbox',
        advanced: true,
        help: 'Sample actions from the policy (off: always the greedy action).',
      }),
      f({
        path: 'envRunners.remoteWorkerEnvs',
        label: 'Remote sub-envs',
        rllib: 'remote_worker_envs',
        kind: 'checkbox',
        advanced: true,
        help: 'Step each sub-env in its own worker: pays when an env step is expensive (a simulator).',
      }),
      f({
        path: 'envRunners.remoteEnvBatchWaitMs',
        label: 'Remote env batch wait (ms)',
        rllib: 'remote_env_batch_wait_ms',
        kind: 'number',
        advanced: true,
        help: 'With remote sub-envs: wait this long for more step results before inference; 0 = whatever is ready.',
      }),
      f({
        path: 'envRunners.sampleTimeoutS',
        label: 'Sample timeout (s)',
        rllib: 'sample_timeout_s',
        kind: 'number',
        nullable: true,
        advanced: true,
        help: 'A sample call slower than this counts as a failed runner; empty: no timeout.',
      }),
      f({
        path: 'environment.maxEpisodeSteps',
        label: 'Max episode steps',
        rllib: 'max_episode_steps',
        kind: 'int',
        nullable: true,
        advanced: true,
        help: "Time limit (truncation); empty keeps the env's own limit.",
      }),
    ],
  },
  {
    id: 'model',
    title: 'Model',
    fields: [
      f({
        path: 'rlModule.fcnetHiddens',
        label: 'Hidden layers',
        rllib: 'fcnet_hiddens',
        kind: 'text',
        help: 'Units per hidden layer, e.g. 64,64; small nets train fastest here.',
      }),
      f({
        path: 'rlModule.fcnetActivation',
        label: 'Activation',
        rllib: 'fcnet_activation',
        kind: 'select',
        help: 'Nonlinearity of the hidden layers.',
        options: [
          { value: 'tanh', label: 'tanh' },
          { value: 'relu', label: 'relu' },
        ],
      }),
      f({
        path: 'rlModule.vfShareLayers',
        label: 'Share layers',
        rllib: 'vf_share_layers',
        kind: 'checkbox',
        help: 'One torso for policy and value (off: two separate nets).',
      }),
    ],
  },
  {
    id: 'fault-tolerance',
    title: 'Fault tolerance',
    fields: [
      f({
        path: 'faultTolerance.restartFailedEnvRunners',
        label: 'Restart failed runners',
        rllib: 'restart_failed_env_runners',
        kind: 'checkbox',
        help: 'Replace a crashed or hung worker with a fresh one.',
      }),
      f({
        path: 'faultTolerance.ignoreEnvRunnerFailures',
        label: 'Ignore runner failures',
        rllib: 'ignore_env_runner_failures',
        kind: 'checkbox',
        help: 'Keep training without a failed worker (never replace it).',
      }),
      f({
        path: 'faultTolerance.restartFailedSubEnvironments',
        label: 'Restart failed sub-envs',
        rllib: 'restart_failed_sub_environments',
        kind: 'checkbox',
        help: 'Rebuild only a crashed sub-env, keeping the others’ data.',
      }),
      f({
        path: 'faultTolerance.maxNumEnvRunnerRestarts',
        label: 'Max restarts',
        rllib: 'max_num_env_runner_restarts',
        kind: 'int',
        help: 'Cap on worker restarts over the whole run.',
      }),
      f({
        path: 'faultTolerance.delayBetweenEnvRunnerRestartsS',
        label: 'Restart delay (s)',
        rllib: 'delay_between_env_runner_restarts_s',
        kind: 'number',
        help: 'Wait before restarting a failed worker.',
      }),
      f({
        path: 'faultTolerance.envRunnerHealthProbeTimeoutS',
        label: 'Health probe timeout (s)',
        rllib: 'env_runner_health_probe_timeout_s',
        kind: 'number',
        nullable: true,
        advanced: true,
        help: 'A worker that does not answer a ping this fast counts as hung; empty: no probes.',
      }),
      f({
        path: 'faultTolerance.envRunnerRestoreTimeoutS',
        label: 'Restore timeout (s)',
        rllib: 'env_runner_restore_timeout_s',
        kind: 'number',
        nullable: true,
        advanced: true,
        help: 'A restarted worker that is not ready (env config and weights) this fast fails again; empty: no timeout.',
      }),
    ],
  },
];

/** Stop criteria: Ray Tune's dict, met when ANY is reached; empty fields are not used. */
/** Multi-agent runs: stop once every module's return mean reached the value (shown for those only). */
export const MODULE_STOP_FIELD = 'stop.env_runners/min_module_episode_returns_mean';

export const STOP_FIELDS: readonly FieldDef[] = [
  f({
    path: 'stop.env_runners/episode_return_mean',
    label: 'Return mean ≥',
    rllib: 'stop_reward',
    kind: 'number',
    nullable: true,
    help: 'Stop when the mean return over the last 100 episodes reaches this.',
  }),
  f({
    path: MODULE_STOP_FIELD,
    label: 'Every module’s return ≥',
    rllib: 'stop_module_reward',
    kind: 'number',
    nullable: true,
    help: 'Multi-agent: stop when each module’s mean return (its agents summed per episode) reaches this.',
  }),
  f({
    path: 'stop.num_env_steps_sampled_lifetime',
    label: 'Env steps ≥',
    rllib: 'stop_timesteps',
    kind: 'int',
    nullable: true,
    help: 'Stop after this many env steps in total (the budget).',
  }),
  f({
    path: 'stop.training_iteration',
    label: 'Iterations ≥',
    rllib: 'stop_iters',
    kind: 'int',
    nullable: true,
    help: 'Stop after this many training iterations.',
  }),
  f({
    path: 'stop.time_total_s',
    label: 'Seconds ≥',
    rllib: 'stop_time_s',
    kind: 'number',
    nullable: true,
    help: 'Stop after this much training time.',
  }),
];

/** Fields the panel lays out itself (env, algorithm, device, seed). */
export const BASE_FIELDS: readonly FieldDef[] = [
  f({ path: 'environment.env', label: 'Environment', rllib: 'env', kind: 'select', help: '' }),
  f({ path: 'algo', label: 'Algorithm', rllib: 'algo', kind: 'select', help: '' }),
  f({
    path: 'learners.numGpusPerLearner',
    label: 'Learner device',
    rllib: 'num_gpus_per_learner',
    kind: 'select',
    help: '',
  }),
  f({ path: 'debugging.seed', label: 'Seed', rllib: 'seed', kind: 'int', nullable: true, help: '' }),
];

/** The form's sections for an algorithm: sampling, the algorithm's own, then model and fault tolerance. */
export function sectionsFor(spec: AnySpec): readonly SectionDef[] {
  const [sampling, ...rest] = SHARED_SECTIONS;
  return [...(sampling ? [sampling] : []), ...spec.formSections, ...rest];
}

/** Every config field the form shows for an algorithm (stop criteria not included). */
export function configFieldsFor(spec: AnySpec): readonly FieldDef[] {
  return [...BASE_FIELDS, ...sectionsFor(spec).flatMap((s) => s.fields)];
}

/** The value at a dotted path of a config object. */
export function valueAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** A config value as the text a field shows: lists `64,64`, schedules `0:0.001,200000:0.0003`, null empty. */
export function formatFieldValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map((x) => (Array.isArray(x) ? x.join(':') : String(x))).join(',');
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

/** "default 0.99" for the help line, from the algorithm's own defaults (RLlib's XConfig). */
export function defaultText(path: string, defaults: object): string {
  if (path.startsWith('stop.')) return '';
  const v = valueAt(defaults, path);
  const text = formatFieldValue(v);
  return text === '' ? 'default: none' : `default ${text}`;
}
