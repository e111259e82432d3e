/**
 * The offline section of `npm run bench`: the workflow of the README's Offline RL figures, in one
 * page. Train PPO on CartPole-v1 to 475, record 50,000 env steps of it, train BC on them to an
 * evaluation return of 450; then, on a mixed data set (25,000 steps of the expert + 25,000 of an
 * untrained policy), BC and MARWIL for the same 30 iterations.
 */
import type { Page } from '@playwright/test';

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

export function benchOffline(page: Page, seed: number): Promise<OfflineRow> {
  return page.evaluate(async (seed) => {
    const rl = window.rl;
    const RETURN = 'env_runners/episode_return_mean';
    const t0 = performance.now();
    const base = { learners: { numGpusPerLearner: 0 }, debugging: { seed } };
    await rl.build({ ...base, algo: 'PPO', preset: 'CartPole-v1' });
    const ppo = await rl.train({ stop: { [RETURN]: 475, num_env_steps_sampled_lifetime: 300_000 } });
    const expert = await rl.recordEpisodes(50_000);
    rl.loadOfflineFile('bench-expert.parquet', expert.bytes);
    rl.loadOfflineFile('bench-expert-25k.parquet', (await rl.recordEpisodes(25_000)).bytes);
    await rl.build({ ...base, algo: 'PPO', preset: 'CartPole-v1' }); // untrained: near-uniform actions
    rl.loadOfflineFile('bench-random-25k.parquet', (await rl.recordEpisodes(25_000)).bytes);

    // No named inner functions: tsx's keepNames would wrap them in a helper the page lacks.
    const mixed = ['bench-expert-25k.parquet', 'bench-random-25k.parquet'];
    const runs: [string, string[], Record<string, number>][] = [
      ['BC', ['bench-expert.parquet'], { [RETURN]: 450, training_iteration: 100 }],
      ['BC', mixed, { training_iteration: 30 }],
      ['MARWIL', mixed, { training_iteration: 30 }],
    ];
    const out: { reached: boolean; iterations: number; ret: number }[] = [];
    for (const [algo, input, stop] of runs) {
      await rl.build({ ...base, algo, preset: 'CartPole-v1', offlineData: { input } });
      const s = await rl.train({ stop });
      out.push({ reached: s.criterion === RETURN, iterations: s.iterations, ret: Number(s.lastResult?.[RETURN]) });
    }
    const [bc, bcMixed, marwilMixed] = out as [(typeof out)[number], (typeof out)[number], (typeof out)[number]];
    rl.dispose();
    return {
      seed,
      ppoEnvSteps: Number(ppo.lastResult?.['num_env_steps_sampled_lifetime'] ?? 0),
      recordedSteps: expert.numEnvSteps,
      recordedReturnMean: expert.episodeReturnMean,
      bcExpertReached: bc.reached,
      bcExpertIterations: bc.iterations,
      bcExpertReturn: bc.ret,
      bcMixedReturn: bcMixed.ret,
      marwilMixedReturn: marwilMixed.ret,
      wallSeconds: (performance.now() - t0) / 1000,
    };
  }, seed);
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
