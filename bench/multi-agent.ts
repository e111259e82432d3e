/**
 * `npm run bench -- --only multi-agent`: sampling throughput of the multi-agent EnvRunner in the
 * page, from 2 agents / 2 modules (the MultiAgentCartPole must-show) to 1,000 agents / 100 modules.
 */
import type { Page } from '@playwright/test';
import type { MultiAgentSamplingRow } from '../src/diagnostics/multi-agent-sampling';

export type { MultiAgentSamplingRow };

/** [numAgents, numModules, numEnvs] cases. */
const CASES: readonly (readonly [number, number, number])[] = [
  [2, 2, 16],
  [100, 10, 1],
  [1000, 100, 1],
];

export async function benchMultiAgent(page: Page, seconds: number): Promise<MultiAgentSamplingRow[]> {
  const rows: MultiAgentSamplingRow[] = [];
  for (const [agents, modules, envs] of CASES) {
    rows.push(
      await page.evaluate(([a, m, e, s]) => window.rl.diagnostics.measureMultiAgentSampling(a, m, e, s), [
        agents,
        modules,
        envs,
        seconds,
      ] as const),
    );
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
