/**
 * AlgorithmSpec: everything the app, the UI and the CLI know about an algorithm, without loading
 * TF.js. Defaults, RLlib key aliases, validation, the sampling layout, presets, form fields and
 * charts are plain data and light functions; the implementation (learner, loss, training step)
 * comes from `load()`, a dynamic import, only when a run is built.
 *
 * RLlib keeps the same split: `AlgorithmConfig` (data + validate) is importable without building
 * anything, and `config.build_algo()` pulls in the Learner and RLModule classes.
 */
import type { AlgorithmConfigBase, DeepPartial, ScheduleValue } from '../core/config';
import type { SectionDef, SectionedKeys } from '../core/config-tables';
import type { ValidationContext } from '../core/config-validation';
import type { ConfigIssue } from '../core/errors';
import type { Algorithm } from './algorithm';
import type { AlgorithmConfigBuilder } from './algorithm-config';
import type { AutoLayout } from './auto-preset';
import type { RLlibMapping } from './rllib/rllib-mapping';

/** How one iteration's samples are laid out over runners (RLlib's rollout_fragment_length logic). */
export interface SamplingLayout {
  /** Steps per sub-env per sample call ('auto' resolved). */
  readonly rolloutFragmentLength: number;
  /** Env steps one runner returns per sample call: rolloutFragmentLength * numEnvsPerEnvRunner. */
  readonly stepsPerSampleCall: number;
  /** Env steps sampled per iteration (whole rounds of sample calls). */
  readonly trainBatchSize: number;
  /** Runners that sample: numEnvRunners, or 1 (the local runner on the page) when it is 0. */
  readonly numRunnersSampling: number;
  /** Rounds of parallel sample calls per iteration. */
  readonly numSampleRounds: number;
  /**
   * Env steps one iteration samples, where an iteration repeats its training step (sample,
   * update, weight sync) until a minimum is sampled (RLlib's min_sample_timesteps_per_iteration:
   * DQN, SAC, A2C): whole training steps until at least that many. Absent: trainBatchSize.
   */
  readonly envStepsPerIteration?: number;
  /** Training steps per iteration when envStepsPerIteration repeats them. */
  readonly trainingStepsPerIteration?: number;
}

export type { FieldKind } from '../core/config-catalogue';
export type { FieldDef, SectionDef } from '../core/config-tables';

/** One line of a chart: a result key, its legend label and a theme colour variable. */
export interface SeriesDef {
  readonly key: string;
  readonly label: string;
  readonly color: string;
  /** 'y2' puts it on a right-hand axis (a loss 100x the others). */
  readonly scale?: 'y2';
  readonly dash?: readonly number[];
}

export interface ChartDef {
  readonly title: string;
  /** data-testid of the chart, e.g. `chart-losses`. */
  readonly testid: string;
  readonly series: readonly SeriesDef[];
}

export interface Preset<C extends AlgorithmConfigBase = AlgorithmConfigBase> {
  /** One plain sentence: what the preset is for (shown under the preset menu). */
  readonly description: string;
  /** The tuning notes and sources (sizes, why each value), folded under "details" on the page. */
  readonly details?: string;
  readonly config: DeepPartial<C>;
  /** RLlib-style stop criteria the source reports for this setup, where it reports them. */
  readonly stop?: Readonly<Record<string, number>>;
  /** Named alternatives for the same env (e.g. 'cleanrl'). */
  readonly variants?: Readonly<Record<string, Omit<Preset<C>, 'variants'>>>;
}

/**
 * Any algorithm's config as app/, ui/ and cli/ handle it: the shared sections plus a `training`
 * section whose fields belong to the algorithm (RLlib's base AlgorithmConfig has lr, gamma and
 * train_batch_size_per_learner for every algorithm, so those are typed).
 */
export type AnyAlgorithmConfig = AlgorithmConfigBase & {
  readonly training: {
    readonly lr: ScheduleValue;
    readonly gamma: number;
    readonly trainBatchSizePerLearner: number;
  };
};

/** Options for building an algorithm (tests pass fake runners; benchmarks force a backend). */
export interface BuildOptions {
  /** Force a TF.js backend for the Learner instead of deciding from numGpusPerLearner. */
  readonly backend?: 'webgpu' | 'webgl' | 'wasm' | 'cpu';
  /** Fake workers, for tests (see runtime/runner-connection.ts). */
  readonly connect?: unknown;
}

/** What `load()` resolves to: the implementation module of an algorithm. */
export interface AlgorithmImplementation<C extends AlgorithmConfigBase = AlgorithmConfigBase> {
  build(config: C, opts?: BuildOptions): Promise<Algorithm<C>>;
}

export interface AlgorithmSpec<C extends AlgorithmConfigBase = AlgorithmConfigBase> {
  /** RLlib's class name: 'PPO', 'DQN', ... (config.algo). */
  readonly name: C['algo'];
  /** One line for menus: 'PPO — proximal policy optimization (on-policy)'. */
  readonly title: string;
  /** One sentence under the algorithm menu (what it is, the paper); optional. */
  readonly description?: string;
  /** What the algorithm's plain defaults are, shown for the "no preset" choice; optional. */
  readonly defaultsNote?: string;
  /** Action space kinds it can train. */
  readonly actionSpaces: readonly ('discrete' | 'box')[];
  /** Every key of the config, declared once (its catalogue); the next five fields are derived from it. */
  readonly keys: SectionedKeys;
  readonly defaults: C;
  /** RLlib's snake_case (and old-stack) names of the config's keys -> our dotted paths. */
  readonly keyAliases: Readonly<Record<string, string>>;
  /** Dict-valued settings merged entry by entry (`training.replayBufferConfig`). */
  readonly groupPaths: readonly string[];
  /** RLlib's fluent builder over `defaults` (`PPOConfig()`). */
  builder(): AlgorithmConfigBuilder<C>;
  /** The shared sections' checks plus the algorithm's: every problem at once. */
  validate(config: C, ctx?: ValidationContext): ConfigIssue[];
  /** Batch sizes from runners x envs x fragment length, in one place. */
  samplingLayout(config: C): SamplingLayout;
  /** Presets by env id (`CartPole-v1`), each with optional variants (`CartPole-v1:cleanrl`). */
  readonly presets: Readonly<Record<string, Preset<C>>>;
  /**
   * The automatic preset for an env without one (`preset: 'auto'`): auto-preset.ts sizes the
   * runners and the model from the env and the machine; this adds the algorithm's training settings.
   */
  autoPreset?(layout: AutoLayout): Preset<C>;
  /** The algorithm's form sections (training hyperparameters); shared sections live in the UI. */
  readonly formSections: readonly SectionDef[];
  /** The algorithm's charts besides episode return and throughput, which every algorithm has. */
  readonly charts: readonly ChartDef[];
  /**
   * The CLI header's `training` line (`lr 3e-4, gamma 0.99, ...`): the settings that matter most.
   * Optional; without it the CLI prints lr and gamma.
   */
  describeTraining?(config: C): string;
  /**
   * How this algorithm maps onto RLlib's new API stack (config keys and weight names), for
   * `npm run export -- --rllib` and weight import. Every config key must be in it or in the
   * shared table (rllib/rllib-mapping.ts); a unit test checks every registered algorithm.
   */
  readonly rllib?: RLlibMapping;
  /** The CLI header's `sampling` line, where runners x envs x fragment does not describe it (offline runs). */
  describeSampling?(config: C): string;
  /** Loads the implementation (TF.js, learner, loss) on demand. */
  load(): Promise<AlgorithmImplementation<C>>;
}
