import { describe, expect, it } from 'vitest';
import { ppo } from '../../src/algorithms/ppo/ppo-config';
import { resolveConfig } from '../../src/algorithms/registry';
import { parseUrlState } from '../../src/app/url-state';

const errors = (input: unknown): string[] =>
  ppo()
    .fromJson(input)
    .validate()
    .filter((i) => i.severity === 'error')
    .map((i) => `${i.path}: ${i.message}`);

describe('RLlib configs pasted as they are', () => {
  it('ignore_env_runner_failures: true alone is accepted: the defaulted restart gives way', () => {
    expect(errors({ ignore_env_runner_failures: true })).toEqual([]);
    const cfg = resolveConfig({ ignore_env_runner_failures: true });
    expect(cfg.faultTolerance).toMatchObject({ ignoreEnvRunnerFailures: true, restartFailedEnvRunners: false });
    // Sectioned, camelCase and the old-stack name too.
    expect(errors({ fault_tolerance: { ignore_worker_failures: true } })).toEqual([]);
    expect(errors({ faultTolerance: { ignoreEnvRunnerFailures: true } })).toEqual([]);
  });

  it('the builder chain behaves the same', () => {
    const b = ppo().faultTolerance({ ignoreEnvRunnerFailures: true });
    expect(b.validate().filter((i) => i.severity === 'error')).toEqual([]);
    expect(b.toConfig().faultTolerance.restartFailedEnvRunners).toBe(false);
    // A later explicit setting replaces the earlier one (RLlib: a setting replaces).
    const c = b.faultTolerance({ restartFailedEnvRunners: true });
    expect(c.toConfig().faultTolerance).toMatchObject({
      restartFailedEnvRunners: true,
      ignoreEnvRunnerFailures: false,
    });
  });

  it('only both set to true explicitly is an error', () => {
    expect(errors({ ignore_env_runner_failures: true, restart_failed_env_runners: true })).toEqual([
      expect.stringMatching(/^faultTolerance.ignoreEnvRunnerFailures: .*both true/),
    ]);
    expect(errors({ restart_failed_env_runners: true })).toEqual([]);
    expect(errors({ ignore_env_runner_failures: false })).toEqual([]);
  });

  it('a URL with ignore_env_runner_failures=true builds', () => {
    const state = parseUrlState('#ignore_env_runner_failures=true');
    expect(state.issues).toEqual([]);
    expect(state.config?.faultTolerance).toMatchObject({
      ignoreEnvRunnerFailures: true,
      restartFailedEnvRunners: false,
    });
  });

  it("env_runner_restore_timeout_s is RLlib's key, not an unknown one", () => {
    expect(errors({ env_runner_restore_timeout_s: 600 })).toEqual([]);
    expect(resolveConfig({ env_runner_restore_timeout_s: 600 }).faultTolerance.envRunnerRestoreTimeoutS).toBe(600);
    expect(
      resolveConfig({ fault_tolerance: { env_runner_restore_timeout_s: null } }).faultTolerance
        .envRunnerRestoreTimeoutS,
    ).toBeNull();
  });
});
