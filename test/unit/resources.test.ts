/** The resource ledger (src/core/resources.ts) and the warnings and errors built on it. */
import { describe, expect, it } from 'vitest';
import { PPO_DEFAULTS } from '../../src/algorithms/ppo/ppo-config';
import { mergeConfig } from '../../src/algorithms/algorithm-config';
import { autostartWarnings, machineWarnings, resourceErrors } from '../../src/core/config-limits';
import { validateBase } from '../../src/core/config-validation';
import type { ConfigIssue } from '../../src/core/errors';
import { resolveConfig } from '../../src/algorithms/registry';
import {
  formatResourceTable,
  gpuLimitError,
  oversubscriptionWarning,
  resourceLedger,
  type Capacity,
  type ResourceInputs,
} from '../../src/core/resources';

const cfg = (r: Partial<ResourceInputs['envRunners']>, numLearners = 0): ResourceInputs => ({
  envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 1, numCpusPerEnvRunner: 1, ...r },
  learners: { numLearners },
});
const tab = (cpus: number, cpusFrom = 'x', gpus = 0): Capacity => ({
  cpus,
  cpusFrom,
  gpus,
  gpusFrom: gpus > 0 ? 'one WebGPU device' : 'no WebGPU adapter',
});

describe('resourceLedger: CPUs', () => {
  it('sums the page, learner workers and runners; remote sub-env workers are threads at 0 CPUs', () => {
    const ledger = resourceLedger(
      cfg({ numEnvRunners: 3, numCpusPerEnvRunner: 2, numEnvsPerEnvRunner: 4, remoteWorkerEnvs: true }, 2),
      tab(16, 'navigator.hardwareConcurrency'),
    );
    expect(ledger.rows.map((r) => [r.what, r.count, r.cpus, r.threads])).toEqual([
      ['page (driver)', 1, 1, 1],
      ['learner workers', 2, 2, 2],
      ['env runners', 3, 6, 3],
      ['remote sub-env workers', 12, 0, 12],
    ]);
    expect(ledger.cpusAsked).toBe(9);
    expect(ledger.threads).toBe(18);
    expect(ledger.oversubscribed).toBe(false);
    expect(oversubscriptionWarning(ledger)).toBeNull();
  });

  it('numEnvRunners 0 samples on the page: one CPU in all; fractional CPUs add up', () => {
    expect(resourceLedger(cfg({ numEnvRunners: 0 }), tab(1)).cpusAsked).toBe(1);
    expect(resourceLedger(cfg({ numEnvRunners: 0 }), tab(1)).rows[0]!.what).toBe('page (driver, learner, sampler)');
    expect(resourceLedger(cfg({ numEnvRunners: 4, numCpusPerEnvRunner: 0.25 }), tab(2)).cpusAsked).toBe(2);
  });

  it('counts num_cpus_for_main_process for the page and num_cpus_per_learner per learner worker (ignored without workers, as RLlib)', () => {
    const inputs = (numLearners: number): ResourceInputs => ({
      envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 1, numCpusPerEnvRunner: 1 },
      learners: { numLearners, numCpusForMainProcess: 2, numCpusPerLearner: 3 },
    });
    expect(resourceLedger(inputs(0), tab(8)).cpusAsked).toBe(2 + 1);
    const workers = resourceLedger(inputs(2), tab(8));
    expect(workers.cpusAsked).toBe(2 + 2 * 3 + 1);
    expect(workers.rows[1]!.cpuFrom).toBe('numLearners (2) x numCpusPerLearner (3)');
    const keys = resolveConfig({ num_cpus_for_main_process: 2, num_cpus_per_learner: 0.5, num_learners: 1 });
    expect([keys.learners.numCpusForMainProcess, keys.learners.numCpusPerLearner]).toEqual([2, 0.5]);
    // RLlib's old section name: `.resources(num_cpus_for_main_process=...)` as a dict.
    expect(resolveConfig({ resources: { num_cpus_for_main_process: 3 } }).learners.numCpusForMainProcess).toBe(3);
  });

  it('warns when oversubscribed, naming the total, the parts, the source and the settings to change', () => {
    const ledger = resourceLedger(cfg({ numEnvRunners: 4 }, 1), tab(4, '--max-cpus'));
    expect(ledger.oversubscribed).toBe(true);
    expect(oversubscriptionWarning(ledger)).toBe(
      'The run asks for 6 CPUs (numCpusForMainProcess (1) + numLearners (1) x numCpusPerLearner (1) + numEnvRunners (4) x numCpusPerEnvRunner (1)) but --max-cpus is 4: ' +
        'its workers will compete for cores and each runs slower. Lower numEnvRunners (and raise numEnvsPerEnvRunner: ' +
        "one forward pass covers all of a runner's sub-envs), numCpusPerEnvRunner or numLearners.",
    );
  });

  it('formats an aligned table with the total against the available CPUs', () => {
    const lines = formatResourceTable(resourceLedger(cfg({ numCpusPerEnvRunner: 1.5 }), tab(2, '--max-cpus')));
    expect(lines).toEqual([
      'resources               count  CPUs each   CPUs  threads',
      'page (driver, learner)      1          1      1        1',
      'env runners                 2        1.5      3        2',
      'total (--max-cpus: 2)                     4 / 2        3',
    ]);
  });
});

describe('resourceLedger: GPU shares of the one WebGPU device', () => {
  const recipe = (n: number, numLearners = 0): ResourceInputs => ({
    envRunners: {
      numEnvRunners: n,
      numEnvsPerEnvRunner: 1,
      numCpusPerEnvRunner: 1,
      numGpusPerEnvRunner: (1 - 0.0001) / n,
    },
    learners: { numLearners, numGpusPerLearner: 0.0001 },
  });

  it("the scaling guide's recipe (driver 0.0001, runners (1 - 0.0001) / N) fits the device exactly, for any N", () => {
    for (const n of [1, 2, 3, 7, 64]) {
      const ledger = resourceLedger(recipe(n), tab(64, 'x', 1));
      expect(ledger.gpusAsked).toBeCloseTo(1, 12);
      expect(ledger.gpusOver).toBe(false);
      expect(gpuLimitError(ledger)).toBeNull();
    }
    const two = resourceLedger(recipe(2), tab(8, 'x', 1));
    expect(two.rows.map((r) => [r.what, r.gpusEach, r.gpus])).toEqual([
      ['page (driver, learner)', 0.0001, 0.0001],
      ['env runners', 0.49995, 0.9999],
    ]);
    expect(formatResourceTable(two)).toEqual([
      'resources               count  CPUs each   CPUs  GPUs each    GPUs  threads',
      'page (driver, learner)      1          1      1     0.0001  0.0001        1',
      'env runners                 2          1      2    0.49995  0.9999        2',
      'total (x: 8)                              3 / 8              1 / 1        3',
    ]);
  });

  it("1.2 GPUs in total is refused with the sum and its parts, at the runners' key", () => {
    const c = mergeConfig(PPO_DEFAULTS, {
      learners: { numGpusPerLearner: 1 },
      envRunners: { numEnvRunners: 2, numGpusPerEnvRunner: 0.1 },
    });
    const issues = resourceErrors(c);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('envRunners.numGpusPerEnvRunner');
    expect(issues[0]!.message).toBe(
      'The run asks for 1.2 GPUs (numGpusPerLearner (1) + numEnvRunners (2) x numGpusPerEnvRunner (0.1) = 1.2) but the tab ' +
        'has 1 (one WebGPU device); Ray would never place it. Give each part a fraction of the device so the shares add up ' +
        "to at most 1. The scaling guide's recipe shares it between a synchronous algorithm's learner and runners: " +
        'numGpusPerLearner 0.0001 and numGpusPerEnvRunner (1 - 0.0001) / 2 = 0.49995.',
    );
    // The same config through validation: an error, alongside nothing else about GPUs.
    const all = validateBase(c, { hardwareConcurrency: 64, webGpuAvailable: true });
    expect(all.filter((i) => i.severity === 'error').map((i) => i.path)).toEqual(['envRunners.numGpusPerEnvRunner']);
  });

  it("learner workers' shares count x numLearners; 'auto' counts as what the options say", () => {
    const inputs: ResourceInputs = {
      envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 1, numCpusPerEnvRunner: 1, numGpusPerEnvRunner: 0.5 },
      learners: { numLearners: 3, numGpusPerLearner: 0.25 },
    };
    expect(resourceLedger(inputs, tab(8, 'x', 1)).gpusAsked).toBeCloseTo(1.25);
    const auto = { ...inputs, learners: { numLearners: 0, numGpusPerLearner: 'auto' as const } };
    expect(resourceLedger(auto, tab(8, 'x', 1)).gpusAsked).toBe(0.5);
    expect(resourceLedger(auto, tab(8, 'x', 1), { autoGpus: 1 }).gpusAsked).toBe(1.5);
    // The default config ('auto' learner, no runner GPUs) is never refused.
    expect(resourceErrors(PPO_DEFAULTS)).toEqual([]);
  });

  it('five DQN trials at 0.2 fill the device; a sixth share is over it', () => {
    const dqn = (numGpusPerLearner: number): ResourceInputs => ({
      envRunners: { numEnvRunners: 0, numEnvsPerEnvRunner: 1, numCpusPerEnvRunner: 1 },
      learners: { numLearners: 0, numGpusPerLearner },
    });
    expect(resourceLedger(dqn(0.2), tab(8, 'x', 1)).gpusAsked * 5).toBeCloseTo(1, 12);
    expect(resourceLedger(dqn(1.2 / 1), tab(8, 'x', 1)).gpusOver).toBe(true);
  });
});

describe('resourceLedger: custom resources', () => {
  it('sums numEnvRunners x customResourcesPerEnvRunner by name; only declared names are limited', () => {
    const inputs = cfg({ numEnvRunners: 3, customResourcesPerEnvRunner: { licence: 1, gpuSim: 0.5 } });
    const undeclared = resourceLedger(inputs, tab(8));
    expect(undeclared.customAsked).toEqual({ licence: 3, gpuSim: 1.5 });
    expect(undeclared.customOver).toEqual([]);
    const declared = resourceLedger(inputs, { ...tab(8), custom: { licence: 2, gpuSim: 4 } });
    expect(declared.customOver).toEqual(['licence']);
    expect(formatResourceTable(declared).at(-1)).toMatch(/3 \/ 2 +1\.5 \/ 4/);
  });

  it("is RLlib's custom_resources_per_env_runner: a map of name -> amount >= 0, validated", () => {
    const c = resolveConfig({ custom_resources_per_env_runner: { licence: 1 } });
    expect(c.envRunners.customResourcesPerEnvRunner).toEqual({ licence: 1 });
    const bad = (v: unknown): string[] =>
      validateBase(mergeConfig(PPO_DEFAULTS, { envRunners: { customResourcesPerEnvRunner: v as never } }), {
        hardwareConcurrency: 64,
      })
        .filter((i) => i.severity === 'error')
        .map((i) => `${i.path}: ${i.message}`);
    expect(bad([1])[0]).toMatch(/must map resource names to amounts/);
    expect(bad({ licence: -1 })[0]).toMatch(/customResourcesPerEnvRunner\.licence: .*must be a number >= 0/);
    expect(bad({ GPU: 1 })[0]).toMatch(
      /'GPU' is not a custom resource; use numCpusPerEnvRunner \/ numGpusPerEnvRunner/,
    );
  });
});

describe('machine warnings from the accounting', () => {
  it('the default PPO config (2 runners + the page) warns on 2 cores, but a link still autostarts', () => {
    expect(machineWarnings(PPO_DEFAULTS, { hardwareConcurrency: 2 }).map((w) => w.path)).toEqual([
      'envRunners.numCpusPerEnvRunner',
    ]);
    expect(autostartWarnings(PPO_DEFAULTS, { hardwareConcurrency: 2 })).toEqual([]);
    expect(machineWarnings(PPO_DEFAULTS, { hardwareConcurrency: 3 })).toEqual([]);
  });

  it('a config over the hard limits gets its size error, not a CPU sum', () => {
    const c = mergeConfig(PPO_DEFAULTS, { envRunners: { numEnvRunners: 100_000 } });
    expect(machineWarnings(c, { hardwareConcurrency: 2 })).toEqual([]);
  });

  it('learner workers count: numLearners 2 on 4 cores with 2 runners is 5 CPUs', () => {
    const c = mergeConfig(PPO_DEFAULTS, { learners: { numLearners: 2 } });
    expect(machineWarnings(c, { hardwareConcurrency: 4 })[0]?.message).toMatch(/asks for 5 CPUs/);
    expect(autostartWarnings(c, { hardwareConcurrency: 4 })).toHaveLength(0);
    expect(autostartWarnings(c, { hardwareConcurrency: 3 })).toHaveLength(1);
  });
});

describe('remote sub-env settings', () => {
  const issues = (envRunners: object): ConfigIssue[] =>
    validateBase(mergeConfig(PPO_DEFAULTS, { envRunners }), { hardwareConcurrency: 64 });

  it('accepts RLlib names and validates the wait', () => {
    const c = resolveConfig({ remote_worker_envs: true, remote_env_batch_wait_ms: 5, num_envs_per_env_runner: 4 });
    expect(c.envRunners.remoteWorkerEnvs).toBe(true);
    expect(c.envRunners.remoteEnvBatchWaitMs).toBe(5);
    expect(issues({ remoteWorkerEnvs: true, numEnvsPerEnvRunner: 4, remoteEnvBatchWaitMs: -1 })[0]?.path).toBe(
      'envRunners.remoteEnvBatchWaitMs',
    );
    expect(issues({ remoteWorkerEnvs: 'yes' })[0]?.message).toBe("remoteWorkerEnvs must be true or false, got 'yes'.");
  });

  it('warns when remote stepping cannot help: one sub-env, or a wait without remote envs', () => {
    expect(issues({ remoteWorkerEnvs: true, numEnvsPerEnvRunner: 1 }).map((i) => [i.path, i.severity])).toEqual([
      ['envRunners.remoteWorkerEnvs', 'warning'],
    ]);
    expect(issues({ remoteEnvBatchWaitMs: 3 }).map((i) => i.message)).toEqual([
      'remoteEnvBatchWaitMs (3) has no effect without remoteWorkerEnvs = true.',
    ]);
    expect(issues({ remoteWorkerEnvs: true, numEnvsPerEnvRunner: 4, remoteEnvBatchWaitMs: 3 })).toEqual([]);
  });
});
