import { RLError } from '../../core/errors';
import { Rng } from '../../core/rng';
import { box, discrete } from '../../core/spaces';
import { entropySeed } from '../base-vector-env';
import type { RenderContext } from '../types';
import { BaseMultiAgentVectorEnv } from './base-multi-agent-env';
import type { MultiAgentEnvFactoryOptions } from './types';

/** Actions: stay, up, down, left, right (dx, dy per action). */
const MOVES: readonly (readonly [number, number])[] = [
  [0, 0],
  [0, -1],
  [0, 1],
  [-1, 0],
  [1, 0],
];
const COLORS = ['#d0342c', '#2c6fd0'];

/**
 * CoinChase: a two-player competitive grid game. Players "0" and "1" move on a `size` x `size`
 * grid (stay/up/down/left/right, simultaneously); one coin lies on a free cell. Whoever steps on
 * it gets +1 (both at once: +0.5 each) and a new coin appears. Episodes are truncated after
 * `maxEpisodeSteps` (default 50). Each agent sees its own view, egocentric and scaled to [-1, 1]:
 * `[coin dx, coin dy, opponent dx, opponent dy, own x, own y]`.
 *
 * envConfig: `size` (grid side, 3..16, default 5).
 */
export class CoinChase extends BaseMultiAgentVectorEnv {
  readonly size: number;
  private readonly maxSteps: number;
  /** Per copy: x0, y0, x1, y1, coinX, coinY. */
  private readonly cells: Int32Array;
  private readonly steps: Int32Array;
  private readonly rngs: Rng[];

  constructor(options: MultiAgentEnvFactoryOptions) {
    const size = options.envConfig['size'] ?? 5;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 3 || size > 16) {
      throw new RLError(
        'env/invalid-config',
        `CoinChase: environment.envConfig.size must be an integer in [3, 16], got ${JSON.stringify(size)}`,
      );
    }
    const obsSpace = box([-1, -1, -1, -1, -1, -1], [1, 1, 1, 1, 1, 1]);
    super(options, {
      ids: ['0', '1'],
      observationSpaces: [obsSpace, obsSpace],
      actionSpaces: [discrete(5), discrete(5)],
    });
    this.size = size;
    this.maxSteps = Number.isFinite(options.maxEpisodeSteps) ? options.maxEpisodeSteps : 50;
    this.cells = new Int32Array(options.numEnvs * 6);
    this.steps = new Int32Array(options.numEnvs);
    const seed = options.seed ?? entropySeed();
    this.rngs = Array.from({ length: options.numEnvs }, (_, i) => new Rng(seed + i));
  }

  protected resetCopy(env: number, seed: number | undefined): void {
    if (seed !== undefined) this.rngs[env] = new Rng(seed);
    const rng = this.rngs[env]!;
    const c = env * 6;
    for (let k = 0; k < 4; k++) this.cells[c + k] = rng.integer(this.size);
    this.placeCoin(env);
    this.steps[env] = 0;
    this.alive[env * 2] = 1;
    this.alive[env * 2 + 1] = 1;
    this.writeObs(env);
  }

  step(actions: Int32Array | Float32Array): void {
    this.beginStep(actions);
    for (let env = 0; env < this.numEnvs; env++) {
      const c = env * 6;
      for (let p = 0; p < 2; p++) {
        const a = actions[env * 2 + p]!;
        if (!Number.isInteger(a) || a < 0 || a > 4) {
          throw new RLError('env/invalid-action', `CoinChase: action of copy ${env} agent ${p} must be 0..4, got ${a}`);
        }
        const [dx, dy] = MOVES[a]!;
        this.cells[c + 2 * p] = clamp(this.cells[c + 2 * p]! + dx, this.size);
        this.cells[c + 2 * p + 1] = clamp(this.cells[c + 2 * p + 1]! + dy, this.size);
      }
      const on0 = this.cells[c] === this.cells[c + 4] && this.cells[c + 1] === this.cells[c + 5];
      const on1 = this.cells[c + 2] === this.cells[c + 4] && this.cells[c + 3] === this.cells[c + 5];
      this.rewards[env * 2] = on0 ? (on1 ? 0.5 : 1) : 0;
      this.rewards[env * 2 + 1] = on1 ? (on0 ? 0.5 : 1) : 0;
      if (on0 || on1) this.placeCoin(env);
      this.writeObs(env);
      this.steps[env] = this.steps[env]! + 1;
      if (this.steps[env]! >= this.maxSteps) {
        this.keepFinalObs(env * 2);
        this.keepFinalObs(env * 2 + 1);
        this.endCopy(env, 'truncated');
      }
    }
  }

  /** Grid cells of copy `env`: [x0, y0, x1, y1, coinX, coinY] (for heuristics and tests). */
  getCells(env: number): Int32Array {
    return this.cells.slice(env * 6, env * 6 + 6);
  }

  private placeCoin(env: number): void {
    const c = env * 6;
    const rng = this.rngs[env]!;
    for (;;) {
      const x = rng.integer(this.size);
      const y = rng.integer(this.size);
      const taken =
        (x === this.cells[c] && y === this.cells[c + 1]) || (x === this.cells[c + 2] && y === this.cells[c + 3]);
      if (taken) continue;
      this.cells[c + 4] = x;
      this.cells[c + 5] = y;
      return;
    }
  }

  private writeObs(env: number): void {
    const c = env * 6;
    const scale = this.size - 1;
    for (let p = 0; p < 2; p++) {
      const o = (env * 2 + p) * 6;
      const x = this.cells[c + 2 * p]!;
      const y = this.cells[c + 2 * p + 1]!;
      const q = 1 - p;
      this.obs[o] = (this.cells[c + 4]! - x) / scale;
      this.obs[o + 1] = (this.cells[c + 5]! - y) / scale;
      this.obs[o + 2] = (this.cells[c + 2 * q]! - x) / scale;
      this.obs[o + 3] = (this.cells[c + 2 * q + 1]! - y) / scale;
      this.obs[o + 4] = (2 * x) / scale - 1;
      this.obs[o + 5] = (2 * y) / scale - 1;
    }
  }

  /** The grid, both players (red "0", blue "1") and the coin; `slot` outlines that agent's view. */
  render(env: number, ctx: RenderContext, slot?: number): void {
    const w = ctx.canvas.width;
    const h = ctx.canvas.height;
    const cell = Math.min(w, h) / this.size;
    const c = env * 6;
    ctx.fillStyle = '#f4f1e8';
    ctx.fillRect(0, 0, w, h);
    ctx.strokeStyle = '#c8c2b0';
    ctx.lineWidth = 1;
    for (let i = 0; i <= this.size; i++) {
      ctx.beginPath();
      ctx.moveTo(i * cell, 0);
      ctx.lineTo(i * cell, this.size * cell);
      ctx.moveTo(0, i * cell);
      ctx.lineTo(this.size * cell, i * cell);
      ctx.stroke();
    }
    ctx.fillStyle = '#e0b020';
    ctx.beginPath();
    ctx.arc((this.cells[c + 4]! + 0.5) * cell, (this.cells[c + 5]! + 0.5) * cell, cell * 0.25, 0, 2 * Math.PI);
    ctx.fill();
    for (let p = 0; p < 2; p++) {
      const x = this.cells[c + 2 * p]!;
      const y = this.cells[c + 2 * p + 1]!;
      ctx.fillStyle = COLORS[p]!;
      const inset = p === 0 ? 0.15 : 0.3;
      ctx.fillRect((x + inset) * cell, (y + inset) * cell, cell * (1 - 2 * inset), cell * (1 - 2 * inset));
      if (slot === p) {
        ctx.strokeStyle = COLORS[p]!;
        ctx.lineWidth = 3;
        ctx.strokeRect(x * cell + 2, y * cell + 2, cell - 4, cell - 4);
      }
    }
  }
}

function clamp(v: number, size: number): number {
  return v < 0 ? 0 : v >= size ? size - 1 : v;
}

/** A greedy opponent for evaluation: steps along the larger coin offset of its own view. */
export function greedyCoinChaseAction(obs: Float32Array, offset: number): number {
  const dx = obs[offset]!;
  const dy = obs[offset + 1]!;
  if (dx === 0 && dy === 0) return 0;
  if (Math.abs(dx) >= Math.abs(dy)) return dx > 0 ? 4 : 3;
  return dy > 0 ? 2 : 1;
}
