// The README's mistake: `box` is used but not imported, a ReferenceError when the module loads.
import { discrete, registerEnv, vectorize, type Rng, type SingleEnv } from 'browser-rl/envs';

class Idle implements SingleEnv {
  reset(_rng: Rng) {
    return [0];
  }
  step(_action: number) {
    return { obs: [0], reward: 0, terminated: true };
  }
  getState() {
    return [0];
  }
  setState(_s: ArrayLike<number>) {
    return [0];
  }
}

declare const box: (low: number, high: number, shape: number[]) => never;
registerEnv(
  'Missing-v0',
  vectorize({ observationSpace: box(0, 1, [1]), actionSpace: discrete(2), create: () => new Idle() }),
);
