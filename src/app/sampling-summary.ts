/**
 * The configuration panel's one sentence about sampling: runners x envs x steps per round, and
 * what one iteration really samples. An off-policy iteration (DQN, SAC) repeats a short training
 * step (sample a few env steps, one replay update, a weight sync) until
 * min_sample_timesteps_per_iteration env steps, so its round and its iteration differ by 200x.
 */
import type { SamplingLayout } from '../algorithms/spec';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const plural = (n: number, word: string): string => `${int(n)} ${word}${n === 1 ? '' : 's'}`;

export function samplingSummary(
  layout: SamplingLayout,
  envRunners: { readonly numEnvRunners: number; readonly numEnvsPerEnvRunner: number },
): string {
  const runners = envRunners.numEnvRunners === 0 ? '1 runner (the page)' : plural(envRunners.numEnvRunners, 'runner');
  const perRound = layout.stepsPerSampleCall * layout.numRunnersSampling;
  const round = `${runners} × ${plural(envRunners.numEnvsPerEnvRunner, 'env')} × ${plural(layout.rolloutFragmentLength, 'step')} = ${int(perRound)} env steps per round`;
  if (layout.envStepsPerIteration !== undefined && layout.trainingStepsPerIteration !== undefined) {
    return (
      `${round}; ${plural(layout.trainingStepsPerIteration, 'training step')} (sample, update, weight sync) = ` +
      `${int(layout.envStepsPerIteration)} env steps per iteration.`
    );
  }
  if (layout.numSampleRounds > 1) {
    return `${round}; ${int(layout.numSampleRounds)} rounds = ${int(layout.trainBatchSize)} env steps per iteration.`;
  }
  return `${round}; ${int(layout.trainBatchSize)} per iteration.`;
}
