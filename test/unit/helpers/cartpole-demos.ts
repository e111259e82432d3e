/**
 * Recorded CartPole-v1 episodes without a trained agent: a hand-written controller (push toward
 * the side the pole falls to, with a cart-velocity term) that balances for the full 500 steps,
 * mixed with uniform random actions at a given rate. Returns an EpisodeTable as a recording would.
 */
import { Rng } from '../../../src/core/rng';
import type { EpisodeTable } from '../../../src/offline/episode-table';
import { makeVectorEnv } from '../../../src/envs';

/** The controller's action: obs = [x, x_dot, theta, theta_dot]. */
export function expertAction(obs: ArrayLike<number>): number {
  return obs[2]! + 0.5 * obs[3]! + 0.01 * obs[1]! > 0 ? 1 : 0;
}

export function cartPoleDemos(opts: { numSteps: number; randomRate: number; seed: number }): EpisodeTable {
  const env = makeVectorEnv('CartPole-v1', { numEnvs: 1, seed: opts.seed });
  env.reset(opts.seed);
  const rng = new Rng(opts.seed);
  const n = opts.numSteps;
  const table = {
    epsId: new Array<string>(n),
    moduleId: new Array<string>(n).fill('default_policy'),
    t: new Int32Array(n),
    obs: new Float32Array(n * 4),
    actions: new Int32Array(n),
    rewards: new Float32Array(n),
    newObs: new Float32Array(n * 4),
    terminateds: new Uint8Array(n),
    truncateds: new Uint8Array(n),
    actionLogp: new Float32Array(n),
  };
  const action = new Int32Array(1);
  let episode = 0;
  let t = 0;
  for (let i = 0; i < n; i++) {
    table.obs.set(env.obs, i * 4);
    const random = rng.uniform(0, 1) < opts.randomRate;
    action[0] = random ? rng.integer(2) : expertAction(env.obs);
    env.step(action);
    table.epsId[i] = `0-${episode}`;
    table.t[i] = t++;
    table.actions[i] = action[0];
    table.rewards[i] = env.rewards[0]!;
    table.terminateds[i] = env.terminated[0]!;
    table.truncateds[i] = env.truncated[0]!;
    // Behaviour policy: the controller's action with prob 1 - r/2, the other with r/2.
    const p =
      action[0] === expertAction(table.obs.subarray(i * 4, i * 4 + 4)) ? 1 - opts.randomRate / 2 : opts.randomRate / 2;
    table.actionLogp[i] = Math.log(p);
    const ended = env.terminated[0] || env.truncated[0];
    table.newObs.set(ended ? env.finalObs.subarray(0, 4) : env.obs, i * 4);
    if (ended) {
      episode++;
      t = 0;
    }
  }
  return { numRows: n, obsDim: 4, actionKind: 'discrete', actionDim: 1, ...table };
}
