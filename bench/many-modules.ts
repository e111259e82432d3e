/**
 * Issue 30's many modules (`npm run bench -- --only many-modules,many-policies`):
 *  - many-modules: iteration time of MultiAgentCartPole with N agents, each its own module
 *    (N = 10, 100, 1,000), stacked vs per module (both on the page's learner, so only the batching
 *    differs), and stacked on 2 learner workers (the 1,000-policies preset's layout); then a
 *    checkpoint of all modules saved (exported as JSON) and restored, with its time and size.
 *  - many-policies: the 1,000-policies preset (MultiAgentCartPole:1000-policies) trained for
 *    --learn-minutes (30 by default, 3 with --quick): the median module return against wall time.
 * Every case uses the preset's settings (2 runner workers of N/2 agents each, [16, 16], 4 epochs of
 * 128 of 256 steps per module), so the rows differ in N and the batching only.
 */
import type { ResultDict } from '../src/app';
import type { AppSession } from '../src/cli/app-session';
import { MANY_POLICIES_PRESET } from '../src/algorithms/multi-agent/many-policies-preset';
import {
  MODULE_EPISODE_RETURNS_MEDIAN,
  NUM_AGENT_STEPS_SAMPLED_LIFETIME,
} from '../src/algorithms/multi-agent/multi-agent-windows';
import { NUM_ENV_STEPS_SAMPLED_LIFETIME, TIME_THIS_ITER_S, TIME_TOTAL_S } from '../src/core/metric-keys';

export interface ManyModulesRow {
  numModules: number;
  layout: 'per-module' | 'stacked' | 'stacked, 2 learner workers';
  /** Mean time_this_iter_s over the timed iterations (after one warm-up iteration). */
  iterationS: number;
  /** Agent steps sampled and trained per second of iteration. */
  agentStepsPerSecond: number;
  learnerUpdateS: number;
  samplingS: number;
}

export interface CheckpointRow {
  numModules: number;
  saveS: number;
  restoreS: number;
  /** Bytes of the checkpoint JSON (what `npm run train` writes to checkpoint/). */
  bytes: number;
  /** Why it could not be saved or restored, if it could not. */
  error: string | null;
}

export interface ManyPoliciesPoint {
  timeS: number;
  iteration: number;
  medianReturn: number;
  agentSteps: number;
  envSteps: number;
}

export interface ManyPoliciesRun {
  minutes: number;
  points: ManyPoliciesPoint[];
  /** Wall seconds (time_total_s) when the median first reached 150; null if it did not. */
  reached150S: number | null;
}

/** The preset's config for N agents, each its own module (`numLearners`, `stackModules` as given). */
export function manyModulesConfig(numModules: number, stack: boolean, numLearners: number): object {
  const policies = Array.from({ length: numModules }, (_, i) => `p${i}`);
  const base = MANY_POLICIES_PRESET.config;
  return {
    algo: 'PPO',
    ...base,
    environment: { env: 'MultiAgentCartPole', envConfig: { numAgents: numModules } },
    learners: { ...base.learners, numLearners },
    multiAgent: {
      ...base.multiAgent,
      policies,
      policyMappingFn: Object.fromEntries(policies.map((id, i) => [String(i), id])),
      stackModules: stack,
    },
    debugging: { seed: 1 },
  };
}

const num = (r: ResultDict | null, key: string): number => Number(r?.[key] ?? Number.NaN);

async function timeIterations(
  session: AppSession,
  iterations: number,
): Promise<Omit<ManyModulesRow, 'numModules' | 'layout'>> {
  await session.train({ stop: { training_iteration: 1 } });
  const rows: ResultDict[] = [];
  const summary = await session.train({ stop: { training_iteration: 1 + iterations } }, (r) => rows.push(r));
  if (summary.error) throw new Error(summary.error);
  const mean = (key: string): number => rows.reduce((s, r) => s + num(r, key), 0) / rows.length;
  const agentSteps =
    num(rows.at(-1) ?? null, NUM_AGENT_STEPS_SAMPLED_LIFETIME) - num(rows[0] ?? null, NUM_AGENT_STEPS_SAMPLED_LIFETIME);
  const timed = rows.slice(1).reduce((s, r) => s + num(r, TIME_THIS_ITER_S), 0);
  return {
    iterationS: mean(TIME_THIS_ITER_S),
    agentStepsPerSecond: rows.length > 1 ? agentSteps / timed : Number.NaN,
    learnerUpdateS: mean('timers/learner_update_timer'),
    samplingS: mean('timers/env_runner_sampling_timer'),
  };
}

export async function benchManyModules(
  session: AppSession,
  fresh: () => Promise<void>,
  quick: boolean,
  log: (m: string) => void,
): Promise<{ rows: ManyModulesRow[]; checkpoints: CheckpointRow[] }> {
  const rows: ManyModulesRow[] = [];
  const layouts: [ManyModulesRow['layout'], boolean, number][] = [
    ['per-module', false, 0],
    ['stacked', true, 0],
    ['stacked, 2 learner workers', true, 2],
  ];
  for (const numModules of [10, 100, 1000]) {
    for (const [layout, stack, numLearners] of layouts) {
      // One per-module iteration of 1,000 modules is minutes; --quick leaves it out.
      if (quick && !stack && numModules === 1000) continue;
      await fresh();
      await session.build(manyModulesConfig(numModules, stack, numLearners), 'wasm');
      const row = { numModules, layout, ...(await timeIterations(session, quick ? 2 : 3)) };
      log(
        `  ${numModules} modules, ${layout}: ${row.iterationS.toFixed(2)} s/iteration, ${Math.round(row.agentStepsPerSecond)} agent steps/s`,
      );
      rows.push(row);
      await session.dispose();
    }
  }
  const checkpoints: CheckpointRow[] = [];
  for (const numModules of [60, 1000]) {
    await fresh();
    await session.build(manyModulesConfig(numModules, true, 2), 'wasm');
    await session.train({ stop: { training_iteration: 1 } });
    const row: CheckpointRow = { numModules, saveS: Number.NaN, restoreS: Number.NaN, bytes: 0, error: null };
    try {
      let t0 = performance.now();
      const json = await session.exportCheckpointJson();
      row.saveS = (performance.now() - t0) / 1000;
      row.bytes = Buffer.byteLength(json);
      await session.dispose();
      t0 = performance.now();
      await session.restoreFromJson(json, 'wasm');
      row.restoreS = (performance.now() - t0) / 1000;
    } catch (e) {
      row.error = (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 2).join(' ');
    }
    log(
      `  checkpoint of ${numModules} modules: ${row.error ?? `save ${row.saveS.toFixed(2)} s, restore ${row.restoreS.toFixed(2)} s, ${(row.bytes / 2 ** 20).toFixed(1)} MiB`}`,
    );
    checkpoints.push(row);
    await session.dispose().catch(() => undefined);
  }
  return { rows, checkpoints };
}

/** The 1,000-policies preset for `minutes` of training time: the median module return over time. */
export async function benchManyPolicies(
  session: AppSession,
  minutes: number,
  log: (m: string) => void,
): Promise<ManyPoliciesRun> {
  await session.build({ algo: 'PPO', preset: 'MultiAgentCartPole:1000-policies', debugging: { seed: 1 } }, 'wasm');
  const points: ManyPoliciesPoint[] = [];
  let reached150S: number | null = null;
  const summary = await session.train(
    { stop: { [MODULE_EPISODE_RETURNS_MEDIAN]: 150, [TIME_TOTAL_S]: minutes * 60 } },
    (r) => {
      const p = {
        timeS: num(r, TIME_TOTAL_S),
        iteration: num(r, 'training_iteration'),
        medianReturn: num(r, MODULE_EPISODE_RETURNS_MEDIAN),
        agentSteps: num(r, NUM_AGENT_STEPS_SAMPLED_LIFETIME),
        envSteps: num(r, NUM_ENV_STEPS_SAMPLED_LIFETIME),
      };
      if (reached150S === null && p.medianReturn >= 150) reached150S = p.timeS;
      if (p.iteration % 10 === 1)
        log(`  ${p.timeS.toFixed(0)} s, iteration ${p.iteration}: median module return ${p.medianReturn.toFixed(1)}`);
      points.push(p);
    },
  );
  if (summary.error) log(`  stopped with an error: ${summary.error}`);
  await session.dispose();
  return { minutes, points, reached150S };
}

export function manyModulesTables(
  r: { rows: ManyModulesRow[]; checkpoints: CheckpointRow[] } | undefined,
  learning: ManyPoliciesRun | undefined,
): string[] {
  const out: string[] = [];
  if (r?.rows.length) {
    out.push(
      '### Many modules (MultiAgentCartPole, N agents each its own module, 2 runners of N/2 agents, [16, 16], wasm)',
      '',
      '| modules | layout | s / iteration | agent steps/s | learner update s | sampling s |',
      '|---:|---|---:|---:|---:|---:|',
      ...r.rows.map(
        (x) =>
          `| ${x.numModules} | ${x.layout} | ${x.iterationS.toFixed(2)} | ${Math.round(x.agentStepsPerSecond)} | ${x.learnerUpdateS.toFixed(2)} | ${x.samplingS.toFixed(2)} |`,
      ),
      '',
    );
  }
  if (r?.checkpoints.length) {
    out.push(
      '| checkpoint of | save s | restore s | JSON size |',
      '|---:|---:|---:|---|',
      ...r.checkpoints.map((c) =>
        c.error
          ? `| ${c.numModules} modules | - | - | not saved: ${c.error} |`
          : `| ${c.numModules} modules | ${c.saveS.toFixed(2)} | ${c.restoreS.toFixed(2)} | ${(c.bytes / 2 ** 20).toFixed(1)} MiB |`,
      ),
      '',
    );
  }
  if (learning) {
    const last = learning.points.at(-1);
    const every = Math.max(1, Math.ceil(learning.points.length / 12));
    out.push(
      `### 1,000 policies (MultiAgentCartPole:1000-policies, ${learning.minutes} min budget)`,
      '',
      learning.reached150S === null
        ? `Median module return did not reach 150 (last: ${last?.medianReturn.toFixed(1) ?? 'n/a'} at ${last?.timeS.toFixed(0) ?? 0} s).`
        : `Median module return reached 150 at ${learning.reached150S.toFixed(0)} s.`,
      '',
      '| time s | iteration | median module return | agent steps | env steps |',
      '|---:|---:|---:|---:|---:|',
      ...learning.points
        .filter((_, i) => i % every === 0 || i === learning.points.length - 1)
        .map(
          (p) =>
            `| ${p.timeS.toFixed(0)} | ${p.iteration} | ${p.medianReturn.toFixed(1)} | ${p.agentSteps} | ${p.envSteps} |`,
        ),
      '',
    );
  }
  return out;
}
