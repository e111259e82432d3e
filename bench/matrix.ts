/**
 * The algorithm matrix of `npm run bench`: which (algorithm, env) pairs run end to end, each from
 * its algorithm's preset for that env, to the env's threshold, with a step budget and a wall cap
 * per run so the whole matrix fits in about 20 minutes on a quiet 2-core machine. Plain data, so
 * a unit test can check that every row names a preset that exists.
 */
import type { Section } from './args';

/** The thresholds (Gymnasium's reward_threshold for CartPole-v1; the usual bars otherwise). */
export const ENV_THRESHOLDS: Readonly<Record<string, number>> = {
  'CartPole-v1': 475,
  'Acrobot-v1': -100,
  'Pendulum-v1': -250,
  'MountainCarContinuous-v0': 90,
};

export interface MatrixEntry {
  /** The `--only` section that runs this row. */
  readonly section: Section;
  readonly algo: string;
  readonly env: string;
  /** The algorithm's preset id (read at run time, so preset changes show in the next bench). */
  readonly preset: string;
  /** Env steps sampled at most (RLlib's tuned budget where it has one). */
  readonly maxSteps: number;
  /** Wall-clock cap of one run in seconds (the result's time_total_s). */
  readonly wallCapS: number;
  /** Config over the preset, e.g. the episode window a bar is stated over. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Trains on episodes recorded from a PPO agent instead of sampling (BC, MARWIL). */
  readonly offline?: boolean;
  /** A short note for the table (what differs from the other rows). */
  readonly note?: string;
  /** The return to reach, when not the env's threshold (an RLlib bar for its tuned preset). */
  readonly target?: number;
}

/** Seeds per row in the full run (the issue asks for at least 3). */
export const MATRIX_SEEDS = [1, 2, 3] as const;

/** --quick: one seed, small budgets; checks that every row runs, not how well. */
export const QUICK = { seeds: [1] as const, maxSteps: 20_000, wallCapS: 12, offlineIterations: 3 } as const;

/** Env steps recorded from the PPO agent for the offline rows, and the bar that agent must reach. */
export const OFFLINE_DATA = { numEnvSteps: 50_000, expertTarget: 475, expertMaxSteps: 300_000, expertWallCapS: 30 };

export const MATRIX: readonly MatrixEntry[] = [
  { section: 'ppo', algo: 'PPO', env: 'CartPole-v1', preset: 'CartPole-v1', maxSteps: 300_000, wallCapS: 30 },
  { section: 'ppo', algo: 'PPO', env: 'Acrobot-v1', preset: 'Acrobot-v1', maxSteps: 500_000, wallCapS: 40 },
  // RLlib's tuned bar is -300 within 400k (pendulum_ppo.py); the matrix asks for the issue's -250.
  { section: 'ppo', algo: 'PPO', env: 'Pendulum-v1', preset: 'Pendulum-v1', maxSteps: 400_000, wallCapS: 60 },
  // The wall-time presets of round 3 (bench/NOTES.md) run to their threshold; the caps only stop a stuck seed.
  { section: 'dqn', algo: 'DQN', env: 'CartPole-v1', preset: 'CartPole-v1', maxSteps: 300_000, wallCapS: 60 },
  { section: 'dqn', algo: 'DQN', env: 'Acrobot-v1', preset: 'Acrobot-v1', maxSteps: 200_000, wallCapS: 45 },
  // RLlib's SAC bar is a 10-episode mean (metrics_num_episodes_for_smoothing 10).
  {
    section: 'sac',
    algo: 'SAC',
    env: 'Pendulum-v1',
    preset: 'Pendulum-v1',
    maxSteps: 20_000,
    wallCapS: 45,
    config: { reporting: { metricsNumEpisodesForSmoothing: 10 } },
    note: '10-episode mean',
  },
  {
    section: 'sac',
    algo: 'SAC',
    env: 'MountainCarContinuous-v0',
    preset: 'MountainCarContinuous-v0',
    maxSteps: 50_000,
    wallCapS: 60,
    config: { reporting: { metricsNumEpisodesForSmoothing: 10 } },
    note: '10-episode mean',
  },
  { section: 'impala', algo: 'IMPALA', env: 'CartPole-v1', preset: 'CartPole-v1', maxSteps: 2_000_000, wallCapS: 45 },
  { section: 'appo', algo: 'APPO', env: 'CartPole-v1', preset: 'CartPole-v1', maxSteps: 1_000_000, wallCapS: 45 },
  { section: 'a2c', algo: 'A2C', env: 'CartPole-v1', preset: 'CartPole-v1', maxSteps: 1_000_000, wallCapS: 45 },
  // Offline: evaluation returns (10 episodes after each iteration); "env steps" are the recorded ones.
  {
    section: 'offline',
    algo: 'BC',
    env: 'CartPole-v1',
    preset: 'CartPole-v1',
    maxSteps: 0,
    wallCapS: 20,
    offline: true,
    note: '50k steps recorded from PPO',
  },
  {
    section: 'offline',
    algo: 'MARWIL',
    env: 'CartPole-v1',
    preset: 'CartPole-v1',
    maxSteps: 0,
    wallCapS: 20,
    offline: true,
    note: '50k steps recorded from PPO',
  },
];

/** Iterations an offline row may take (each is 20 gradient steps and a 10-episode evaluation). */
export const OFFLINE_MAX_ITERATIONS = 100;

/** The sections that feed the matrix; `--only algorithms` stands for all of them. */
export const MATRIX_SECTIONS: readonly Section[] = [...new Set(MATRIX.map((e) => e.section))];

/** The matrix rows the chosen sections run. */
export function matrixFor(only: ReadonlySet<Section>): MatrixEntry[] {
  return MATRIX.filter((e) => only.has(e.section));
}

/** Worst-case seconds of the full matrix: every run hits its wall cap (plus the offline rows' PPO agents). */
export function worstCaseSeconds(entries: readonly MatrixEntry[], seeds: number): number {
  const perSeed = entries.reduce((s, e) => s + e.wallCapS, 0);
  const experts = entries.some((e) => e.offline) ? OFFLINE_DATA.expertWallCapS : 0;
  return seeds * (perSeed + experts);
}
