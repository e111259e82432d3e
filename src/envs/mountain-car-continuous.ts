import type { Rng } from '../core/rng';
import { box } from '../core/spaces';
import { BaseVectorEnv, configNumber } from './base-vector-env';
import { MAX_POSITION, MAX_SPEED, MIN_POSITION, renderMountainCar } from './mountain-car';
import type { EnvFactoryOptions, RenderContext } from './types';

// Constants of Gymnasium's gymnasium/envs/classic_control/continuous_mountain_car.py.
const MIN_ACTION = -1.0;
const MAX_ACTION = 1.0;
const GOAL_POSITION = 0.45; // was 0.5 in gymnasium, 0.45 in Arnaud de Broissia's version
const POWER = 0.0015;

/**
 * MountainCarContinuous-v0: the mountain car with a force in [-1, 1]. Reward -0.1 * action^2
 * per step (of the unclipped action, as in Gymnasium) plus 100 on reaching position >= 0.45,
 * 999-step limit. Gymnasium stores this env's state as float32 after every step, so we round it
 * the same way to stay step-for-step identical.
 *
 * envConfig: `goalVelocity` (Gymnasium's `goal_velocity`, default 0).
 */
export class MountainCarContinuousVectorEnv extends BaseVectorEnv {
  private readonly goalVelocity: number;

  constructor(options: EnvFactoryOptions) {
    super(options, {
      observation: box([MIN_POSITION, -MAX_SPEED].map(Math.fround), [MAX_POSITION, MAX_SPEED].map(Math.fround)),
      action: box(MIN_ACTION, MAX_ACTION, [1]),
      stateDim: 2,
    });
    this.goalVelocity = configNumber(options.envConfig, 'goalVelocity', 0);
  }

  step(actions: Int32Array | Float32Array): void {
    this.beginStep(actions);
    const s = this.state;
    for (let i = 0; i < this.numEnvs; i++) {
      const action = actions[i]!;
      let position = s[i * 2]!;
      let velocity = s[i * 2 + 1]!;
      const force = Math.min(Math.max(action, MIN_ACTION), MAX_ACTION);

      velocity += force * POWER - 0.0025 * Math.cos(3 * position);
      if (velocity > MAX_SPEED) velocity = MAX_SPEED;
      if (velocity < -MAX_SPEED) velocity = -MAX_SPEED;
      position += velocity;
      if (position > MAX_POSITION) position = MAX_POSITION;
      if (position < MIN_POSITION) position = MIN_POSITION;
      if (position === MIN_POSITION && velocity < 0) velocity = 0;

      const terminated = position >= GOAL_POSITION && velocity >= this.goalVelocity;
      let reward = 0;
      if (terminated) reward = 100.0;
      reward -= Math.pow(action, 2) * 0.1;

      // self.state = np.array([position, velocity], dtype=np.float32)
      s[i * 2] = Math.fround(position);
      s[i * 2 + 1] = Math.fround(velocity);
      this.writeObs(i, this.obs);
      this.rewards[i] = reward;
      this.finishStep(i, terminated);
    }
  }

  protected sampleInitialState(i: number, rng: Rng): void {
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
