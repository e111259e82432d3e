/**
 * Section `floor`: the learner against the machine's floor, measured in the same tab. First the
 * best matrix-product throughput the learner's backend (wasm) reaches on the learners' shapes
 * (TF.js's matMul and the fused path's gemm), then each algorithm's learner step as achieved
 * GFLOP/s and as a fraction of that peak, on the fused path and on the TF.js path
 * (src/diagnostics/learner-floor.ts).
 */
import type { AppSession } from '../src/cli/app-session';
import type { LearnerStepCase, LearnerStepRow, MatmulRow } from '../src/diagnostics';

/** The learners' matrix shapes [rows, in, out]: first layers, [64, 64] hidden layers at 128-2000 rows, a [256, 256] net. */
export const FLOOR_SHAPES: readonly (readonly [number, number, number])[] = [
  [128, 4, 64],
  [64, 64, 64],
  [128, 64, 64],
  [512, 64, 64],
  [2000, 64, 64],
  [128, 256, 256],
  [512, 256, 256],
];

/** Every learner step the issue names: PPO's 512- and 128-row minibatches, DQN, SAC, IMPALA. */
export const FLOOR_CASES: readonly LearnerStepCase[] = [
  { algo: 'PPO', preset: 'CartPole-v1', rows: 512 },
  { algo: 'PPO', preset: 'CartPole-v1', rows: 128 },
  { algo: 'DQN', preset: 'CartPole-v1' },
  { algo: 'DQN', preset: 'CartPole-v1:rllib' },
  { algo: 'DQN', preset: 'Acrobot-v1' },
  { algo: 'SAC', preset: 'Pendulum-v1' },
  { algo: 'SAC', preset: 'Pendulum-v1:rllib' },
  { algo: 'IMPALA', preset: 'CartPole-v1' },
];

export interface FloorResults {
  readonly matmul: MatmulRow[];
  /** The best GFLOP/s of any shape and implementation. */
  readonly peakGflops: number;
  readonly steps: (LearnerStepRow & { readonly fractionOfPeak: number })[];
}

export async function benchFloor(
  session: AppSession,
  quick: boolean,
  log: (msg: string) => void,
): Promise<FloorResults> {
  const seconds = quick ? 0.1 : 0.4;
  const matmul = await session.diagnostics('matmulPeak', 'wasm', FLOOR_SHAPES, seconds);
  const peakGflops = Math.max(...matmul.map((r) => r.gflops));
  log(`  matmul peak on wasm: ${peakGflops.toFixed(1)} GFLOP/s`);
  const cases = quick ? FLOOR_CASES.filter((c) => c.algo !== 'SAC' || !c.preset.includes(':')) : FLOOR_CASES;
  const rows = await session.diagnostics('learnerSteps', cases, quick ? 0.3 : 1.5);
  const steps = rows.map((r) => ({ ...r, fractionOfPeak: r.gflops / peakGflops }));
  for (const s of steps) {
    log(
      `  ${s.algo} ${s.label} (${s.path}): ${s.msPerStep.toFixed(2)} ms/step, ${s.gflops.toFixed(1)} GFLOP/s, ${(100 * s.fractionOfPeak).toFixed(0)}% of peak`,
    );
  }
  return { matmul, peakGflops, steps };
}

/** The section's tables: the peak per shape, then every step against it. */
export function floorTables(f: FloorResults): string[] {
  const best = new Map<string, { tfjs?: number; fused?: number }>();
  for (const r of f.matmul) {
    const key = `${r.m} x ${r.k} x ${r.n}`;
    best.set(key, { ...best.get(key), [r.impl]: r.gflops });
  }
  return [
    `Matrix products on wasm, GFLOP/s (peak ${f.peakGflops.toFixed(1)}):`,
    '',
    '| rows x in x out | TF.js matMul | fused gemm |',
    '|---|---:|---:|',
    ...[...best].map(([k, v]) => `| ${k} | ${v.tfjs?.toFixed(1) ?? '-'} | ${v.fused?.toFixed(1) ?? '-'} |`),
    '',
    '| algorithm | step | path | ms / step | MFLOP / step | GFLOP/s | of peak |',
    '|---|---|---|---:|---:|---:|---:|',
    ...f.steps.map(
      (s) =>
        `| ${s.algo} | ${s.label} | ${s.path} | ${s.msPerStep.toFixed(2)} | ${s.mflopPerStep.toFixed(1)} | ${s.gflops.toFixed(1)} | ${(100 * s.fractionOfPeak).toFixed(0)}% |`,
    ),
  ];
}
