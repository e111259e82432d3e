/**
 * The GPU busy meter (src/backend/gpu-busy-meter.ts) on a fake device: timestamp queries added to
 * every compute pass and summed from the GPU's own clock; submit-to-done timing where the adapter
 * has no timestamps; each reader's cursor sees the busy time since its own last read.
 */
import { describe, expect, it } from 'vitest';
import { BusyCursor, GpuBusyMeter, MAX_TIMED_PASSES_PER_ENCODER } from '../../src/backend/gpu-busy-meter';
import type { EnvRunnerMetrics } from '../../src/env-runner/env-runner-config';
import { GpuPerf } from '../../src/runtime/gpu-perf';
import { fakeGpu } from './helpers/fake-gpu';

/** One command buffer with `passes` compute passes, as TF.js or a GPU env would submit it. */
function submitPasses(device: GPUDevice, passes: number, timestampWrites?: GPUComputePassTimestampWrites): void {
  const encoder = device.createCommandEncoder();
  for (let i = 0; i < passes; i++) {
    const pass = encoder.beginComputePass(timestampWrites ? { timestampWrites } : undefined);
    pass.dispatchWorkgroups(1);
    pass.end();
  }
  device.queue.submit([encoder.finish()]);
}

describe('GpuBusyMeter', () => {
  it("with timestamp-query: sums every pass's GPU time (begin/end stamps it adds), read once the work is done", async () => {
    const gpu = fakeGpu({ timestampQuery: true, passNs: 250_000n });
    const meter = new GpuBusyMeter(gpu.device);
    expect(meter.timing).toBe('timestamp-query');
    submitPasses(gpu.device, 3);
    submitPasses(gpu.device, 1);
    expect(await meter.totalMs()).toBeCloseTo(4 * 0.25, 9);
    expect(gpu.counts.timedPasses).toBe(4);
    // Nothing new: the total stays.
    expect(await meter.totalMs()).toBeCloseTo(1, 9);
  });

  it("leaves a pass that TF.js's own tf.time() stamps alone, and times at most a capped number of passes per encoder", async () => {
    const gpu = fakeGpu({ timestampQuery: true, passNs: 1_000_000n });
    const meter = new GpuBusyMeter(gpu.device);
    const own = gpu.device.createQuerySet({ type: 'timestamp', count: 2 });
    submitPasses(gpu.device, 1, { querySet: own, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 });
    expect(meter.untimedPasses).toBe(1);
    submitPasses(gpu.device, MAX_TIMED_PASSES_PER_ENCODER + 2);
    expect(meter.untimedPasses).toBe(3);
    expect(await meter.totalMs()).toBeCloseTo(MAX_TIMED_PASSES_PER_ENCODER, 6);
  });

  it("without timestamp-query: submit-to-done time, each submission counted from the previous one's end", async () => {
    const gpu = fakeGpu();
    let clock = 0;
    const meter = new GpuBusyMeter(gpu.device, { now: () => clock });
    expect(meter.timing).toBe('submit-to-done');
    // Submitted at t=0 and t=1; the queue reports both done at t=10: 10 ms busy, not 19.
    submitPasses(gpu.device, 1);
    clock = 1;
    submitPasses(gpu.device, 1);
    clock = 10;
    expect(await meter.totalMs()).toBe(10);
    clock = 20;
    submitPasses(gpu.device, 1);
    clock = 23;
    expect(await meter.totalMs()).toBe(13);
  });

  it('each cursor reads the busy time since its own last read (trials sharing the page device)', async () => {
    const gpu = fakeGpu({ timestampQuery: true, passNs: 1_000_000n });
    const meter = new GpuBusyMeter(gpu.device);
    const a = new BusyCursor(meter);
    const b = new BusyCursor(meter);
    submitPasses(gpu.device, 2);
    expect(await a.sinceLast()).toBeCloseTo(2, 9);
    submitPasses(gpu.device, 1);
    expect(await a.sinceLast()).toBeCloseTo(1, 9);
    expect(await b.sinceLast()).toBeCloseTo(3, 9);
    expect(await b.sinceLast()).toBe(0);
    // A cursor started now (a run built on a device in use) leaves out what came before.
    submitPasses(gpu.device, 1);
    await meter.totalMs();
    const c = new BusyCursor(meter, true);
    submitPasses(gpu.device, 2);
    expect(await c.sinceLast()).toBeCloseTo(2, 9);
  });
});

describe('GpuPerf: the perf/ result keys of an iteration', () => {
  it("reports each runner's device busy time and its share of the iteration; runners without a device report none", async () => {
    const perf = new GpuPerf(true);
    const m = (workerIndex: number, gpuBusyMs?: number): EnvRunnerMetrics => ({
      workerIndex,
      numEnvSteps: 10,
      numEpisodes: 0,
      episodeReturns: [],
      episodeLengths: [],
      envStepMs: 0,
      inferenceMs: 0,
      sampleMs: 0,
      numSubEnvRestarts: 0,
      numEnvStepsLost: 0,
      numEpisodesLost: 0,
      weightsSeq: 0,
      ...(gpuBusyMs === undefined ? {} : { gpuBusyMs, gpuTiming: 'submit-to-done' as const }),
    });
    perf.addRunners([m(2, 100), m(1, 50), m(2, 150), m(3)]);
    // No WebGPU on this page (Node): the learner's keys are left out, not reported as 0.
    await perf.readPage(true);
    expect(perf.result(0.5)).toEqual({
      'perf/env_runner_1_gpu_busy_ms': 50,
      'perf/env_runner_1_gpu_util_percent': 10,
      'perf/env_runner_2_gpu_busy_ms': 250,
      'perf/env_runner_2_gpu_util_percent': 50,
      'perf/gpu_timing': 'submit-to-done',
    });
    // The next iteration starts from zero.
    expect(perf.result(1)).toEqual({});
  });
});
