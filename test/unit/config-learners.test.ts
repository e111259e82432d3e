import { describe, expect, it } from 'vitest';
import { A2C_DEFAULTS, a2cSamplingLayout, validateA2CConfig } from '../../src/algorithms/a2c/a2c-config';
import { DQN_DEFAULTS, validateDQNConfig } from '../../src/algorithms/dqn/dqn-config';
import { derivedSizes, ppo } from '../../src/algorithms/ppo/ppo-config';
import type { ConfigIssue } from '../../src/core/errors';

const CTX = { hardwareConcurrency: 8, webGpuAvailable: true };
const errorsAt = (issues: ConfigIssue[], path: string): string[] =>
  issues.filter((i) => i.severity === 'error' && i.path === path).map((i) => i.message);

describe('learners section: numLearners and numGpusPerLearner', () => {
  it('accepts data-parallel PPO learners, sharing one adapter through fractions', () => {
    expect(ppo().learners({ numLearners: 2, numGpusPerLearner: 0 }).validate(CTX)).toEqual([]);
    expect(ppo().learners({ numLearners: 2, numGpusPerLearner: 0.5 }).validate(CTX)).toEqual([]);
    expect(ppo().learners({ numLearners: 4, numGpusPerLearner: 0.25 }).validate(CTX)).toEqual([]);
    expect(ppo().learners({ numLearners: 1, numGpusPerLearner: 1 }).validate(CTX)).toEqual([]);
  });

  it('rejects more GPUs than the one adapter a browser has, naming the setting and the fraction to use', () => {
    const issues = ppo().learners({ numLearners: 2, numGpusPerLearner: 1 }).validate(CTX);
    expect(errorsAt(issues, 'learners.numGpusPerLearner')[0]).toMatch(
      /asks for 2 GPUs \(numLearners \(2\) x numGpusPerLearner \(1\) = 2\) but the tab has 1 \(one WebGPU device\)/,
    );
    // > 1 no longer acts as 1 silently.
    const two = ppo().learners({ numGpusPerLearner: 2 }).validate(CTX);
    expect(errorsAt(two, 'learners.numGpusPerLearner')[0]).toMatch(
      /numGpusPerLearner \(2\) must be <= 1.*raise numLearners/,
    );
  });

  it('rejects numLearners that is not a count, too large, or for an algorithm without data-parallel learners', () => {
    expect(errorsAt(ppo().learners({ numLearners: 1.5 }).validate(CTX), 'learners.numLearners')[0]).toMatch(
      /integer >= 0/,
    );
    expect(errorsAt(ppo().learners({ numLearners: 17 }).validate(CTX), 'learners.numLearners')[0]).toMatch(/<= 16/);
    const dqn = validateDQNConfig(
      { ...DQN_DEFAULTS, learners: { ...DQN_DEFAULTS.learners, numLearners: 2, numGpusPerLearner: 0 } },
      CTX,
    );
    expect(errorsAt(dqn, 'learners.numLearners')[0]).toMatch(
      /numLearners is 2 but DQN runs its Learner on the page.*Set numLearners to 0/,
    );
    // A2C shares PPO's on-policy step but not its learner group: refused the same way, by name.
    const a2c = validateA2CConfig(
      { ...A2C_DEFAULTS, learners: { ...A2C_DEFAULTS.learners, numLearners: 2, numGpusPerLearner: 0 } },
      CTX,
    );
    expect(errorsAt(a2c, 'learners.numLearners')[0]).toMatch(
      /numLearners is 2 but A2C runs its Learner on the page.*PPO.*Set numLearners to 0/,
    );
  });

  it('validates learners.wasmThreads: a thread count from 1 to 8, for the page Learner on wasm', () => {
    expect(ppo().learners({ wasmThreads: 2, numGpusPerLearner: 0 }).validate(CTX)).toEqual([]);
    expect(
      ppo()
        .fromJson({ learners: { wasm_threads: 4 } })
        .toConfig().learners.wasmThreads,
    ).toBe(4);
    expect(errorsAt(ppo().learners({ wasmThreads: 0 }).validate(CTX), 'learners.wasmThreads')[0]).toMatch(
      /wasmThreads \(0\) must be >= 1/,
    );
    expect(errorsAt(ppo().learners({ wasmThreads: 1.5 }).validate(CTX), 'learners.wasmThreads')).toHaveLength(1);
    const yes = ppo()
      .fromJson({ learners: { wasmThreads: 'yes' } })
      .validate(CTX);
    expect(errorsAt(yes, 'learners.wasmThreads')[0]).toMatch(/integer >= 1, got 'yes'/);
    expect(errorsAt(ppo().learners({ wasmThreads: 9 }).validate(CTX), 'learners.wasmThreads')[0]).toMatch(/<= 8/);
    // Learner workers run single-threaded wasm: refused by name rather than ignored.
    const workers = ppo().learners({ numLearners: 2, wasmThreads: 2 }).validate(CTX);
    expect(errorsAt(workers, 'learners.wasmThreads')[0]).toMatch(
      /numLearners is 2.*Set wasmThreads to 1, or numLearners to 0/,
    );
    const warnings = (issues: ConfigIssue[]): string[] =>
      issues.filter((i) => i.severity === 'warning' && i.path === 'learners.wasmThreads').map((i) => i.message);
    const gpu = ppo().learners({ numGpusPerLearner: 1, wasmThreads: 2 }).validate(CTX);
    expect(warnings(gpu)[0]).toMatch(/no effect.*WebGPU/);
    const twoCores = ppo().learners({ numGpusPerLearner: 0, wasmThreads: 4 }).validate({ hardwareConcurrency: 2 });
    expect(warnings(twoCores)[0]).toMatch(/exceeds navigator.hardwareConcurrency \(2\).*at most 2/);
  });

  it('validates debugging.validateLearnerWeightsInSync as a boolean', () => {
    const bad = ppo()
      .fromJson({ debugging: { validate_learner_weights_in_sync: 'yes' } })
      .validate(CTX);
    expect(errorsAt(bad, 'debugging.validateLearnerWeightsInSync')).toHaveLength(1);
    expect(ppo().debugging({ validateLearnerWeightsInSync: true }).validate(CTX)).toEqual([]);
  });

  it('samples trainBatchSizePerLearner for each learner (RLlib: the train batch is per learner)', () => {
    const base = ppo()
      .envRunners({ numEnvRunners: 2, numEnvsPerEnvRunner: 1 })
      .training({ trainBatchSizePerLearner: 1000 });
    expect(derivedSizes(base.toConfig()).trainBatchSize).toBe(1000);
    expect(derivedSizes(base.learners({ numLearners: 2 }).toConfig()).trainBatchSize).toBe(2000);
    // A2C's layout ignores numLearners (it has no learner group).
    const a2c = {
      ...A2C_DEFAULTS,
      envRunners: base.toConfig().envRunners,
      learners: { numLearners: 2, numGpusPerLearner: 0 },
    };
    expect(
      a2cSamplingLayout({ ...a2c, training: { ...a2c.training, trainBatchSizePerLearner: 1000 } }).trainBatchSize,
    ).toBe(1000);
  });

  it('warns with the per-learner numbers when the fragment overshoots numLearners x trainBatchSizePerLearner', () => {
    const issues = ppo()
      .envRunners({ numEnvRunners: 1, numEnvsPerEnvRunner: 1, rolloutFragmentLength: 1500 })
      .training({ trainBatchSizePerLearner: 500, minibatchSize: 100 })
      .learners({ numLearners: 2 })
      .validate(CTX);
    const warning = issues.find((i) => i.path === 'envRunners.rolloutFragmentLength');
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toMatch(
      /1500 steps per iteration, more than trainBatchSizePerLearner \(500\) x 2 learners \(1000\)/,
    );
    expect(warning?.message).toMatch(/trainBatchSizePerLearner to 750/);
  });
});
