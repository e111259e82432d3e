/**
 * A multi-agent run on RLlib's new API stack: `.multi_agent(policies=..., policy_mapping_fn=...,
 * policies_to_train=...)` in the generated config (the mapping table written as a Python function
 * that applies it the same way: exact agent ids first, then `*` globs in order), the env
 * registered under our id (RLlib's own MultiAgentCartPole / MultiAgentPendulum for ours), and the
 * weights under RLlib's MultiRLModule state-dict names: `<module id>.<the module's name>`
 * (rllib/core/rl_module/multi_rl_module.py keeps one state per module id). No TF.js: the CLI runs
 * it in Node.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import type { Space } from '../../core/spaces';
import { makeMultiAgentVectorEnv } from '../../envs/multi-agent/registry';
import type { ModuleSpaces } from '../../rl-module/module-factory';
import { unpackModuleWeights } from '../../rl-module/multi-module-weights';
import { encodeSafetensors, type NamedTensor } from '../../rl-module/safetensors';
import type { ModuleWeights } from '../../rl-module/weights';
import { MULTI_AGENT_DEFAULTS, resolveModuleOfSlot, type WithMultiAgent } from '../multi-agent/multi-agent-config';
import type { RLlibMapping } from './rllib-mapping';
import { RLLIB_WEIGHTS_FORMAT, toRLlibTensors } from './rllib-weights';

/** Our multi-agent envs that RLlib ships (rllib/examples/envs/classes/multi_agent.py, `make_multi_agent`). */
const RLLIB_MULTI_AGENT_ENVS: Readonly<Record<string, string>> = {
  MultiAgentCartPole: 'MultiAgentCartPole',
  MultiAgentPendulum: 'MultiAgentPendulum',
};

/** The layout field of an exported multi-agent file's metadata: one layout per module. */
export const MULTI_AGENT_LAYOUT_KIND = 'multi-agent';

/** Each module's observation and action space: its first agent's, as the run built it (multi-agent-setup.ts). */
export function moduleSpacesOf(config: AlgorithmConfigBase & WithMultiAgent): Map<string, ModuleSpaces> {
  const ma = config.multiAgent ?? MULTI_AGENT_DEFAULTS;
  const env = makeMultiAgentVectorEnv(config.environment.env, {
    numEnvs: 1,
    seed: 0,
    envConfig: config.environment.envConfig,
  });
  const moduleOfSlot = resolveModuleOfSlot(ma, env.agentIds);
  return new Map(
    ma.policies.map((id, m) => {
      const slot = Math.max(0, moduleOfSlot.indexOf(m));
      return [id, { observationSpace: env.observationSpaces[slot]!, actionSpace: env.actionSpaces[slot]! }];
    }),
  );
}

/**
 * Python for the generated file, before `config = (`: the env registered under our id, and
 * `policy_mapping_fn`, which `.multi_agent()` is passed by name.
 */
export function multiAgentPrelude(
  config: AlgorithmConfigBase & WithMultiAgent,
  py: { readonly str: (s: string) => string; readonly literal: (v: unknown) => string },
): string[] {
  const ma = config.multiAgent ?? MULTI_AGENT_DEFAULTS;
  const env = config.environment.env;
  const table = ma.policyMappingFn ?? { '*': ma.policies[0]! };
  const exact = Object.fromEntries(Object.entries(table).filter(([pattern]) => !pattern.includes('*')));
  const globs = Object.entries(table).filter(([pattern]) => pattern.includes('*'));
  const rllibClass = RLLIB_MULTI_AGENT_ENVS[env];
  const register = rllibClass
    ? [
        `from ray.rllib.examples.envs.classes.multi_agent import ${rllibClass}`,
        'from ray.tune.registry import register_env',
        '',
        `# Our ${env} is RLlib's ${rllibClass} (make_multi_agent); its env_config key is num_agents.`,
        `register_env(${py.str(env)}, lambda cfg: ${rllibClass}({"num_agents": cfg.get("numAgents", cfg.get("num_agents", 2))}))`,
      ]
    : [
        `# ${env} is not one of RLlib's envs: register your MultiAgentEnv under this id before building,`,
        `# e.g. register_env(${py.str(env)}, lambda cfg: YourMultiAgentEnv(cfg)).`,
      ];
  const limit =
    config.environment.maxEpisodeSteps === null
      ? []
      : [
          `# Our maxEpisodeSteps (${config.environment.maxEpisodeSteps}) is not passed: RLlib's multi-agent envs keep their own limit.`,
        ];
  return [
    'import re',
    ...register,
    ...limit,
    '',
    '# multiAgent.policyMappingFn: agent id -> module id; exact ids first, then the `*` globs in order.',
    `POLICY_MAPPING = ${py.literal(exact)}`,
    `POLICY_MAPPING_GLOBS = ${py.literal(globs.map(([pattern, module]) => ({ $tuple: [pattern, module] })))}`,
    '',
    '',
    'def policy_mapping_fn(agent_id, episode=None, **kwargs):',
    '    agent = str(agent_id)',
    '    if agent in POLICY_MAPPING:',
    '        return POLICY_MAPPING[agent]',
    '    for pattern, module_id in POLICY_MAPPING_GLOBS:',
    '        if re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), agent):',
    '            return module_id',
    '    raise ValueError(f"agent {agent!r} matches no pattern of POLICY_MAPPING")',
    '',
    '',
  ];
}

/** What the Python loader builds: one layout per module, and the mapping. */
export function multiAgentLayout(
  config: AlgorithmConfigBase & WithMultiAgent,
  mapping: Pick<RLlibMapping, 'moduleLayout'>,
  spaces: ReadonlyMap<string, { observationSpace: Space; actionSpace: Space }>,
): Record<string, unknown> {
  const ma = config.multiAgent ?? MULTI_AGENT_DEFAULTS;
  const modules: Record<string, unknown> = {};
  for (const [id, s] of spaces) modules[id] = mapping.moduleLayout(config, s.observationSpace, s.actionSpace);
  return { kind: MULTI_AGENT_LAYOUT_KIND, modules, policy_mapping: ma.policyMappingFn ?? { '*': ma.policies[0] } };
}

/**
 * Every module's weights (ours packed under `<module id>/`) as one safetensors file under RLlib's
 * MultiRLModule names, `<module id>.<name in the module>`; what RLlib keeps outside a module
 * (SAC's log_alpha) goes into the metadata under `extra/<module id>/<name>`.
 */
export function encodeMultiAgentRLlibWeights(
  packed: ModuleWeights,
  mapping: RLlibMapping,
  info: { readonly algo: string; readonly config: AlgorithmConfigBase; readonly layout: Record<string, unknown> },
): Uint8Array {
  const tensors: NamedTensor[] = [];
  const metadata: Record<string, string> = {};
  for (const [id, weights] of unpackModuleWeights(packed)) {
    const own = toRLlibTensors(weights, mapping, info.config);
    for (const t of own.tensors) tensors.push({ ...t, name: `${id}.${t.name}` });
    for (const [key, value] of Object.entries(own.extras)) metadata[key.replace(/^extra\//, `extra/${id}/`)] = value;
  }
  return encodeSafetensors(tensors, {
    format: RLLIB_WEIGHTS_FORMAT,
    algo: info.algo,
    layout: JSON.stringify(info.layout),
    config: JSON.stringify(info.config),
    ...metadata,
  });
}
