/**
 * The algorithm matrix of `npm run bench`: which (algorithm, env) pairs run end to end, each from
 * its algorithm's preset for that env, to the env's threshold, with a step budget and a wall cap
 * per run so the single-agent rows fit in about 20 minutes on a quiet 2-core machine. The
 * multi-agent rows (two agents, one module each, every module to the threshold) run one seed
 * each and add at most ~20 minutes more. Plain data, so a unit test can check that every row
 * names a preset that exists.
 */
import { MIN_MODULE_EPISODE_RETURNS_MEAN } from '../src/algorithms/multi-agent/multi-agent-windows';
import type { Section } from './args';

/** The thresholds (Gymnasium's reward_threshold for CartPole-v1; the usual bars otherwise). */
export const ENV_THRESHOLDS: Readonly<Record<string, number>> = {
  'CartPole-v1': 475,
  'Acrobot-v1': -100,
  'Pendulum-v1': -250,
  'MountainCarContinuous-v0': 90,
  // Issue 30's bars, for every module of a 2-agent run.
  MultiAgentCartPole: 450,
  MultiAgentPendulum: -300,
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
  /** The return the threshold is judged on; default env_runners/episode_return_mean. */
  readonly returnKey?: string;
  /** Seeds of a full run when not MATRIX_SEEDS (the long multi-agent rows run one). */
  readonly seeds?: readonly number[];
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

/** Two agents, one module each (p0, p1): the multi-agent rows' policies, judged on the lowest module's mean. */
const TWO_MODULES = {
  returnKey: MIN_MODULE_EPISODE_RETURNS_MEAN,
  seeds: [1],
  config: { multiAgent: { policies: ['p0', 'p1'], policyMappingFn: { '0': 'p0', '1': 'p1' } } },
  note: 'every module (2 agents, 2 policies), 1 seed',
} as const;

/**
 * Issue 30's must-show rows: multi-agent CartPole with PPO, DQN, IMPALA, APPO; multi-agent Pendulum
 * with SAC. Their own section (`--only multi-agent-matrix`, part of `algorithms`): one seed each, but
 * up to ~20 minutes, so a single-agent `--only dqn` stays short.
 */
const MULTI_AGENT_ROWS: readonly MatrixEntry[] = [
  {
    ...TWO_MODULES,
    section: 'multi-agent-matrix',
    algo: 'PPO',
    env: 'MultiAgentCartPole',
    preset: 'MultiAgentCartPole',
    maxSteps: 600_000,
    wallCapS: 90,
  },
  {
    ...TWO_MODULES,
    section: 'multi-agent-matrix',
    algo: 'DQN',
    env: 'MultiAgentCartPole',
    preset: 'MultiAgentCartPole',
    maxSteps: 200_000,
    wallCapS: 600,
  },
  {
    ...TWO_MODULES,
    section: 'multi-agent-matrix',
    algo: 'SAC',
    env: 'MultiAgentPendulum',
    preset: 'MultiAgentPendulum',
    maxSteps: 40_000,
    wallCapS: 300,
    note: 'every module (2 agents, 2 policies), 10-episode mean, 1 seed',
  },
  {
    ...TWO_MODULES,
    section: 'multi-agent-matrix',
    algo: 'IMPALA',
    env: 'MultiAgentCartPole',
    preset: 'MultiAgentCartPole',
    maxSteps: 2_000_000,
    wallCapS: 180,
  },
  {
    ...TWO_MODULES,
    section: 'multi-agent-matrix',
    algo: 'APPO',
    env: 'MultiAgentCartPole',
    preset: 'MultiAgentCartPole',
    maxSteps: 1_000_000,
    wallCapS: 150,
  },
];

/** Iterations an offline row may take (each is 20 gradient steps and a 10-episode evaluation). */
export const OFFLINE_MAX_ITERATIONS = 100;

/** Every row: the single-agent matrix, then the multi-agent rows. */
export const ALL_ROWS: readonly MatrixEntry[] = [...MATRIX, ...MULTI_AGENT_ROWS];

/** The sections that feed the matrix; `--only algorithms` stands for all of them. */
export const MATRIX_SECTIONS: readonly Section[] = [...new Set(ALL_ROWS.map((e) => e.section))];

/** The matrix rows the chosen sections run. */
export function matrixFor(only: ReadonlySet<Section>): MatrixEntry[] {
  return ALL_ROWS.filter((e) => only.has(e.section));
}

/** The seeds a row runs: one for --quick, its own or MATRIX_SEEDS otherwise. */
export function seedsOf(e: MatrixEntry, quick: boolean): readonly number[] {
  return quick ? QUICK.seeds : (e.seeds ?? MATRIX_SEEDS);
}

/** Worst-case seconds of a run of `entries`: every run hits its wall cap (plus the offline rows' PPO agents). */
export function worstCaseSeconds(entries: readonly MatrixEntry[], quick = false): number {
  const runs = entries.reduce((s, e) => s + e.wallCapS * seedsOf(e, quick).length, 0);
  const offline = entries.find((e) => e.offline);
  const experts = offline ? OFFLINE_DATA.expertWallCapS * seedsOf(offline, quick).length : 0;
  return runs + experts;
}
