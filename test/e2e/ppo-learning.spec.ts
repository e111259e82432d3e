/**
 * Learning test with RLlib's tuned-example bar (rllib/tuned_examples/ppo/cartpole_ppo.py):
 * env_runners/episode_return_mean >= 450 within 300,000 env steps, wasm backend, 2 EnvRunners,
 * for two seeds, using the fast CartPole preset.
 */
import { expect, test } from './fixtures';

const STOP = { 'env_runners/episode_return_mean': 450, num_env_steps_sampled_lifetime: 300_000 };

for (const seed of [1, 2]) {
  test(`PPO CartPole-v1 reaches a mean return of 450 within 300k env steps (seed ${seed})`, async ({ appPage }) => {
    test.setTimeout(240_000);
    const summary = await appPage.evaluate(
      async ({ seed, stop }) => {
        await window.rl.build({ preset: 'CartPole-v1', learners: { numGpusPerLearner: 0 }, debugging: { seed } });
        const device = window.rl.algorithm?.device;
        const s = await window.rl.train({ stop });
        return {
          ...s,
          backend: device?.backend,
          returns: window.rl.results.map((r) => r['env_runners/episode_return_mean']),
        };
      },
      { seed, stop: STOP },
    );
    expect(summary.error).toBeNull();
    expect(summary.backend).toBe('wasm');
    const last = summary.lastResult!;
    expect(
      summary.criterion,
      `stopped at ${String(last['num_env_steps_sampled_lifetime'])} steps with return ${String(last['env_runners/episode_return_mean'])}`,
    ).toBe('env_runners/episode_return_mean');
    expect(last['env_runners/episode_return_mean']).toBeGreaterThanOrEqual(450);
    expect(last['num_env_steps_sampled_lifetime']).toBeLessThanOrEqual(300_000);
    expect(last['fault_tolerance/num_healthy_workers']).toBe(2);
  });
}
