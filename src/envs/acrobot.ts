import type { Rng } from '../core/rng';
import { box, discrete } from '../core/spaces';
import { BaseVectorEnv } from './base-vector-env';
import { beginScene, endScene, fillCircle, fillPolygon, rotatedRect, strokePolyline } from './render-utils';
import type { EnvFactoryOptions, RenderContext } from './types';

// Constants of Gymnasium's gymnasium/envs/classic_control/acrobot.py (Sutton 1996; Sutton & Barto).
const DT = 0.2;
const LINK_LENGTH_1 = 1.0; // [m]
const LINK_LENGTH_2 = 1.0; // [m]
const LINK_MASS_1 = 1.0; // [kg] mass of link 1
const LINK_MASS_2 = 1.0; // [kg] mass of link 2
const LINK_COM_POS_1 = 0.5; // [m] position of the center of mass of link 1
const LINK_COM_POS_2 = 0.5; // [m] position of the center of mass of link 2
const LINK_MOI = 1.0; // moments of inertia for both links
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const AVAIL_TORQUE = [-1.0, 0.0, +1] as const;
const PI = Math.PI;

/**
 * Time derivative of `[theta1, theta2, dtheta1, dtheta2]` under torque `a` (Gymnasium's `_dsdt`
 * with `book_or_nips = "book"`: the equations of the book and the Java implementation).
 */
export function acrobotDsdt(s: Float64Array, a: number, out: Float64Array): void {
  const m1 = LINK_MASS_1;
  const m2 = LINK_MASS_2;
  const l1 = LINK_LENGTH_1;
  const lc1 = LINK_COM_POS_1;
  const lc2 = LINK_COM_POS_2;
  const I1 = LINK_MOI;
  const I2 = LINK_MOI;
  const g = 9.8;
  const theta1 = s[0]!;
  const theta2 = s[1]!;
  const dtheta1 = s[2]!;
  const dtheta2 = s[3]!;
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - PI / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * dtheta2 ** 2 * Math.sin(theta2) -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
    (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - PI / 2) +
    phi2;
  const ddtheta2 =
    (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 ** 2 * Math.sin(theta2) - phi2) /
    (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  out[0] = dtheta1;
  out[1] = dtheta2;
  out[2] = ddtheta1;
  out[3] = ddtheta2;
}

/** Gymnasium's `wrap`: shifts x by whole periods into [m, M]. */
function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}

/**
 * Acrobot-v1: swing a two-link chain's tip above the bar by torquing the middle joint. State
 * `[theta1, theta2, dtheta1, dtheta2]`, observation `[cos t1, sin t1, cos t2, sin t2, dt1, dt2]`,
 * reward -1 per step and 0 on the terminating step, 500-step limit. One RK4 step of dt = 0.2
 * per env step; `torque_noise_max = 0`.
 */
export class AcrobotVectorEnv extends BaseVectorEnv {
  // RK4 scratch, allocated once: step() must not allocate.
  private readonly y0 = new Float64Array(4);
  private readonly yi = new Float64Array(4);
  private readonly k1 = new Float64Array(4);
  private readonly k2 = new Float64Array(4);
  private readonly k3 = new Float64Array(4);
  private readonly k4 = new Float64Array(4);

  constructor(options: EnvFactoryOptions) {
    const high = [1.0, 1.0, 1.0, 1.0, MAX_VEL_1, MAX_VEL_2].map(Math.fround);
    super(options, {
      observation: box(
        high.map((h) => -h),
        high,
      ),
      action: discrete(3),
      stateDim: 4,
    });
  }

  step(actions: Int32Array | Float32Array): void {
    this.beginStep(actions);
    const s = this.state;
    for (let i = 0; i < this.numEnvs; i++) {
      const action = actions[i]!;
      if (action >>> 0 !== action || action > 2) this.invalidAction(i, action);
      const o = i * 4;
      for (let k = 0; k < 4; k++) this.y0[k] = s[o + k]!;
      this.rk4(AVAIL_TORQUE[action]!);
      s[o] = wrap(this.y0[0]!, -PI, PI);
      s[o + 1] = wrap(this.y0[1]!, -PI, PI);
      s[o + 2] = bound(this.y0[2]!, -MAX_VEL_1, MAX_VEL_1);
      s[o + 3] = bound(this.y0[3]!, -MAX_VEL_2, MAX_VEL_2);
      this.writeObs(i, this.obs);
      const terminated = -Math.cos(s[o]) - Math.cos(s[o + 1]! + s[o]) > 1.0;
      this.rewards[i] = terminated ? 0.0 : -1.0;
      this.finishStep(i, terminated);
    }
  }

  /** Gymnasium's `rk4(self._dsdt, s_augmented, [0, dt])`, in place on `y0`; the torque is constant. */
  private rk4(torque: number): void {
    const { y0, yi, k1, k2, k3, k4 } = this;
    const dt = DT - 0;
    const dt2 = dt / 2.0;
    acrobotDsdt(y0, torque, k1);
    for (let k = 0; k < 4; k++) yi[k] = y0[k]! + dt2 * k1[k]!;
    acrobotDsdt(yi, torque, k2);
    for (let k = 0; k < 4; k++) yi[k] = y0[k]! + dt2 * k2[k]!;
    acrobotDsdt(yi, torque, k3);
    for (let k = 0; k < 4; k++) yi[k] = y0[k]! + dt * k3[k]!;
    acrobotDsdt(yi, torque, k4);
    for (let k = 0; k < 4; k++) y0[k] = y0[k]! + (dt / 6.0) * (k1[k]! + 2 * k2[k]! + 2 * k3[k]! + k4[k]!);
  }

  protected sampleInitialState(i: number, rng: Rng): void {
    // uniform(-0.1, 0.1, size=(4,)).astype(np.float32): the initial state is float32-rounded.
    for (let k = 0; k < 4; k++) this.state[i * 4 + k] = Math.fround(rng.uniform(-0.1, 0.1));
  }

  protected writeObs(i: number, out: Float32Array): void {
    const s = this.state;
    const o = i * 4;
    const r = i * 6;
    out[r] = Math.cos(s[o]!);
    out[r + 1] = Math.sin(s[o]!);
    out[r + 2] = Math.cos(s[o + 1]!);
    out[r + 3] = Math.sin(s[o + 1]!);
    out[r + 4] = s[o + 2]!;
    out[r + 5] = s[o + 3]!;
  }

  /** Gymnasium's picture: two cyan links with yellow joints below a black target line, 500 x 500. */
  render(i: number, ctx: RenderContext): void {
    const dim = 500;
    const theta1 = this.state[i * 4]!;
    const theta2 = this.state[i * 4 + 1]!;
    const scale = dim / ((LINK_LENGTH_1 + LINK_LENGTH_2 + 0.2) * 2);
    const offset = dim / 2;
    // Joint positions: Gymnasium computes (row, col) pairs and swaps them ([:, ::-1]).
    const p1x = LINK_LENGTH_1 * Math.sin(theta1) * scale;
    const p1y = -LINK_LENGTH_1 * Math.cos(theta1) * scale;
    const joints = [
      [0, 0, theta1 - PI / 2, LINK_LENGTH_1 * scale],
      [p1x, p1y, theta1 + theta2 - PI / 2, LINK_LENGTH_2 * scale],
    ] as const;

    beginScene(ctx, dim, dim);
    strokePolyline(
      ctx,
      [
        [-2.2 * scale + offset, 1 * scale + offset],
        [2.2 * scale + offset, 1 * scale + offset],
      ],
      '#000000',
    );
    for (const [x, y, th, len] of joints) {
      const link = rotatedRect(0, len, 0.1 * scale, -0.1 * scale, th, x + offset, y + offset);
      fillPolygon(ctx, link, 'rgb(0, 204, 204)');
      fillCircle(ctx, x + offset, y + offset, 0.1 * scale, 'rgb(204, 204, 0)');
    }
    endScene(ctx);
  }
}
