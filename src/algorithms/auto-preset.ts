/**
 * The automatic preset (`preset: 'auto'`, the CLI's default for an env without a preset): a layout
 * sized from the env's spaces and the machine, so that a small user env trains as fast as the
 * tuned built-in presets instead of with RLlib's plain defaults (4,000 steps and 30 epochs per PPO
 * iteration, [256, 256] nets), which are sized for a cluster and a hard task.
 *
 * The shared part, decided here for every algorithm:
 *   - model: two hidden layers of width 4 x (obs dim + action dim), rounded up to a power of two,
 *     between 16 and 256 (a 1-number corridor gets [16, 16], CartPole [32, 32]);
 *   - sampling: on the page (numEnvRunners 0) with 2 or 3 cores, where a worker only competes with
 *     the learner for a core and costs its start-up; else half the cores, at most 4, in workers;
 *   - envs per runner: 8 (one batched forward pass serves them all).
 * Each algorithm's `autoPreset` adds its training settings on top (spec.ts).
 */
import { flatDim, type Box, type Discrete } from '../core/spaces';

/** What the automatic preset is sized from. */
export interface EnvShape {
  readonly envId: string;
  readonly observationSpace: Box;
  readonly actionSpace: Discrete | Box;
  /** The registered time limit; Infinity when none. */
  readonly maxEpisodeSteps: number;
  /** Gymnasium's reward_threshold, the preset's stop criterion when given. */
  readonly rewardThreshold: number | undefined;
}

export interface MachineShape {
  /** navigator.hardwareConcurrency. */
  readonly hardwareConcurrency: number;
}

/** The shared part of the automatic preset. */
export interface AutoLayout {
  readonly env: EnvShape;
  readonly numEnvRunners: number;
  readonly numEnvsPerEnvRunner: number;
  /** Runners that sample: numEnvRunners, or 1 (the page) when it is 0. */
  readonly numSamplers: number;
  readonly hiddens: readonly [number, number];
  /** Episode length to plan batches around: the time limit, capped at 200 (and 200 without one). */
  readonly horizon: number;
  /** The stop criteria: the env's reward threshold when it has one. */
  readonly stop: Readonly<Record<string, number>>;
  /** One line for the description: `2 layers of 16, 8 envs on the page`. */
  readonly summary: string;
}

const nextPow2 = (x: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, x)));
export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

export function autoLayout(env: EnvShape, machine: MachineShape): AutoLayout {
  const dims = flatDim(env.observationSpace) + flatDim(env.actionSpace);
  const width = clamp(nextPow2(4 * dims), 16, 256);
  const cores = Number.isFinite(machine.hardwareConcurrency) ? Math.max(1, machine.hardwareConcurrency) : 2;
  const numEnvRunners = cores <= 3 ? 0 : Math.min(4, Math.floor(cores / 2));
  const numEnvsPerEnvRunner = 8;
  const horizon = Number.isFinite(env.maxEpisodeSteps) ? clamp(env.maxEpisodeSteps, 1, 200) : 200;
  const stop: Record<string, number> = {};
  if (env.rewardThreshold !== undefined) stop['env_runners/episode_return_mean'] = env.rewardThreshold;
  const where = numEnvRunners === 0 ? 'on the page' : `in ${numEnvRunners} worker(s)`;
  return {
    env,
    numEnvRunners,
    numEnvsPerEnvRunner,
    numSamplers: Math.max(1, numEnvRunners),
    hiddens: [width, width],
    horizon,
    stop,
    summary: `[${width}, ${width}] nets, sampling ${where} (${cores} cores), obs dim ${flatDim(env.observationSpace)}`,
  };
}
