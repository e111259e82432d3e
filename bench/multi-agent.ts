/**
 * `npm run bench -- --only multi-agent`: sampling throughput of the multi-agent EnvRunner in the
 * page, from 2 agents / 2 modules (the MultiAgentCartPole must-show) to 1,000 agents / 100 modules.
 */
import type { AppSession } from '../src/cli/app-session';
import type { MultiAgentSamplingRow } from '../src/diagnostics';

export type { MultiAgentSamplingRow };

/** [numAgents, numModules, numEnvs] cases. */
const CASES: readonly (readonly [number, number, number])[] = [
  [2, 2, 16],
  [100, 10, 1],
  [1000, 100, 1],
];

export async function benchMultiAgent(session: AppSession, seconds: number): Promise<MultiAgentSamplingRow[]> {
  const rows: MultiAgentSamplingRow[] = [];
  for (const [agents, modules, envs] of CASES) {
    rows.push(await session.diagnostics('measureMultiAgentSampling', agents, modules, envs, seconds));
  }
  return rows;
}

export function multiAgentTable(rows: readonly MultiAgentSamplingRow[]): string[] {
  const fmt = (n: number): string =>
    n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1);
  return [
    '### Multi-agent sampling (MultiAgentCartPole, one forward per module per step, 64x64 MLPs)',
    '',
    '| agents | modules | env copies | backend | agent steps/s | env steps/s |',
    '|---:|---:|---:|---|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.numAgents} | ${r.numModules} | ${r.numEnvs} | ${r.backend} | ${fmt(r.agentStepsPerSecond)} | ${fmt(r.envStepsPerSecond)} |`,
    ),
  ];
}
