/**
 * RLlib's `.multi_agent(policies=..., policy_mapping_fn=..., policies_to_train=...)` as plain data
 * (rllib/algorithms/algorithm_config.py `AlgorithmConfig.multi_agent`).
 *
 * `policyMappingFn` is a table, so it survives JSON, the URL and the CLI: agent-id pattern ->
 * module id. A pattern is an agent id, or a glob where `*` matches any run of characters
 * (`"*": "shared"` maps every agent to one module, the cheap parameter-sharing case). Exact ids
 * win over globs; globs are tried in the order written. Code-registered envs can pass a function
 * instead through the build options (`MultiAgentBuildOptions.policyMappingFn`).
 *
 * The default table is null: every agent to the one module (RLlib's default maps every agent to
 * 'default_policy'). Null rather than `{ "*": "default_policy" }` because configs merge section
 * by section: a user's table merged into a default table would keep the default's `*` entry.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import { custom, defaultsOf, type ValuesOf } from '../../core/config-catalogue';
import { ConfigError, type ConfigIssue } from '../../core/errors';
import { isCount, type IssueList } from '../../core/issue-list';
import { RESERVED_KEYS, deepEqual } from '../../core/json';
import { isMultiAgentEnv, listMultiAgentEnvs } from '../../envs/multi-agent/registry';

export type PolicyMappingTable = Readonly<Record<string, string>>;
/** RLlib: policy_mapping_fn(agent_id, episode, **kwargs) -> module id; here per agent id. */
export type PolicyMappingFn = (agentId: string) => string;

/**
 * RLlib's `.multi_agent()` keys (RLlib's defaults: one module 'default_policy' for every agent).
 * Their checks need each other and the env, so they are rules (multiAgentRules), not ranges. The
 * RLlib export writes them for a multi-agent run (the table as a `policy_mapping_fn` function,
 * rllib/rllib-multi-agent.ts); a single-agent run leaves `.multi_agent()` at RLlib's defaults.
 */
export const MULTI_AGENT_KEYS = {
  policies: custom<readonly string[]>(['default_policy'], {
    doc: 'Module ids, e.g. p0,p1 (the spaces come from the env).',
    rllib: 'policies',
    aliases: ['policies'],
  }),
  policyMappingFn: custom<PolicyMappingTable | null>(null, {
    doc: 'Agent-id pattern -> module id, e.g. 0=p0,1=p1 or *=shared; null: every agent to the one module.',
    rllib: {
      method: 'multi_agent',
      name: 'policy_mapping_fn',
      // Written as a Python function of the agent id that applies the same table.
      convert: () => ({ $name: 'policy_mapping_fn' }),
      note: 'the table is written as policy_mapping_fn(agent_id, episode, **kwargs) above.',
    },
    // A shorter flag for the table: `--policy-mapping 0=p0,1=p1`.
    aliases: ['policy_mapping_fn', 'policy_mapping'],
  }),
  policiesToTrain: custom<readonly string[] | null>(null, {
    doc: 'Modules the Learner updates; null: all of them.',
    rllib: 'policies_to_train',
    aliases: ['policies_to_train'],
  }),
};

/** Whether a (validated or partial) config is a multi-agent run: its env is a multi-agent env. */
export function isMultiAgentConfig(cfg: { readonly environment: { readonly env: string } }): boolean {
  return isMultiAgentEnv(cfg.environment.env);
}

/** An algorithm config that may carry RLlib's `.multi_agent()` section (every algorithm but BC and MARWIL). */
export interface WithMultiAgent {
  readonly multiAgent?: MultiAgentConfig;
}

export type MultiAgentConfig = ValuesOf<typeof MULTI_AGENT_KEYS>;

/** RLlib's default: one module 'default_policy' for every agent. */
export const MULTI_AGENT_DEFAULTS: MultiAgentConfig = defaultsOf(MULTI_AGENT_KEYS);

/**
 * The multi-agent section's rules for an algorithm that has it: a multi-agent env gets the
 * section's checks and what multi-agent runs do not support yet; a single-agent env must leave
 * the section at its defaults.
 */
/** Most algorithms' multi-agent runs: one Learner per module on the page, so no learner workers. */
const ONE_LEARNER_PER_MODULE = {
  numLearners: 'a multi-agent run trains one Learner per module on the page; set numLearners to 0',
};

export function multiAgentRules(
  cfg: AlgorithmConfigBase & WithMultiAgent,
  out: IssueList,
  /** Why learner workers are refused; null: the algorithm takes them (PPO's module groups). */
  refuse: { readonly numLearners: string | null } = ONE_LEARNER_PER_MODULE,
  agentIds?: readonly string[],
): void {
  const multiAgent = cfg.multiAgent ?? MULTI_AGENT_DEFAULTS;
  const env = cfg.environment.env;
  if (!isMultiAgentEnv(env)) {
    if (!deepEqual(multiAgent, MULTI_AGENT_DEFAULTS)) {
      out.error(
        'multiAgent',
        `multiAgent (policies, policyMappingFn, policiesToTrain) needs a multi-agent env, and ` +
          `'${env}' is single-agent; use one of ${listMultiAgentEnvs().join(', ')}, or drop the multiAgent settings.`,
      );
    }
    return;
  }
  if (cfg.envRunners.remoteWorkerEnvs) {
    out.error(
      'envRunners.remoteWorkerEnvs',
      'multi-agent sampling steps its env copies inside the EnvRunner; set remoteWorkerEnvs to false.',
    );
  }
  if (refuse.numLearners !== null && isCount(cfg.learners.numLearners, 1)) {
    out.error('learners.numLearners', `${refuse.numLearners} (got ${cfg.learners.numLearners}).`);
  }
  out.issues.push(...validateMultiAgent(multiAgent, agentIds));
}

const MODULE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Every problem of the section at once; `agentIds` (when known) checks that each agent maps. */
export function validateMultiAgent(ma: unknown, agentIds?: readonly string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const err = (path: string, message: string): void => {
    issues.push({ path: `multiAgent.${path}`, message, severity: 'error' });
  };
  if (typeof ma !== 'object' || ma === null) {
    err('', 'multiAgent must be an object { policies, policyMappingFn, policiesToTrain }.');
    return issues;
  }
  const { policies, policyMappingFn, policiesToTrain } = ma as Partial<Record<keyof MultiAgentConfig, unknown>>;
  const ids = Array.isArray(policies) ? (policies as unknown[]) : [];
  if (!Array.isArray(policies) || ids.length === 0) {
    err(
      'policies',
      `policies must be a non-empty list of module ids, e.g. ["p0", "p1"], got ${JSON.stringify(policies)}.`,
    );
  }
  for (const id of ids) {
    if (typeof id !== 'string' || !MODULE_ID.test(id)) {
      err('policies', `module id ${JSON.stringify(id)} must be 1-64 letters, digits, '_', '.' or '-'.`);
    } else if (RESERVED_KEYS.has(id)) {
      err('policies', `module id '${id}' is reserved (a JavaScript object member, not data); pick another name.`);
    }
  }
  if (new Set(ids).size !== ids.length) err('policies', 'policies lists a module id twice; list each once.');
  if (policyMappingFn === null || policyMappingFn === undefined) {
    if (ids.length > 1) {
      err(
        'policyMappingFn',
        `with ${ids.length} policies (${ids.join(', ')}) say which agent goes to which: policyMappingFn { "<agent id or glob>": "<module id>" }, e.g. --policy-mapping 0=${String(ids[0])},1=${String(ids[1])}.`,
      );
    }
  } else if (typeof policyMappingFn !== 'object' || Array.isArray(policyMappingFn)) {
    err(
      'policyMappingFn',
      'policyMappingFn must be a table { "<agent id or glob>": "<module id>" }, e.g. { "*": "shared" }.',
    );
  } else {
    for (const [pattern, mod] of Object.entries(policyMappingFn)) {
      if (typeof mod !== 'string' || !ids.includes(mod)) {
        err(
          'policyMappingFn',
          `pattern "${pattern}" maps to ${JSON.stringify(mod)}, which is not in policies (${ids.join(', ')}); add it to policies or fix the mapping.`,
        );
      }
    }
    if (agentIds) {
      for (const agent of agentIds) {
        if (mapAgent(policyMappingFn as PolicyMappingTable, agent, ids as string[]) === undefined) {
          err('policyMappingFn', `agent "${agent}" matches no pattern; add "${agent}" or "*" to policyMappingFn.`);
        }
      }
    }
  }
  if (policiesToTrain !== null && policiesToTrain !== undefined) {
    if (!Array.isArray(policiesToTrain)) {
      err('policiesToTrain', 'policiesToTrain must be a list of module ids, or null to train all.');
    } else if (policiesToTrain.length === 0) {
      err(
        'policiesToTrain',
        'policiesToTrain is empty, so nothing would train; name at least one module, or null for all.',
      );
    } else {
      for (const id of policiesToTrain as unknown[]) {
        if (!ids.includes(id)) err('policiesToTrain', `${JSON.stringify(id)} is not in policies (${ids.join(', ')}).`);
      }
    }
  }
  return issues;
}

/**
 * The module of one agent under a mapping table (undefined when no pattern matches); a null
 * table maps every agent to the only module of `policies`.
 */
export function mapAgent(
  table: PolicyMappingTable | null,
  agentId: string,
  policies: readonly string[] = [],
): string | undefined {
  if (table === null) return policies.length === 1 ? policies[0] : undefined;
  const exact = table[agentId];
  if (exact !== undefined && Object.hasOwn(table, agentId)) return exact;
  for (const [pattern, mod] of Object.entries(table)) {
    if (pattern.includes('*') && globToRegExp(pattern).test(agentId)) return mod;
  }
  return undefined;
}

/**
 * Index into `policies` of each agent slot's module: the mapping resolved once per slot (slot ->
 * agent id is fixed in a multi-agent vector env). Throws a ConfigError naming every bad agent.
 */
export function resolveModuleOfSlot(ma: MultiAgentConfig, agentIds: readonly string[], fn?: PolicyMappingFn): number[] {
  const issues: ConfigIssue[] = [];
  const out = agentIds.map((agent) => {
    const mod = fn ? fn(agent) : mapAgent(ma.policyMappingFn, agent, ma.policies);
    const index = mod === undefined ? -1 : ma.policies.indexOf(mod);
    if (index < 0) {
      issues.push({
        path: 'multiAgent.policyMappingFn',
        message: `agent "${agent}" maps to ${JSON.stringify(mod)}, which is not in policies (${ma.policies.join(', ')}).`,
        severity: 'error',
      });
    }
    return index;
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return out;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/** One line for the CLI header and the page: modules, which train, and the mapping table. */
export function describeMultiAgent(ma: MultiAgentConfig): string {
  const trained = ma.policiesToTrain === null ? 'all trained' : `trained: ${ma.policiesToTrain.join(', ') || 'none'}`;
  const mapping =
    ma.policyMappingFn === null
      ? `every agent -> ${ma.policies[0] ?? '?'}`
      : Object.entries(ma.policyMappingFn)
          .map(([pattern, mod]) => `${pattern} -> ${mod}`)
          .join(', ');
  return `modules ${ma.policies.join(', ')} (${trained}); mapping ${mapping}`;
}
