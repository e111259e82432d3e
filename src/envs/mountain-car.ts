import type { Rng } from '../core/rng';
import { box, discrete } from '../core/spaces';
import { BaseVectorEnv, configNumber } from './base-vector-env';
import { beginScene, endScene, fillCircle, fillPolygon, rotate, strokePolyline, type Point } from './render-utils';
import type { EnvFactoryOptions, RenderContext } from './types';

// Constants of Gymnasium's gymnasium/envs/classic_control/mountain_car.py (Moore 1990).
export const MIN_POSITION = -1.2;
export const MAX_POSITION = 0.6;
export const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
const FORCE = 0.001;
const GRAVITY = 0.0025;

/**
 * MountainCar-v0: drive an under-powered car up the right hill by rocking it. State
 * `[position, velocity]`, actions 0 push left / 1 no push / 2 push right, reward -1 per step,
 * terminates at position >= 0.5 (and velocity >= goalVelocity), 200-step limit.
 *
 * envConfig: `goalVelocity` (Gymnasium's `goal_velocity`, default 0).
 */
export class MountainCarVectorEnv extends BaseVectorEnv {
  private readonly goalVelocity: number;

  constructor(options: EnvFactoryOptions) {
    super(options, {
      observation: box([MIN_POSITION, -MAX_SPEED].map(Math.fround), [MAX_POSITION, MAX_SPEED].map(Math.fround)),
      action: discrete(3),
      stateDim: 2,
    });
    this.goalVelocity = configNumber(options.envConfig, 'goalVelocity', 0);
  }

  step(actions: Int32Array | Float32Array): void {
    this.beginStep(actions);
    const s = this.state;
    for (let i = 0; i < this.numEnvs; i++) {
      const action = actions[i]!;
      if (action >>> 0 !== action || action > 2) this.invalidAction(i, action);
      let position = s[i * 2]!;
      let velocity = s[i * 2 + 1]!;
      velocity += (action - 1) * FORCE + Math.cos(3 * position) * -GRAVITY;
      velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
      position += velocity;
      position = Math.min(Math.max(position, MIN_POSITION), MAX_POSITION);
      if (position === MIN_POSITION && velocity < 0) velocity = 0;
      s[i * 2] = position;
      s[i * 2 + 1] = velocity;
      this.writeObs(i, this.obs);
      const terminated = position >= GOAL_POSITION && velocity >= this.goalVelocity;
      this.rewards[i] = -1.0;
      this.finishStep(i, terminated);
    }
  }

  protected sampleInitialState(i: number, rng: Rng): void {
    // np.array([self.np_random.uniform(low=-0.6, high=-0.4), 0])
    this.state[i * 2] = rng.uniform(-0.6, -0.4);
    this.state[i * 2 + 1] = 0;
  }

  protected writeObs(i: number, out: Float32Array): void {
    out[i * 2] = this.state[i * 2]!;
    out[i * 2 + 1] = this.state[i * 2 + 1]!;
  }

  render(i: number, ctx: RenderContext): void {
    renderMountainCar(ctx, this.state[i * 2]!, GOAL_POSITION);
  }
}

function height(x: number): number {
  return Math.sin(3 * x) * 0.45 + 0.55;
}

/** Gymnasium's picture for both mountain cars: the valley curve, the car, the yellow flag; 600 x 400. */
export function renderMountainCar(ctx: RenderContext, pos: number, goalPosition: number): void {
  const screenWidth = 600;
  const scale = screenWidth / (MAX_POSITION - MIN_POSITION);
  const carwidth = 40;
  const carheight = 20;
  const clearance = 10;
  const curve: Point[] = [];
  for (let k = 0; k < 100; k++) {
    const x = MIN_POSITION + ((MAX_POSITION - MIN_POSITION) * k) / 99;
    curve.push([(x - MIN_POSITION) * scale, height(x) * scale]);
  }
  const angle = Math.cos(3 * pos);
  const carX = (pos - MIN_POSITION) * scale;
  const carY = clearance + height(pos) * scale;
  const body: Point[] = (
    [
      [-carwidth / 2, 0],
      [-carwidth / 2, carheight],
      [carwidth / 2, carheight],
      [carwidth / 2, 0],
    ] as const
  ).map(([x, y]) => {
    const [rx, ry] = rotate(x, y, angle);
    return [rx + carX, ry + carY] as const;
  });
  const flagx = (goalPosition - MIN_POSITION) * scale;
  const flagy1 = height(goalPosition) * scale;
  const flagy2 = flagy1 + 50;

  beginScene(ctx, screenWidth, 400);
  strokePolyline(ctx, curve, '#000000');
  fillPolygon(ctx, body, '#000000');
  for (const wx of [carwidth / 4, -carwidth / 4]) {
    const [rx, ry] = rotate(wx, 0, angle);
    fillCircle(ctx, rx + carX, ry + carY, carheight / 2.5, 'rgb(128, 128, 128)');
  }
  strokePolyline(
    ctx,
    [
      [flagx, flagy1],
      [flagx, flagy2],
    ],
    '#000000',
  );
  fillPolygon(
    ctx,
    [
      [flagx, flagy2],
      [flagx, flagy2 - 10],
      [flagx + 25, flagy2 - 5],
    ],
    'rgb(204, 204, 0)',
  );
  endScene(ctx);
}
