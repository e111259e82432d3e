/**
 * Writes the Python file that builds a run's config for RLlib's new API stack:
 *
 *   config = (
 *       PPOConfig()
 *       .environment(env="CartPole-v1", env_config={})
 *       .env_runners(num_env_runners=2, ...)
 *       .rl_module(model_config=DefaultModelConfig(fcnet_hiddens=[64, 64], ...))
 *       .training(lr=0.0003, ...)
 *       ...
 *   )
 *
 * with every key of ours either passed to its setter or listed at the end as having no RLlib
 * equivalent, and the same key map as JSON (key_map.json) for tests and readers.
 */
import { deepEqual, isPlainObject, type AlgorithmConfigBase } from '../../core/config';
import { RLError } from '../../core/errors';
import type { Space } from '../../core/spaces';
import { isMultiAgentEnv } from '../../envs/multi-agent/registry';
import type { AlgorithmSpec } from '../spec';
import { multiAgentPrelude } from './rllib-multi-agent';
import {
  RLLIB_ONLY_NOTE,
  configLeaves,
  rllibKeyFor,
  valueAt,
  type RLlibMapping,
  type RLlibMethod,
} from './rllib-mapping';

/** One key of the run: its value and where it went (or why nowhere). */
export interface KeyMapEntry {
  readonly path: string;
  readonly value: unknown;
  readonly rllib:
    { readonly method: RLlibMethod; readonly name: string; readonly value: unknown } | { readonly none: string };
}

/** Setters in the order RLlib's docs chain them. */
const METHOD_ORDER: readonly RLlibMethod[] = [
  'environment',
  'env_runners',
  'learners',
  'model_config',
  'training',
  'multi_agent',
  'offline_data',
  'evaluation',
  'fault_tolerance',
  'debugging',
  'reporting',
  'resources',
];

/** What `.multi_agent()`'s keys say in a single-agent run: nothing RLlib needs. */
const SINGLE_AGENT_RUN =
  "a single-agent run: RLlib's default .multi_agent() (one module, default_policy) is what it means";

/** Every leaf of `config` mapped through the spec's table; throws for a key nobody mapped (a bug). */
export function rllibKeyMap(config: AlgorithmConfigBase, mapping: RLlibMapping): KeyMapEntry[] {
  const multiAgent = isMultiAgentEnv(config.environment.env);
  return configLeaves(config)
    .filter((p) => p !== 'algo')
    .map((path) => {
      const key = rllibKeyFor(mapping, path);
      if (key === undefined)
        throw new RLError(
          'export/unmapped-key',
          `${path} has no RLlib mapping; add it to the algorithm's rllib table (or mark it { none: why }).`,
        );
      const value = valueAt(config, path);
      if ('none' in key) return { path, value, rllib: { none: key.none } };
      if (key.method === 'multi_agent' && !multiAgent) return { path, value, rllib: { none: SINGLE_AGENT_RUN } };
      return {
        path,
        value,
        rllib: { method: key.method, name: key.name, value: key.convert ? key.convert(value) : value },
      };
    });
}

const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');
const PY_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/**
 * The one escaping function for text in generated Python: what goes between double quotes of a
 * string literal (or a docstring) so that Python reads back exactly `s`. The result is printable
 * ASCII with no line break, so no quote, backslash, `\N{...}`, `\U`, newline or `"""` in a
 * folder name can end the string or start code; it is also safe in a comment. Lone surrogates
 * (possible in a JS string) become `\udXXX`, which Python keeps as they are.
 */
export function pyEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (PY_ESCAPES[ch] !== undefined) out += PY_ESCAPES[ch];
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp < 0x100) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x10000) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out;
}

/** A Python string literal of `s` (pyEscape between double quotes). */
export function pyString(s: string): string {
  return `"${pyEscape(s)}"`;
}

/** JSON-like data as a Python literal (True/False/None, tuples for { $tuple }); strings through pyString. */
export function pyLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`cannot write ${v} as a config value`);
    return String(v); // JS's shortest round-trip form (3e-4, 1e-8) is a valid Python float
  }
  if (typeof v === 'string') return pyString(v);
  // A name the file defines (policy_mapping_fn), written bare; only identifiers pass.
  if (isPlainObject(v) && typeof v['$name'] === 'string') {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(v['$name'])) throw new RangeError(`'${v['$name']}' is not a Python name`);
    return v['$name'];
  }
  if (Array.isArray(v)) return `[${v.map(pyLiteral).join(', ')}]`;
  if (isPlainObject(v)) {
    if (Array.isArray(v['$tuple'])) {
      const items = v['$tuple'].map(pyLiteral);
      return `(${items.join(', ')}${items.length === 1 ? ',' : ''})`;
    }
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyString(k)}: ${pyLiteral(x)}`)
      .join(', ')}}`;
  }
  throw new RangeError(`cannot write ${typeof v} as a Python literal`);
}

/** kwargs of one setter; dotted names become keys of a dict argument. */
function kwargsOf(entries: readonly KeyMapEntry[], method: RLlibMethod): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of entries) {
    if ('none' in e.rllib || e.rllib.method !== method) continue;
    const [arg, sub] = e.rllib.name.split('.', 2) as [string, string | undefined];
    if (sub === undefined) out[arg] = e.rllib.value;
    else out[arg] = { ...(isPlainObject(out[arg]) ? out[arg] : {}), [sub]: e.rllib.value };
  }
  return out;
}

function call(name: string, kwargs: Record<string, unknown>, indent: string): string {
  const args = Object.entries(kwargs).map(([k, v]) => `${indent}    ${k}=${pyLiteral(v)},`);
  return `${indent}.${name}(\n${args.join('\n')}\n${indent})`;
}

export interface ConfigFileOptions {
  /** Shown in the docstring: where the run came from. */
  readonly source: string;
  readonly actionSpace: Space;
}

/** The Python source and the key map for a run's config. */
export function rllibConfigPython(
  config: AlgorithmConfigBase,
  spec: Pick<AlgorithmSpec, 'name' | 'rllib'>,
  opts: ConfigFileOptions,
): { source: string; keyMap: KeyMapEntry[] } {
  const mapping = spec.rllib;
  if (!mapping)
    throw new RLError(
      'export/no-rllib-mapping',
      `${spec.name} has no RLlib mapping yet; only runs of algorithms with one can be exported.`,
    );
  if (mapping.exportRefused !== undefined) throw new RLError('export/unsupported', mapping.exportRefused);
  const keyMap = rllibKeyMap(config, mapping);
  const env = config.environment;
  const multiAgent = isMultiAgentEnv(env.env);
  // A time limit renames a single-agent env (registered below with gymnasium's); a multi-agent env keeps its id.
  const envId = env.maxEpisodeSteps === null || multiAgent ? env.env : `${env.env}-max${env.maxEpisodeSteps}`;
  const environment = { ...kwargsOf(keyMap, 'environment'), env: envId };
  const model = { ...kwargsOf(keyMap, 'model_config'), ...mapping.modelConfigExtras(config, opts.actionSpace) };
  const I = '    ';
  const calls = METHOD_ORDER.flatMap((m) => {
    if (m === 'environment') return [call('environment', environment, I)];
    if (m === 'model_config')
      return [
        `${I}.rl_module(model_config=DefaultModelConfig(\n${Object.entries(model)
          .map(([k, v]) => `${I}    ${k}=${pyLiteral(v)},`)
          .join('\n')}\n${I}))`,
      ];
    // A setter none of this algorithm's keys go to (offline_data for PPO) is left out.
    const kwargs = kwargsOf(keyMap, m);
    return Object.keys(kwargs).length > 0 ? [call(m, kwargs, I)] : [];
  });
  const notes = keyMap.flatMap((e) => {
    if ('none' in e.rllib) return [`#   ${pyEscape(e.path)} = ${pyLiteral(e.value)}: ${e.rllib.none}`];
    // A conversion note only where the value written differs from ours (numGpusPerLearner 'auto').
    const key = rllibKeyFor(mapping, e.path);
    const changed = !deepEqual(e.rllib.value, e.value);
    return key && 'note' in key && key.note && changed
      ? [`#   ${pyEscape(e.path)} = ${pyLiteral(e.value)}: ${key.note}`]
      : [];
  });
  const register = multiAgent
    ? multiAgentPrelude(config, { str: pyString, literal: pyLiteral })
    : env.maxEpisodeSteps === null
      ? []
      : [
          '# Our maxEpisodeSteps: the env registered with that time limit (environment() has no key for it).',
          'import gymnasium as gym',
          'from ray.tune.registry import register_env',
          '',
          `register_env(${pyString(envId)}, lambda env_config: gym.make(${pyString(env.env)}, max_episode_steps=${pyLiteral(env.maxEpisodeSteps)}, **env_config))`,
          '',
        ];
  const source = [
    `"""${mapping.configClass} for RLlib's new API stack, equivalent to the browser-rl run ${pyEscape(opts.source)}.`,
    '',
    'Generated by `npm run export -- --rllib`. Same env, hyperparameters, runners, envs per runner,',
    'fault tolerance and model sizes; the trained weights are in weights.safetensors, under the names',
    `of RLlib's default torch RLModule (policy.py loads them into torch without Ray).`,
    '',
    `Train it on a Ray cluster: python ${'rllib_config.py'} [iterations]`,
    '"""',
    `from ${mapping.importFrom} import ${mapping.configClass}`,
    'from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig',
    '',
    ...register,
    'config = (',
    `${I}${mapping.configClass}()`,
    ...calls,
    ')',
    '',
    '# Keys of this run with no RLlib equivalent, or written in another form:',
    ...(notes.length > 0 ? notes : ['#   (none)']),
    '#',
    ...wrapComment(RLLIB_ONLY_NOTE),
    '',
    'if __name__ == "__main__":',
    `${I}import sys`,
    '',
    `${I}algo = config.build_algo()`,
    `${I}for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 10):`,
    `${I}${I}result = algo.train()`,
    `${I}${I}print(result["training_iteration"], result["env_runners"]["episode_return_mean"])`,
    '',
  ].join('\n');
  return { source, keyMap };
}

function wrapComment(text: string, width = 96): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > width) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  return [...lines, line];
}
