import type { Rng } from '../../core/rng';
import { box, discrete } from '../../core/spaces';
import type { RenderContext } from '../types';
import type { SingleEnv, SingleEnvSpec, SingleEnvStep } from '../vectorize';

/**
 * A custom env for teaching, written as one plain class and turned into a VectorEnv with
 * `vectorize`, and registered as `GridWalk-v0` in `../user-envs.ts` (the place for your own):
 *
 * ```ts
 * registerEnv('GridWalk-v0', vectorize(gridWalkSpec), { maxEpisodeSteps: 50, rewardThreshold: 0.9 });
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
    const cell = Math.min(width / this.size, height);
    const top = height / 2 - cell / 2;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    // Cell borders.
    ctx.strokeStyle = '#000000';
    ctx.beginPath();
    for (let c = 0; c <= this.size; c++) {
      ctx.moveTo(c * cell, top);
      ctx.lineTo(c * cell, top + cell);
    }
    ctx.moveTo(0, top);
    ctx.lineTo(this.size * cell, top);
    ctx.moveTo(0, top + cell);
    ctx.lineTo(this.size * cell, top + cell);
    ctx.stroke();
    // The goal cell.
    const goalX = (this.size - 1) * cell;
    ctx.fillStyle = 'rgb(204, 204, 0)';
    ctx.beginPath();
    ctx.moveTo(goalX + 2, top + 2);
    ctx.lineTo(goalX + cell - 2, top + 2);
    ctx.lineTo(goalX + cell - 2, top + cell - 2);
    ctx.lineTo(goalX + 2, top + cell - 2);
    ctx.closePath();
    ctx.fill();
    // The agent.
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
