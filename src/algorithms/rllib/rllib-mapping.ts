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
import type { RLlibKey } from '../../core/config-catalogue';
import { rllibTable } from '../../core/config-tables';
import { SHARED_KEYS } from '../../core/shared-keys';
import { flatDim, type Space } from '../../core/spaces';

/** The AlgorithmConfig setters and keys, declared with each key in its catalogue (core/config-catalogue.ts). */
export type { RLlibKey, RLlibSetter as RLlibMethod } from '../../core/config-catalogue';

/** Written as a Python tuple (RLlib's `n_step=(2, 5)`); JSON readers see a list. */
export interface PyTuple {
  readonly $tuple: readonly unknown[];
}

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
  /** Every key of the algorithm's config, derived from its catalogue (define-algorithm.ts). */
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

/** The shared sections' keys (core/shared-keys.ts), by path: derived from their catalogue. */
export const SHARED_RLLIB_KEYS: Readonly<Record<string, RLlibKey>> = rllibTable(SHARED_KEYS);

/** RLlib settings we have no key for, for the README's reverse list and the generated file's header. */
export const RLLIB_ONLY_NOTE =
  'RLlib settings with no key here (RLlib defaults apply): evaluation_* (but MARWIL/BC map their evaluation section), ' +
  'num_cpus_per_learner, ' +
  'num_aggregator_actors_per_learner, observation/action connectors (env_to_module_connector, ' +
  'learner_connector), head_fcnet_* for PPO (its heads have no hidden layers here), conv_filters, ' +
  'use_lstm, and the distributional DQN options (num_atoms, v_min, v_max, noisy).';

/** Keys whose value is one dict (a leaf), not a section of settings. */
const TABLE_VALUED = new Set(['environment.envConfig', 'multiAgent.policyMappingFn']);

/**
 * Every leaf of a config: `section.key`, and one level deeper for dict-valued settings
 * (`training.replayBufferConfig.capacity`). Lists and schedules are leaves.
 */
export function configLeaves(config: object, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    const path = prefix ? `${prefix}.${k}` : k;
    // env_config is one argument (the env's own kwargs), the policy mapping one table: neither is settings of ours.
    if (isPlainObject(v) && !TABLE_VALUED.has(path)) out.push(...configLeaves(v, path));
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
