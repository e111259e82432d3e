import type { Rng } from '../core/rng';
import { box } from '../core/spaces';
import { BaseVectorEnv, configNumber } from './base-vector-env';
import { beginScene, endScene, fillCircle, fillPolygon, rotatedRect, strokePolyline, type Point } from './render-utils';
import type { EnvFactoryOptions, RenderContext } from './types';

// Constants of Gymnasium's gymnasium/envs/classic_control/pendulum.py.
const MAX_SPEED = 8;
const MAX_TORQUE = 2.0;
const DT = 0.05;
const M = 1.0;
const L = 1.0;

/** Gymnasium's `angle_normalize`: ((x + pi) % (2 pi)) - pi with numpy's floored modulo. */
export function angleNormalize(x: number): number {
  const period = 2 * Math.PI;
  let m = (x + Math.PI) % period;
  if (m !== 0 && m < 0) m += period; // numpy's % takes the divisor's sign; JS's takes the dividend's
  return m - Math.PI;
}

/**
 * Pendulum-v1: swing a pendulum up and hold it with a torque in [-2, 2]. State `[theta,
 * thetaDot]` (theta = 0 upright), observation `[cos, sin, thetaDot]`, reward
 * -(theta^2 + 0.1 thetaDot^2 + 0.001 u^2), never terminates, 200-step limit.
 *
 * envConfig: `g` (gravity, default 10.0, as Gymnasium's `g` argument).
 */
export class PendulumVectorEnv extends BaseVectorEnv {
  private readonly g: number;
  /** Last clipped torque per sub-env, for the picture (NaN after a reset, as `last_u = None`). */
  private readonly lastU: Float64Array;

  constructor(options: EnvFactoryOptions) {
    super(options, {
      observation: box([-1, -1, -MAX_SPEED], [1, 1, MAX_SPEED]),
      action: box(-MAX_TORQUE, MAX_TORQUE, [1]),
      stateDim: 2,
    });
    this.g = configNumber(options.envConfig, 'g', 10.0);
    this.lastU = new Float64Array(this.numEnvs).fill(Number.NaN);
  }

  step(actions: Int32Array | Float32Array): void {
    this.beginStep(actions);
    const s = this.state;
    const g = this.g;
    for (let i = 0; i < this.numEnvs; i++) {
      const th = s[i * 2]!;
      const thdot = s[i * 2 + 1]!;
      const u = Math.min(Math.max(actions[i]!, -MAX_TORQUE), MAX_TORQUE);
      this.lastU[i] = u;
      const costs = angleNormalize(th) ** 2 + 0.1 * thdot ** 2 + 0.001 * u ** 2;

      let newthdot = thdot + (((3 * g) / (2 * L)) * Math.sin(th) + (3.0 / (M * L ** 2)) * u) * DT;
      newthdot = Math.min(Math.max(newthdot, -MAX_SPEED), MAX_SPEED);
      const newth = th + newthdot * DT;

      s[i * 2] = newth;
      s[i * 2 + 1] = newthdot;
      this.writeObs(i, this.obs);
      this.rewards[i] = -costs;
      this.finishStep(i, false);
    }
  }

  protected sampleInitialState(i: number, rng: Rng): void {
    // self.np_random.uniform(low=-[pi, 1], high=[pi, 1])
    this.state[i * 2] = rng.uniform(-Math.PI, Math.PI);
    this.state[i * 2 + 1] = rng.uniform(-1.0, 1.0);
    this.lastU[i] = Number.NaN;
  }

  protected writeObs(i: number, out: Float32Array): void {
    const theta = this.state[i * 2]!;
    out[i * 3] = Math.cos(theta);
    out[i * 3 + 1] = Math.sin(theta);
    out[i * 3 + 2] = this.state[i * 2 + 1]!;
  }

  /** Gymnasium's picture: a red rod from a black axle, plus an arc arrow sized by the last torque. */
  render(i: number, ctx: RenderContext): void {
    const dim = 500;
    const scale = dim / (2.2 * 2);
    const offset = dim / 2;
    const rodLength = 1 * scale;
    const rodWidth = 0.2 * scale;
    const angle = this.state[i * 2]! + Math.PI / 2;
    const red = 'rgb(204, 77, 77)';

    beginScene(ctx, dim, dim);
    fillPolygon(ctx, rotatedRect(0, rodLength, rodWidth / 2, -rodWidth / 2, angle, offset, offset), red);
    fillCircle(ctx, offset, offset, rodWidth / 2, red);
    fillCircle(ctx, offset + rodLength * Math.cos(angle), offset + rodLength * Math.sin(angle), rodWidth / 2, red);
    const u = this.lastU[i]!;
    if (!Number.isNaN(u) && u !== 0) drawTorqueArrow(ctx, offset, offset, (scale * Math.abs(u)) / 4, u > 0);
    fillCircle(ctx, offset, offset, 0.05 * scale, '#000000');
    endScene(ctx);
  }
}

/** Stands in for Gymnasium's clockwise.png: a 3/4 arc with an arrow head, counter-clockwise for u > 0. */
function drawTorqueArrow(ctx: RenderContext, cx: number, cy: number, radius: number, counterClockwise: boolean): void {
  const start = -Math.PI / 2;
  const sweep = counterClockwise ? 1.5 * Math.PI : -1.5 * Math.PI;
  const arc: Point[] = [];
  for (let k = 0; k <= 24; k++) {
    const a = start + (sweep * k) / 24;
    arc.push([cx + radius * Math.cos(a), cy + radius * Math.sin(a)]);
  }
  strokePolyline(ctx, arc, '#000000', Math.max(2, radius / 8));
  const end = start + sweep;
  const tip: Point = [cx + radius * Math.cos(end), cy + radius * Math.sin(end)];
  const dir = counterClockwise ? end + Math.PI / 2 : end - Math.PI / 2; // tangent along the sweep
  const head = radius / 3;
  fillPolygon(
    ctx,
    [
      [tip[0] + head * Math.cos(dir), tip[1] + head * Math.sin(dir)],
      [tip[0] + (head / 2) * Math.cos(dir + Math.PI / 2), tip[1] + (head / 2) * Math.sin(dir + Math.PI / 2)],
      [tip[0] + (head / 2) * Math.cos(dir - Math.PI / 2), tip[1] + (head / 2) * Math.sin(dir - Math.PI / 2)],
    ],
    '#000000',
  );
}
