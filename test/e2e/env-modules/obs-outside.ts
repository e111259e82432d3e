// An env whose observation leaves its space (box(0, 1)) after a few steps: checkEnv must stop the run (exit 2).
import { box, discrete, registerEnv, vectorize, type Rng, type SingleEnv } from 'browser-rl/envs';

class Overflow implements SingleEnv {
  private pos = 0;
  reset(_rng: Rng) {
    this.pos = 0;
    return [this.pos];
  }
  step(action: number) {
    this.pos += action === 1 ? 0.25 : 0.1; // reaches 1.1 by step 11 at the latest
    return { obs: [this.pos], reward: 0, terminated: false };
  }
  getState() {
    return [this.pos];
  }
  setState(s: ArrayLike<number>) {
    this.pos = s[0] ?? 0;
    return [this.pos];
  }
}

registerEnv(
  'ObsOutside-v0',
  vectorize({ observationSpace: box(0, 1, [1]), actionSpace: discrete(2), create: () => new Overflow() }),
  { maxEpisodeSteps: 50 },
);
