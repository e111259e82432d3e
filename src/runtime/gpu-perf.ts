/**
 * The `perf/` result keys of one iteration: how long the learner's WebGPU device (the page's) and
 * each EnvRunner's were busy, and that as a share of the iteration's wall time, so RLlib's rule 4
 * ("tune the number of runners and envs per runner to maximise GPU utilisation") has a number.
 * Runners measure their own device during sample() (EnvRunnerMetrics.gpuBusyMs); the page's device
 * is read here at the end of each iteration. With numEnvRunners 0 the page's figure includes the
 * sampling; in a sweep, trials sharing the page's device each see the device's busy time over
 * their own iteration (utilisation of the device, not of one trial).
 */
import { BusyCursor } from '../backend/gpu-busy-meter';
import { sharedGpu } from '../backend/webgpu-device';
import { PerfKeys } from '../core/metric-keys';
import type { EnvRunnerMetrics } from '../env-runner/env-runner-config';

export class GpuPerf {
  private pageCursor: BusyCursor | null = null;
  private pageBusyMs: number | null = null;
  private readonly runnerBusyMs = new Map<number, number>();
  private runnerTiming: string | null = null;

  /** Starts counting the page's device from now (the algorithm's build), when the learner runs on it. */
  constructor(learnerOnGpu: boolean) {
    const gpu = learnerOnGpu ? sharedGpu() : null;
    this.pageCursor = gpu ? new BusyCursor(gpu.meter, true) : null;
  }

  /** Adds the runners' busy time reported with this iteration's samples. */
  addRunners(all: readonly EnvRunnerMetrics[]): void {
    for (const m of all) {
      if (m.gpuBusyMs === undefined) continue;
      this.runnerBusyMs.set(m.workerIndex, (this.runnerBusyMs.get(m.workerIndex) ?? 0) + m.gpuBusyMs);
      this.runnerTiming = m.gpuTiming ?? this.runnerTiming;
    }
  }

  /** Reads the page's device (when the learner runs on WebGPU) once this iteration's work is done. */
  async readPage(learnerOnGpu: boolean): Promise<void> {
    const gpu = learnerOnGpu ? sharedGpu() : null;
    if (!gpu) {
      this.pageBusyMs = null;
      return;
    }
    // A new device (after a loss) counts from its start.
    if (this.pageCursor?.meter !== gpu.meter) this.pageCursor = new BusyCursor(gpu.meter);
    this.pageBusyMs = await this.pageCursor.sinceLast();
  }

  /** This iteration's perf/ keys; starts the next iteration's count. */
  result(iterS: number): Record<string, number | string> {
    const out: Record<string, number | string> = {};
    const share = (ms: number): number => (iterS > 0 ? Math.min(100, (ms / (iterS * 1000)) * 100) : 0);
    if (this.pageBusyMs !== null) {
      out[PerfKeys.LEARNER_GPU_BUSY_MS] = this.pageBusyMs;
      out[PerfKeys.LEARNER_GPU_UTIL_PERCENT] = share(this.pageBusyMs);
    }
    for (const [i, ms] of [...this.runnerBusyMs].sort((a, b) => a[0] - b[0])) {
      out[PerfKeys.runnerGpuBusyMs(i)] = ms;
      out[PerfKeys.runnerGpuUtilPercent(i)] = share(ms);
    }
    const timing = (this.pageBusyMs !== null ? sharedGpu()?.meter.timing : null) ?? this.runnerTiming;
    if (Object.keys(out).length > 0 && timing) out[PerfKeys.GPU_TIMING] = timing;
    this.runnerBusyMs.clear();
    this.pageBusyMs = null;
    return out;
  }
}
