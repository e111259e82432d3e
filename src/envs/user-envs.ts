/**
 * Your own environments. Everything registered here exists on the page AND inside every
 * EnvRunner worker (both import `src/envs/index.ts`, which imports this file), so an id registered
 * here can be picked in the config panel, put in a shared URL, or passed to `npm run train --env`.
 *
 * Write an env as one plain class (see `examples/grid-walk.ts`) and wrap it with `vectorize`, or,
 * for speed, write a VectorEnv over typed arrays like `cartpole.ts`. `checkEnv` (run on every
 * registered id by the unit tests, and on a user env before it trains) checks spaces, seeding and
 * the reset/step contract.
 *
 * To try an env without rebuilding the app, keep it in its own module that imports from
 * 'browser-rl/envs' and pass it with `npm run train -- --env-module FILE` (or `env_module=` in the
 * page's URL, for a JS module); importing that same module here makes it part of the build.
 */
import { gridWalkSpec } from './examples/grid-walk';
import { registerEnv } from './registry';
import { vectorize } from './vectorize';

registerEnv('GridWalk-v0', vectorize(gridWalkSpec), { maxEpisodeSteps: 50, rewardThreshold: 0.9 });
