import { describe, expect, it } from 'vitest';
import { ppo } from '../../src/algorithms/ppo/ppo-config';
import { MAX_TIMER_MS, MAX_TIMER_S, deadlineMs, setDeadline } from '../../src/core/deadline';
import { rpcCall } from '../../src/runtime/rpc';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);
const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** 'pending' if `p` has not settled after `ms`. */
async function stateAfter(p: Promise<unknown>, ms: number): Promise<string> {
  let state = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await pause(ms);
  return state;
}

describe('deadlines: one helper for every configured duration', () => {
  it('a deadline beyond what a timer holds (2^31 ms) does not fire at once', async () => {
    // setTimeout treats 2^31 ms or more as ~1 ms: a sampleTimeoutS of 1e7 failed every call.
    const call = rpcCall(never(), { timeoutMs: 1e10, what: 'EnvRunner 1 sample()' });
    expect(await stateAfter(call, 30)).toBe('pending');
  });

  it('null means no timeout (RLlib: None)', async () => {
    expect(await stateAfter(rpcCall(never(), { timeoutMs: null }), 30)).toBe('pending');
    let fired = false;
    const cancel = setDeadline(null, () => (fired = true));
    await pause(10);
    cancel();
    expect(fired).toBe(false);
  });

  it('deadlineMs converts seconds, keeps null and clamps to the timer limit', () => {
    expect(deadlineMs(60)).toBe(60_000);
    expect(deadlineMs(null)).toBeNull();
    expect(deadlineMs(1e10)).toBe(MAX_TIMER_MS);
    expect(deadlineMs(-1)).toBe(0);
    expect(MAX_TIMER_S).toBe(2147483);
  });

  it('validation refuses durations a timer cannot hold, naming the limit and suggesting null', () => {
    const issues = ppo()
      .envRunners({ sampleTimeoutS: 1e7 })
      .faultTolerance({ delayBetweenEnvRunnerRestartsS: 3e6, envRunnerHealthProbeTimeoutS: 1e9 })
      .validate();
    const byPath = (p: string): string => issues.find((i) => i.path === p)?.message ?? '';
    expect(byPath('envRunners.sampleTimeoutS')).toMatch(
      /2147483 s \(2\^31-1 ms, about 24\.8 days\).*Use null for no timeout/,
    );
    expect(byPath('faultTolerance.envRunnerHealthProbeTimeoutS')).toMatch(/Use null/);
    expect(byPath('faultTolerance.delayBetweenEnvRunnerRestartsS')).toMatch(/Use at most 2147483\./);
  });

  it('accepts null for the *TimeoutS settings, as RLlib accepts None', () => {
    const json = {
      sample_timeout_s: null,
      env_runner_health_probe_timeout_s: null,
      env_runner_restore_timeout_s: null,
    };
    const b = ppo().fromJson(json);
    expect(b.validate().filter((i) => i.severity === 'error')).toEqual([]);
    const cfg = b.toConfig();
    expect(cfg.envRunners.sampleTimeoutS).toBeNull();
    expect(cfg.faultTolerance.envRunnerRestoreTimeoutS).toBeNull();
    expect(ppo().toConfig().faultTolerance.envRunnerRestoreTimeoutS).toBe(1800); // RLlib's default
    expect(
      ppo()
        .faultTolerance({ delayBetweenEnvRunnerRestartsS: null as unknown as number })
        .validate(),
    ).toEqual([expect.objectContaining({ path: 'faultTolerance.delayBetweenEnvRunnerRestartsS' })]);
  });
});
