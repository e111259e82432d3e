// An env whose step() throws on its 10th call: the CLI must exit 1 naming this file and line.
import { box, discrete, registerEnv, vectorize, type Rng, type SingleEnv } from 'browser-rl/envs';

class StepThrows implements SingleEnv {
  private steps = 0;
  reset(_rng: Rng) {
    return [0];
  }
  step(_action: number) {
    this.steps++;
    if (this.steps === 10) throw new Error('step 10 is broken on purpose');
    return { obs: [0], reward: 0, terminated: false };
  }
  getState() {
    return [this.steps];
  }
  setState(s: ArrayLike<number>) {
    this.steps = s[0] ?? 0;
    return [0];
  }
}

registerEnv(
  'StepThrows-v0',
  vectorize({ observationSpace: box(0, 1, [1]), actionSpace: discrete(2), create: () => new StepThrows() }),
  { maxEpisodeSteps: 50 },
);
