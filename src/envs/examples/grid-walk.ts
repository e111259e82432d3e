import type { Rng } from '../../core/rng';
import { box, discrete } from '../../core/spaces';
import type { RenderContext } from '../types';
import type { SingleEnv, SingleEnvSpec, SingleEnvStep } from '../vectorize';

/**
 * A custom env for teaching, written as one plain class and turned into a VectorEnv with
 * `vectorize`. Not registered by default; register it like this:
 *
 * ```ts
 * import { registerEnv, vectorize } from '../index';
 * import { gridWalkSpec } from './grid-walk';
 * registerEnv('GridWalk-v0', vectorize(gridWalkSpec), { maxEpisodeSteps: 50 });
 * ```
 *
 * The agent walks along a corridor of `size` cells (envConfig `size`, default 8), starting in
 * one of the first three cells. Action 0 steps left, 1 steps right. Each step costs 0.01; reaching
 * the last cell gives +1 and ends the episode. The observation is the position scaled to [0, 1].
 */
export class GridWalk implements SingleEnv {
  private pos = 0;

  constructor(private readonly size: number) {}

  reset(rng: Rng): number[] {
    this.pos = rng.integer(3);
    return this.observe();
  }

  step(action: number): SingleEnvStep {
    this.pos = Math.min(this.size - 1, Math.max(0, this.pos + (action === 1 ? 1 : -1)));
    const atGoal = this.pos === this.size - 1;
    return { obs: this.observe(), reward: atGoal ? 1 : -0.01, terminated: atGoal };
  }

  getState(): number[] {
    return [this.pos];
  }

  setState(state: ArrayLike<number>): number[] {
    this.pos = state[0] ?? 0;
    return this.observe();
  }

  render(ctx: RenderContext, width: number, height: number): void {
    const cell = width / this.size;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    for (let c = 0; c < this.size; c++) {
      ctx.strokeStyle = '#000000';
      ctx.strokeRect(c * cell, height / 2 - cell / 2, cell, cell);
    }
    ctx.fillStyle = 'rgb(204, 204, 0)';
    ctx.fillRect((this.size - 1) * cell + 2, height / 2 - cell / 2 + 2, cell - 4, cell - 4);
    ctx.fillStyle = 'rgb(0, 204, 204)';
    ctx.beginPath();
    ctx.arc((this.pos + 0.5) * cell, height / 2, cell / 3, 0, 2 * Math.PI);
    ctx.fill();
  }

  private observe(): number[] {
    return [this.pos / (this.size - 1)];
  }
}

export const gridWalkSpec: SingleEnvSpec = {
  observationSpace: box(0, 1, [1]),
  actionSpace: discrete(2),
  create: (envConfig) => {
    const size = envConfig.size ?? 8;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 2) {
      throw new RangeError(`GridWalk: envConfig.size must be an integer >= 2, got ${JSON.stringify(size)}`);
    }
    return new GridWalk(size);
  },
};
