import { describe, expect, it } from 'vitest';
import { resourceLedger } from '../../src/core/resources';
import { AshaScheduler } from '../../src/tune/asha';
import { parseSweep } from '../../src/tune/sweep';
import { infeasibleReason, trialDemand, ResourcePool } from '../../src/tune/trial-resources';
import { TrialScheduler, type RunningTrial, type TrialRunner, type TrialSpec } from '../../src/tune/trial-scheduler';
import type { ResultDict } from '../../src/core/metric-keys';

const RETURN = 'env_runners/episode_return_mean';
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

/** Fake trials: return = slope * iteration; `failAt` throws once at that iteration; `buildFails` always. */
interface FakeParams {
  slope: number;
  failAt?: number;
  buildFails?: boolean;
}

class FakeRunner implements TrialRunner {
  running = 0;
  maxRunning = 0;
  readonly starts: { id: string; checkpoint: string | null }[] = [];
  readonly order: string[] = [];
  private readonly failed = new Set<string>();

  async start(trial: TrialSpec, checkpoint: string | null): Promise<RunningTrial> {
    await tick();
    const p = trial.config as FakeParams;
    this.starts.push({ id: trial.id, checkpoint });
    if (p.buildFails) throw new Error(`env config rejected for ${trial.id}`);
    let iteration = checkpoint === null ? 0 : Number(checkpoint);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.order.push(trial.id);
    let disposed = false;
    return {
      step: async (): Promise<ResultDict> => {
        await tick();
        iteration++;
        if (p.failAt === iteration && !this.failed.has(trial.id)) {
          this.failed.add(trial.id);
          throw new Error('runner died');
        }
        return { training_iteration: iteration, [RETURN]: p.slope * iteration };
      },
      save: () => Promise.resolve(String(iteration)),
      dispose: () => {
        if (!disposed) this.running--;
        disposed = true;
      },
    };
  }
}

const spec = (i: number, p: FakeParams, gpu = 0, iters = 5): TrialSpec => ({
  id: `trial_${i}`,
  params: { slope: p.slope },
  config: p,
  demand: { cpu: 1, gpu },
  stop: { training_iteration: iters },
});

const opts = { maxConcurrentTrials: 0, maxFailures: 0, checkpointFrequency: 0, asha: null };

describe('TrialScheduler', () => {
  it('packs five 0.2-GPU learners onto one device; the sixth waits for one to end', async () => {
    const runner = new FakeRunner();
    const specs = [1, 2, 3, 4, 5, 6].map((i) => spec(i, { slope: i }, 0.2));
    const s = new TrialScheduler(specs, new ResourcePool({ cpu: 64, gpu: 1 }), runner, opts);
    const states = await s.run();
    const seen = runner.order;
    expect(runner.maxRunning).toBe(5);
    expect(seen.indexOf('trial_6')).toBe(5);
    expect(states.every((t) => t.status === 'TERMINATED' && t.results.length === 5)).toBe(true);
  });

  it('max_concurrent_trials and CPUs cap the trials at once', async () => {
    const runner = new FakeRunner();
    const specs = [1, 2, 3, 4].map((i) => spec(i, { slope: i }));
    await new TrialScheduler(specs, new ResourcePool({ cpu: 64, gpu: 0 }), runner, {
      ...opts,
      maxConcurrentTrials: 2,
    }).run();
    expect(runner.maxRunning).toBe(2);
    const cpuBound = new FakeRunner();
    await new TrialScheduler(specs, new ResourcePool({ cpu: 3, gpu: 0 }), cpuBound, opts).run();
    expect(cpuBound.maxRunning).toBe(3);
    expect(
      trialDemand(
        {
          envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 4, numCpusPerEnvRunner: 1 },
          learners: { numLearners: 0, numGpusPerLearner: 0.2 },
        },
        false,
      ),
    ).toEqual({ cpu: 3, gpu: 0.2 });
  });

  it("a trial's CPU ask is core/resources.ts's plan for the same run (learner workers, remote sub-envs)", () => {
    const config = {
      envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 4, numCpusPerEnvRunner: 0.5, remoteWorkerEnvs: true },
      learners: { numLearners: 2, numGpusPerLearner: 0.2 },
    };
    // page 1 + learner workers 2 x 1 + runners 2 x 0.5 (+ remote sub-envs 0), as the CLI's resource table says.
    expect(resourceLedger(config, { cpus: 2, cpusFrom: 'x', gpus: 1, gpusFrom: 'x' }).cpusAsked).toBe(4);
    expect(trialDemand(config, false)).toEqual({ cpu: 4, gpu: 0.4 });
    // 'auto' claims the whole device per learner only where it picks WebGPU.
    const auto = { ...config, learners: { numLearners: 0, numGpusPerLearner: 'auto' as const } };
    expect(trialDemand(auto, true)).toEqual({ cpu: 2, gpu: 1 });
    expect(trialDemand(auto, false)).toEqual({ cpu: 2, gpu: 0 });
  });

  it("places trials by the whole ledger: the runners' GPU shares and custom resources count", () => {
    const config = {
      envRunners: {
        numEnvRunners: 2,
        numEnvsPerEnvRunner: 1,
        numCpusPerEnvRunner: 1,
        numGpusPerEnvRunner: 0.25,
        customResourcesPerEnvRunner: { licence: 0.5 },
      },
      learners: { numLearners: 0, numGpusPerLearner: 0.0001 },
    };
    expect(trialDemand(config, false)).toEqual({ cpu: 3, gpu: 0.5001, custom: { licence: 1 } });
    expect(infeasibleReason({ cpu: 1, gpu: 0, custom: { licence: 1 } }, { cpu: 8, gpu: 1 })).toMatch(
      /asks for 1 CPU, 0 GPU, 1 'licence' but the tab has 8 CPU, 1 GPU.*Declare 'licence' in the sweep's resources.custom/,
    );
  });

  it("a sweep declares custom resources as resources.custom (Ray's ray.init(resources=...)), validated", () => {
    const ok = parseSweep({ param_space: { env: 'CartPole-v1' }, resources: { num_cpus: 8, custom: { licence: 2 } } });
    expect(ok.sweep?.custom).toEqual({ licence: 2 });
    expect(parseSweep({ param_space: {} }).sweep?.custom).toEqual({});
    const bad = parseSweep({ param_space: {}, resources: { custom: { licence: -1, GPU: 1 } } });
    expect(bad.issues.map((i) => i.path)).toEqual(['resources.custom.licence', 'resources.custom.GPU']);
  });

  it('custom resources queue trials: four trials needing one of two licences never run more than two at once', async () => {
    const runner = new FakeRunner();
    const specs = [1, 2, 3, 4].map((i) => ({
      ...spec(i, { slope: i }),
      demand: { cpu: 1, gpu: 0, custom: { licence: 1 } },
    }));
    const pool = new ResourcePool({ cpu: 64, gpu: 0, custom: { licence: 2 } });
    const states = await new TrialScheduler(specs, pool, runner, opts).run();
    expect(runner.maxRunning).toBe(2);
    expect(states.every((t) => t.status === 'TERMINATED' && t.results.length === 5)).toBe(true);
    // Every licence is back once the sweep ends.
    expect(pool.free.custom).toEqual({ licence: 2 });
    // A trial asking for a licence the sweep does not declare can never start: an error, not a wait.
    const undeclared = await new TrialScheduler(
      [{ ...spec(9, { slope: 1 }), demand: { cpu: 1, gpu: 0, custom: { seat: 1 } } }],
      new ResourcePool({ cpu: 64, gpu: 0, custom: { licence: 2 } }),
      new FakeRunner(),
      opts,
    ).run();
    expect(undeclared[0]!.status).toBe('ERROR');
    expect(undeclared[0]!.error).toMatch(/Declare 'seat' in the sweep's resources.custom/);
  });

  it('a failing trial errors after max_failures while the others finish; a crash resumes from the checkpoint', async () => {
    const runner = new FakeRunner();
    const specs = [spec(0, { slope: 1, buildFails: true }), spec(1, { slope: 2, failAt: 4 }), spec(2, { slope: 3 })];
    const retries: [string, number][] = [];
    const states = await new TrialScheduler(
      specs,
      new ResourcePool({ cpu: 64, gpu: 0 }),
      runner,
      { ...opts, maxFailures: 1, checkpointFrequency: 2 },
      { onRetry: (t, _e, from) => retries.push([t.spec.id, from]) },
    ).run();
    expect(states.map((t) => t.status)).toEqual(['ERROR', 'TERMINATED', 'TERMINATED']);
    expect(states[0]!.error).toContain('env config rejected');
    expect(states[0]!.failures).toBe(2);
    expect(retries).toEqual([
      ['trial_0', 0],
      ['trial_1', 2],
    ]);
    // Restarted from iteration 2's checkpoint; the results stay one per iteration, 1..5.
    expect(runner.starts.filter((s) => s.id === 'trial_1').map((s) => s.checkpoint)).toEqual([null, '2']);
    expect(states[1]!.results.map((r) => r['training_iteration'])).toEqual([1, 2, 3, 4, 5]);
    expect(runner.running).toBe(0);
  });

  it('a trial larger than the tab errors at once, naming the settings', async () => {
    const states = await new TrialScheduler(
      [spec(0, { slope: 1 }, 2)],
      new ResourcePool({ cpu: 4, gpu: 1 }),
      new FakeRunner(),
      opts,
    ).run();
    expect(states[0]!.status).toBe('ERROR');
    expect(states[0]!.error).toContain('numGpusPerLearner');
  });

  it('ASHA stops trials below the rung quantile, keeps the best', async () => {
    const asha = new AshaScheduler({
      timeAttr: 'training_iteration',
      metric: RETURN,
      mode: 'max',
      gracePeriod: 1,
      reductionFactor: 2,
      maxT: 8,
    });
    expect(asha.milestones).toEqual([1, 2, 4]);
    const specs = [1, 2, 3, 4].map((i) => spec(i, { slope: i }, 0, 100));
    // One at a time, best first: each later (worse) trial meets a rung already holding a better one.
    const states = await new TrialScheduler(specs.reverse(), new ResourcePool({ cpu: 64, gpu: 0 }), new FakeRunner(), {
      ...opts,
      maxConcurrentTrials: 1,
      asha,
    }).run();
    const iters = Object.fromEntries(states.map((t) => [t.spec.id, t.results.length]));
    expect(iters).toEqual({ trial_4: 8, trial_3: 1, trial_2: 1, trial_1: 1 });
    expect(states.every((t) => t.stopReason === 'asha')).toBe(true);
  });
});
