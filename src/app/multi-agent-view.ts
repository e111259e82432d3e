/**
 * What the page shows of a multi-agent config (no TF.js): the mapping table as rows (agent
 * pattern -> module, trained or frozen), every agent's module, and the result keys of the
 * per-module and per-agent return curves. Null for a single-agent config.
 */
import { mapAgent, type MultiAgentConfig } from '../algorithms/multi-agent/multi-agent-config';
import type { ChartDef, SeriesDef } from '../algorithms/spec';
import { LEARNER_RESULTS } from '../core/metric-keys';
import { AGENT_EPISODE_RETURNS_MEAN, MODULE_EPISODE_RETURNS_MEAN } from '../algorithms/multi-agent/multi-agent-windows';
import { isMultiAgentEnv, makeMultiAgentVectorEnv } from '../envs/multi-agent/registry';

export interface MappingRow {
  /** The table's key (an agent id or a glob), or '(every agent)' for the default null table. */
  readonly pattern: string;
  readonly module: string;
  readonly trained: boolean;
  /** Agents of the env this row decides (exact ids win over globs, as in mapAgent). */
  readonly numAgents: number;
}

export interface MultiAgentView {
  readonly env: string;
  readonly rows: readonly MappingRow[];
  /** Agent id and its module, for every agent slot of the env (RLlib's possible_agents). */
  readonly agents: readonly { readonly id: string; readonly module: string | null }[];
  readonly modules: readonly { readonly id: string; readonly trained: boolean; readonly numAgents: number }[];
  readonly moduleReturnKey: (moduleId: string) => string;
  readonly agentReturnKey: (agentId: string) => string;
}

type WithMultiAgent = {
  readonly environment: { readonly env: string; readonly envConfig: Readonly<Record<string, unknown>> };
  readonly multiAgent?: MultiAgentConfig;
};

/** The view of `config`, or null when it is not a multi-agent run (or its env cannot be built). */
export function multiAgentView(config: WithMultiAgent): MultiAgentView | null {
  const ma = config.multiAgent;
  const env = config.environment.env;
  if (!ma || !isMultiAgentEnv(env)) return null;
  let agentIds: readonly string[];
  try {
    agentIds = makeMultiAgentVectorEnv(env, { numEnvs: 1, seed: 0, envConfig: config.environment.envConfig }).agentIds;
  } catch {
    return null; // a bad envConfig: the form shows the validation message
  }
  const trained = (id: string): boolean => ma.policiesToTrain === null || ma.policiesToTrain.includes(id);
  const agents = agentIds.map((id) => ({ id, module: mapAgent(ma.policyMappingFn, id, ma.policies) ?? null }));
  const table = ma.policyMappingFn;
  const rows: MappingRow[] =
    table === null
      ? [
          {
            pattern: '(every agent)',
            module: ma.policies[0] ?? '?',
            trained: trained(ma.policies[0] ?? ''),
            numAgents: agents.length,
          },
        ]
      : Object.entries(table).map(([pattern, module]) => ({
          pattern,
          module,
          trained: trained(module),
          numAgents: agentIds.filter((a) => decidingPattern(table, a) === pattern).length,
        }));
  const modules = ma.policies.map((id) => ({
    id,
    trained: trained(id),
    numAgents: agents.filter((a) => a.module === id).length,
  }));
  return {
    env,
    rows,
    agents,
    modules,
    moduleReturnKey: (id) => `${MODULE_EPISODE_RETURNS_MEAN}/${id}`,
    agentReturnKey: (id) => `${AGENT_EPISODE_RETURNS_MEAN}/${id}`,
  };
}

/** The table entry that maps `agent`: its own id if listed, else the first matching glob. */
function decidingPattern(table: Readonly<Record<string, string>>, agent: string): string | undefined {
  if (Object.hasOwn(table, agent)) return agent;
  return Object.keys(table).find((p) => p.includes('*') && mapAgent({ [p]: 'x' }, agent) === 'x');
}

/** Modules drawn per learner chart: more lines than this are unreadable. */
export const MAX_CHART_MODULES = 4;
const MODULE_COLORS = ['--c1', '--c2', '--c3', '--c4'];
const MODULE_DASHES: readonly (readonly number[] | undefined)[] = [undefined, [5, 3], [2, 2]];

/**
 * An algorithm's learner charts for a multi-agent run: a multi-agent learner reports its stats per
 * module (`learners/<module>/policy_loss`, RLlib's keys), not under `learners/default_policy`, so
 * each such series becomes one line per trained module (the first MAX_CHART_MODULES), coloured by
 * module and dashed by stat. Other series (throughput, timers) stay as they are.
 */
export function perModuleCharts(charts: readonly ChartDef[], moduleIds: readonly string[]): ChartDef[] {
  const prefix = `${LEARNER_RESULTS}/`;
  const modules = moduleIds.slice(0, MAX_CHART_MODULES);
  return charts.map((chart) => ({
    ...chart,
    series: chart.series.flatMap((s, k): SeriesDef[] => {
      if (!s.key.startsWith(prefix)) return [s];
      const stat = s.key.slice(prefix.length);
      const dash = MODULE_DASHES[k % MODULE_DASHES.length];
      return modules.map((id, m) => {
        const { dash: _dash, ...rest } = s;
        return {
          ...rest,
          key: `learners/${id}/${stat}`,
          label: `${id} ${s.label}`,
          color: MODULE_COLORS[m % MODULE_COLORS.length]!,
          ...(dash ? { dash } : {}),
        };
      });
    }),
  }));
}
