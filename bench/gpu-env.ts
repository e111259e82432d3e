/**
 * The `gpu-env` bench section: CartPoleGpu-v1 (CartPole's equations in a WGSL compute shader, all
 * copies per dispatch, read back every step) against CartPole-v1 on the CPU (one thread, float64),
 * at 1k, 4k and 16k copies, random actions, in the page with WebGPU. Each step of the GPU env is a
 * full round trip (upload states and actions, one dispatch, map the results), as an EnvRunner
 * needs; on SwiftShader (no GPU) the "GPU" is the CPU too.
 */
import type { AppSession } from '../src/cli/app-session';
import type { GpuEnvSpeed } from '../src/diagnostics';

export type GpuEnvRow = GpuEnvSpeed;

export async function benchGpuEnv(
  session: AppSession,
  sizes: readonly number[],
  seconds: number,
  log: (msg: string) => void,
): Promise<GpuEnvRow[]> {
  const rows: GpuEnvRow[] = [];
  for (const n of sizes) {
    const row = await session.diagnostics('gpuEnvStepsPerSecond', n, seconds);
    log(
      `  ${n} copies: GPU ${Math.round(row.gpuStepsPerSecond)} env steps/s, CPU ${Math.round(row.cpuStepsPerSecond)}`,
    );
    rows.push(row);
  }
  return rows;
}

export function gpuEnvTable(rows: readonly GpuEnvRow[]): string[] {
  const k = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${Math.round(x / 1e3)} k`);
  return [
    `### GPU-stepped env (CartPoleGpu-v1 vs CartPole-v1, random actions, env steps/s; adapter: ${rows[0]?.adapter ?? 'none'})`,
    '',
    '| copies | CartPoleGpu-v1 (WGSL, 1 dispatch + read back per step) | CartPole-v1 (CPU, 1 thread) | GPU / CPU |',
    '| -----: | -----: | -----: | -----: |',
    ...rows.map(
      (r) =>
        `| ${r.numEnvs} | ${k(r.gpuStepsPerSecond)} | ${k(r.cpuStepsPerSecond)} | ${(r.gpuStepsPerSecond / r.cpuStepsPerSecond).toFixed(2)} |`,
    ),
  ];
}
