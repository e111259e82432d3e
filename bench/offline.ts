/**
 * The offline section of `npm run bench`: the workflow of the README's Offline RL figures, in one
 * page. Train PPO on CartPole-v1 to 475, record 50,000 env steps of it, train BC on them to an
 * evaluation return of 450; then, on a mixed data set (25,000 steps of the expert + 25,000 of an
 * untrained policy), BC and MARWIL for the same 30 iterations.
 */
import path from 'node:path';
import type { AppSession } from '../src/cli/app-session';
import { EPISODE_RETURN_MEAN, NUM_ENV_STEPS_SAMPLED_LIFETIME } from '../src/core/metric-keys';

export interface OfflineRow {
  seed: number;
  ppoEnvSteps: number;
  recordedSteps: number;
  recordedReturnMean: number;
  /** BC on the 50,000 expert steps: reached 450, at which iteration, and its last evaluation. */
  bcExpertReached: boolean;
  bcExpertIterations: number;
  bcExpertReturn: number;
  /** Evaluation return after 30 iterations on the mixed data. */
  bcMixedReturn: number;
  marwilMixedReturn: number;
  wallSeconds: number;
}

/**
 * Records `numEnvSteps` of the built policy into `dir`/`name` (the page reads offlineData.input
 * files from disk through the session, as `npm run train -- --input` does); returns the file and
 * the recording's summary.
 */
export async function recordToFile(
  session: AppSession,
  numEnvSteps: number,
  dir: string,
  name: string,
): Promise<{ file: string; numEnvSteps: number; episodeReturnMean: number }> {
  const file = path.join(dir, name);
  const summary = await session.recordEpisodes(numEnvSteps, file);
  return { file, numEnvSteps: summary.numEnvSteps, episodeReturnMean: summary.episodeReturnMean };
}

/** The section's workflow for one seed; the recordings go to `dir`. */
export async function benchOffline(session: AppSession, seed: number, dir: string): Promise<OfflineRow> {
  const t0 = performance.now();
  const base = { learners: { numGpusPerLearner: 0 }, debugging: { seed }, preset: 'CartPole-v1' };
  await session.build({ ...base, algo: 'PPO' }, undefined);
  const ppo = await session.train({ stop: { [EPISODE_RETURN_MEAN]: 475, [NUM_ENV_STEPS_SAMPLED_LIFETIME]: 300_000 } });
  const expert = await recordToFile(session, 50_000, dir, `expert-seed${seed}.parquet`);
  const expert25k = await recordToFile(session, 25_000, dir, `expert-25k-seed${seed}.parquet`);
  await session.build({ ...base, algo: 'PPO' }, undefined); // untrained: near-uniform actions
  const random25k = await recordToFile(session, 25_000, dir, `random-25k-seed${seed}.parquet`);

  const mixed = [expert25k.file, random25k.file];
  const runs: [string, string[], Record<string, number>][] = [
    ['BC', [expert.file], { [EPISODE_RETURN_MEAN]: 450, training_iteration: 100 }],
    ['BC', mixed, { training_iteration: 30 }],
    ['MARWIL', mixed, { training_iteration: 30 }],
  ];
  const out: { reached: boolean; iterations: number; ret: number }[] = [];
  for (const [algo, input, stop] of runs) {
    await session.build({ ...base, algo, offlineData: { input } }, undefined);
    const s = await session.train({ stop });
    out.push({
      reached: s.criterion === EPISODE_RETURN_MEAN,
      iterations: s.iterations,
      ret: Number(s.lastResult?.[EPISODE_RETURN_MEAN]),
    });
  }
  await session.dispose();
  const [bc, bcMixed, marwilMixed] = out as [(typeof out)[number], (typeof out)[number], (typeof out)[number]];
  return {
    seed,
    ppoEnvSteps: Number(ppo.lastResult?.[NUM_ENV_STEPS_SAMPLED_LIFETIME] ?? 0),
    recordedSteps: expert.numEnvSteps,
    recordedReturnMean: expert.episodeReturnMean,
    bcExpertReached: bc.reached,
    bcExpertIterations: bc.iterations,
    bcExpertReturn: bc.ret,
    bcMixedReturn: bcMixed.ret,
    marwilMixedReturn: marwilMixed.ret,
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

/** The section's Markdown table. */
export function offlineTable(rows: readonly OfflineRow[]): string[] {
  return [
    '### Offline RL on CartPole-v1 (record a PPO agent, BC to 450; BC vs MARWIL on half-random data, 30 iterations)',
    '',
    '| seed | PPO env steps to 475 | recorded steps (mean return) | BC on expert: reached 450 at iteration (return) | mixed: BC | mixed: MARWIL | wall s |',
    '| ---- | -------------------- | ---------------------------- | ----------------------------------------------- | --------- | ------------- | ------ |',
    ...rows.map(
      (r) =>
        `| ${r.seed} | ${r.ppoEnvSteps} | ${r.recordedSteps} (${r.recordedReturnMean.toFixed(1)}) | ` +
        `${r.bcExpertReached ? r.bcExpertIterations : `no, ${r.bcExpertIterations}`} (${r.bcExpertReturn.toFixed(1)}) | ` +
        `${r.bcMixedReturn.toFixed(1)} | ${r.marwilMixedReturn.toFixed(1)} | ${r.wallSeconds.toFixed(0)} |`,
    ),
  ];
}
