import { ConfigError } from '../core/errors';
import { configNumber } from './base-vector-env';
import { CartPoleVectorEnv } from './cartpole';
import type { EnvFactoryOptions } from './types';

/** A step cost above this is a typo (a minute per step), not a simulator. */
const MAX_STEP_COST_MS = 1000;

/**
 * SlowCartPole-v1: CartPole-v1 whose every sub-env step burns `envConfig.stepCostMs` of CPU
 * (a busy loop, default 0), standing in for a physics simulator with an expensive step. The
 * dynamics, seeding and rewards are CartPole-v1's exactly, so runs stay deterministic; only the
 * wall time changes. It is the env that shows when `remoteWorkerEnvs` pays.
 */
export class SlowCartPoleVectorEnv extends CartPoleVectorEnv {
  readonly stepCostMs: number;

  constructor(options: EnvFactoryOptions) {
    super(options);
    const cost = configNumber(options.envConfig, 'stepCostMs', 0);
    if (cost < 0 || cost > MAX_STEP_COST_MS) {
      throw new ConfigError([
        {
          path: 'environment.envConfig.stepCostMs',
          message: `must be between 0 and ${MAX_STEP_COST_MS} ms of CPU per sub-env step, got ${cost}`,
          severity: 'error',
        },
      ]);
    }
    this.stepCostMs = cost;
  }

  override step(actions: Int32Array | Float32Array): void {
    burnCpu(this.stepCostMs * this.numEnvs);
    super.step(actions);
  }
}

/** Keeps the thread busy for `ms` (not a sleep: a slow simulator holds its core). */
export function burnCpu(ms: number): void {
  if (ms <= 0) return;
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  if (x < 0) throw new Error('unreachable'); // keeps the loop from being optimised away
}
