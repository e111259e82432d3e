import type { Rng } from '../core/rng';
import { box, discrete } from '../core/spaces';
import { BaseVectorEnv, configBoolean } from './base-vector-env';
import { beginScene, endScene, fillCircle, fillPolygon, rotatedRect, strokePolyline } from './render-utils';
import type { EnvFactoryOptions, RenderContext } from './types';

// Constants of Gymnasium's gymnasium/envs/classic_control/cartpole.py (Barto, Sutton & Anderson 1983).
// Exported for CartPoleGpu-v1's shader (cartpole-gpu.ts), which steps the same equations.
export const GRAVITY = 9.8;
export const MASSCART = 1.0;
export const MASSPOLE = 0.1;
export const TOTAL_MASS = MASSPOLE + MASSCART;
export const LENGTH = 0.5; // actually half the pole's length
export const POLEMASS_LENGTH = MASSPOLE * LENGTH;
export const FORCE_MAG = 10.0;
export const TAU = 0.02; // seconds between state updates
/** Angle at which the episode fails: 12 degrees. */
export const THETA_THRESHOLD_RADIANS = (12 * 2 * Math.PI) / 360;
export const X_THRESHOLD = 2.4;

/**
 * CartPole-v1: push a cart left or right to keep a pole upright. State `[x, xDot, theta,
 * thetaDot]`, reward +1 per step including the terminating one, terminates when |theta| > 12 deg
 * or |x| > 2.4, 500-step limit. Explicit Euler integration, as Gymnasium's default
 * `kinematics_integrator = "euler"`.
 *
 * envConfig: `suttonBartoReward` (Gymnasium's `sutton_barto_reward`: 0 per step, -1 on failure).
 */
export class CartPoleVectorEnv extends BaseVectorEnv {
  protected readonly suttonBartoReward: boolean;

  constructor(options: EnvFactoryOptions) {
    // Angle limit is 2 * theta_threshold so a failing observation is still within bounds.
    const high = [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD_RADIANS * 2, Infinity].map(Math.fround);
    super(options, {
      observation: box(
        high.map((h) => -h),
        high,
      ),
      action: discrete(2),
      stateDim: 4,
    });
    this.suttonBartoReward = configBoolean(options.envConfig, 'suttonBartoReward', false);
  }

  step(actions: Int32Array | Float32Array): void {
    this.beginStep(actions);
    const s = this.state;
    for (let i = 0; i < this.numEnvs; i++) {
      const action = actions[i]!;
      if (action !== 0 && action !== 1) this.invalidAction(i, action);
      const o = i * 4;
      let x = s[o]!;
      let xDot = s[o + 1]!;
      let theta = s[o + 2]!;
      let thetaDot = s[o + 3]!;

      const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
      const costheta = Math.cos(theta);
      const sintheta = Math.sin(theta);
      // For the interested reader: https://coneural.org/florian/papers/05_cart_pole.pdf
      const temp = (force + POLEMASS_LENGTH * (thetaDot * thetaDot) * sintheta) / TOTAL_MASS;
      const thetaacc =
        (GRAVITY * sintheta - costheta * temp) /
        (LENGTH * (4.0 / 3.0 - (MASSPOLE * (costheta * costheta)) / TOTAL_MASS));
      const xacc = temp - (POLEMASS_LENGTH * thetaacc * costheta) / TOTAL_MASS;

      x = x + TAU * xDot;
      xDot = xDot + TAU * xacc;
      theta = theta + TAU * thetaDot;
      thetaDot = thetaDot + TAU * thetaacc;
      s[o] = x;
      s[o + 1] = xDot;
      s[o + 2] = theta;
      s[o + 3] = thetaDot;
      this.writeObs(i, this.obs);

      const terminated =
        x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD_RADIANS || theta > THETA_THRESHOLD_RADIANS;
      this.rewards[i] = this.suttonBartoReward ? (terminated ? -1 : 0) : 1;
      this.finishStep(i, terminated);
    }
  }

  protected sampleInitialState(i: number, rng: Rng): void {
    // self.np_random.uniform(low=-0.05, high=0.05, size=(4,))
    for (let k = 0; k < 4; k++) this.state[i * 4 + k] = rng.uniform(-0.05, 0.05);
  }

  protected writeObs(i: number, out: Float32Array): void {
    const o = i * 4;
    out[o] = this.state[o]!;
    out[o + 1] = this.state[o + 1]!;
    out[o + 2] = this.state[o + 2]!;
    out[o + 3] = this.state[o + 3]!;
  }

  /** Gymnasium's picture: black cart on a track, brown pole, blue axle, 600 x 400 screen. */
  render(i: number, ctx: RenderContext): void {
    const screenWidth = 600;
    const scale = screenWidth / (X_THRESHOLD * 2);
    const polewidth = 10.0;
    const polelen = scale * (2 * LENGTH);
    const cartwidth = 50.0;
    const cartheight = 30.0;
    const x = this.state[i * 4]!;
    const theta = this.state[i * 4 + 2]!;
    const cartx = x * scale + screenWidth / 2.0; // middle of cart
    const carty = 100; // top of cart
    const axleoffset = cartheight / 4.0;

    beginScene(ctx, screenWidth, 400);
    strokePolyline(
      ctx,
      [
        [0, carty],
        [screenWidth, carty],
      ],
      '#000000',
    );
    fillPolygon(
      ctx,
      rotatedRect(-cartwidth / 2, cartwidth / 2, cartheight / 2, -cartheight / 2, 0, cartx, carty),
      '#000000',
    );
    const pole = rotatedRect(
      -polewidth / 2,
      polewidth / 2,
      polelen - polewidth / 2,
      -polewidth / 2,
      -theta,
      cartx,
      carty + axleoffset,
    );
    fillPolygon(ctx, pole, 'rgb(202, 152, 101)');
    fillCircle(ctx, cartx, carty + axleoffset, polewidth / 2, 'rgb(129, 132, 203)');
    endScene(ctx);
  }
}
