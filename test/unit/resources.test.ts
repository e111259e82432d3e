/** CPU accounting (src/core/resources.ts) and the warnings built on it. */
import { describe, expect, it } from 'vitest';
import { PPO_DEFAULTS } from '../../src/algorithms/ppo/ppo-config';
import { mergeConfig } from '../../src/algorithms/algorithm-config';
import { autostartWarnings, machineWarnings } from '../../src/core/config-limits';
import { validateBase } from '../../src/core/config-validation';
import type { ConfigIssue } from '../../src/core/errors';
import { resolveConfig } from '../../src/algorithms/registry';
import {
  formatResourceTable,
  oversubscriptionWarning,
  resourcePlan,
  type ResourceInputs,
} from '../../src/core/resources';

const cfg = (r: Partial<ResourceInputs['envRunners']>, numLearners = 0): ResourceInputs => ({
  envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 1, numCpusPerEnvRunner: 1, ...r },
  learners: { numLearners },
});

describe('resourcePlan', () => {
  it('sums the page, learner workers and runners; remote sub-env workers are threads at 0 CPUs', () => {
    const plan = resourcePlan(
      cfg({ numEnvRunners: 3, numCpusPerEnvRunner: 2, numEnvsPerEnvRunner: 4, remoteWorkerEnvs: true }, 2),
      16,
      'navigator.hardwareConcurrency',
    );
    expect(plan.rows.map((r) => [r.what, r.count, r.cpus, r.threads])).toEqual([
      ['page (driver, learner)', 1, 1, 1],
      ['learner workers', 2, 2, 2],
      ['env runners', 3, 6, 3],
      ['remote sub-env workers', 12, 0, 12],
    ]);
    expect(plan.cpusAsked).toBe(9);
    expect(plan.threads).toBe(18);
    expect(plan.oversubscribed).toBe(false);
    expect(oversubscriptionWarning(plan)).toBeNull();
  });

  it('numEnvRunners 0 samples on the page: one CPU in all; fractional CPUs add up', () => {
    expect(resourcePlan(cfg({ numEnvRunners: 0 }), 1, 'x').cpusAsked).toBe(1);
    expect(resourcePlan(cfg({ numEnvRunners: 0 }), 1, 'x').rows[0]!.what).toBe('page (driver, learner, sampler)');
    expect(resourcePlan(cfg({ numEnvRunners: 4, numCpusPerEnvRunner: 0.25 }), 2, 'x').cpusAsked).toBe(2);
  });

  it('warns when oversubscribed, naming the total, the parts, the source and the settings to change', () => {
    const plan = resourcePlan(cfg({ numEnvRunners: 4 }, 1), 4, '--max-cpus');
    expect(plan.oversubscribed).toBe(true);
    expect(oversubscriptionWarning(plan)).toBe(
      'The run asks for 6 CPUs (the page 1 + numLearners (1) x 1 + numEnvRunners (4) x numCpusPerEnvRunner (1)) but --max-cpus is 4: ' +
        'its workers will compete for cores and each runs slower. Lower numEnvRunners (and raise numEnvsPerEnvRunner: ' +
        "one forward pass covers all of a runner's sub-envs), numCpusPerEnvRunner or numLearners.",
    );
  });

  it('formats an aligned table with the total against the available CPUs', () => {
    const lines = formatResourceTable(resourcePlan(cfg({ numCpusPerEnvRunner: 1.5 }), 2, '--max-cpus'));
    expect(lines).toEqual([
      'resources               count  CPUs each   CPUs  threads',
      'page (driver, learner)      1          1      1        1',
      'env runners                 2        1.5      3        2',
      'total (--max-cpus: 2)                     4 / 2        3',
    ]);
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
