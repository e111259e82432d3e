/**
 * From parsed options to what the run does: the config input for `rl.build` (preset, then the
 * --config file, then flags; or the --restore checkpoint's config with flags over it), the stop
 * criteria, the backend and whether Chromium needs its WebGPU flags. Pure Node, no browser.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isPlainObject } from '../core/config';
import { RLError } from '../core/errors';
import { getPath, setPath } from '../core/json-path';
import {
  EPISODE_RETURN_MEAN,
  NUM_ENV_STEPS_SAMPLED_LIFETIME,
  TIME_TOTAL_S,
  TRAINING_ITERATION,
} from '../core/metric-keys';
import type { Checkpoint } from '../algorithms/checkpoint';
import { AUTO_PRESET, DEFAULT_SPEC, specOf, type AnySpec } from '../algorithms/registry';
import { checkpointFromJson, checkpointToJson } from '../app/checkpoint-codec';
import {
  askedPreset,
  choosePreset,
  composeConfig,
  configFileLayer,
  type ConfigObject,
  type PresetChoice,
} from '../app/compose-config';
import { decodeSafetensors } from '../rl-module/safetensors';
import { normalizeStopCriteria, type StopCriteria } from '../algorithms/stop-criteria';
import { MIN_MODULE_EPISODE_RETURNS_MEAN } from '../algorithms/multi-agent/multi-agent-windows';
import { isMultiAgentEnv } from '../envs/multi-agent/registry';
import { UsageError, type CliBackend, type CliOptions } from './args';

export interface RunPlan {
  readonly algo: string;
  readonly env: string;
  /** Sectioned partial config for rl.build (a fresh run), merged over the algorithm's defaults in the page. */
  readonly configInput: ConfigObject;
  /** The checkpoint to resume from, its config replaced by `configInput` (a full config). */
  readonly restore: {
    readonly file: string;
    readonly text: string;
    readonly iteration: number;
    readonly steps: number;
  } | null;
  /** Weights to load once built (--restore-weights): the file and its bytes as base64 for the page. */
  readonly restoreWeights: { readonly file: string; readonly base64: string; readonly numTensors: number } | null;
  /** Header line saying which preset was applied and why, or null. */
  readonly presetNote: string | null;
  readonly stop: StopCriteria;
  /** Where the stop criteria came from: 'flags', "preset 'X'" or 'default'. */
  readonly stopSource: string;
  /**
   * No stop flag and no preset stop: the page's env decides (its rewardThreshold, which Node cannot
   * know for an env from --env-module), see TrainingRun.setUp.
   */
  readonly stopFromEnv: boolean;
  /** --env-module, absolute, checked to be a readable .ts/.js file; null when not given. */
  readonly envModule: string | null;
  /** The reward --as-test checks, if any. */
  readonly stopReward: number | null;
  /**
   * The result key "return" means for this run (progress, summary, curve, --stop-reward):
   * env_runners/episode_return_mean, or for a multi-agent run the lowest module's
   * module_episode_returns_mean, so --stop-reward R stops when every module reached R.
   */
  readonly returnKey: string;
  /** Forced Learner backend for rl.build; undefined lets numGpusPerLearner decide. */
  readonly backend: 'webgpu' | 'wasm' | 'cpu' | undefined;
  /** Launch Chromium with the (SwiftShader) WebGPU flags. */
  readonly launchWebGpu: boolean;
  readonly outDir: string;
  /** Non-fatal notes (config-file warnings), printed after the header. */
  readonly warnings: readonly string[];
}

function readJsonFile(file: string, what: string): unknown {
  if (!existsSync(file)) throw new UsageError(`${what} ${file} does not exist.`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new UsageError(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

interface ConfigFile {
  readonly file: string;
  readonly json: unknown;
}

/**
 * Reads --config with the run's algorithm's names: unknown keys are errors (every one listed),
 * other notes are warnings. A `preset` key (as rl.build accepts) names the preset the file starts from.
 */
function readConfigFile(
  { file, json }: ConfigFile,
  spec: AnySpec,
  warnings: string[],
): { partial: ConfigObject; preset: string | null } {
  const { partial, preset, issues } = configFileLayer(json, spec);
  if (preset !== undefined && typeof preset !== 'string') {
    throw new UsageError(`invalid config file ${file}: 'preset' must be a preset id such as 'CartPole-v1'.`);
  }
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    throw new UsageError(
      `invalid config file ${file}:\n${errors.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
    );
  }
  for (const i of issues) warnings.push(`${file}: ${i.message}`);
  return { partial, preset: preset ?? null };
}

/** The checkpoint file for --restore: a file, a dir holding latest.json, or a run dir with checkpoint/latest.json. */
export function resolveCheckpointFile(arg: string): string {
  if (existsSync(arg) && statSync(arg).isFile()) return arg;
  const candidates = ['latest.json', 'checkpoint/latest.json', 'final.json', 'checkpoint/final.json'].map((f) =>
    path.join(arg, f),
  );
  const found = candidates.find((f) => existsSync(f));
  if (!found) throw new UsageError(`--restore ${arg}: no checkpoint found (looked for ${candidates.join(', ')}).`);
  return found;
}

/**
 * Reads and validates the --restore checkpoint in Node, before the browser starts: a bad file is a
 * UsageError (exit 2) listing every problem, instead of a hang or a NaN run in the page.
 */
function readCheckpoint(arg: string): { file: string; ckpt: Checkpoint } {
  const file = resolveCheckpointFile(arg);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--restore ${file}: cannot read it: ${(e as Error).message}`);
  }
  try {
    return { file, ckpt: checkpointFromJson(text) };
  } catch (e) {
    if (e instanceof RLError) throw new UsageError(`--restore ${file}: ${e.message}`);
    throw e;
  }
}

/**
 * Reads --restore-weights in Node, before the browser starts: a file that is not float32
 * safetensors (or holds NaN) is a UsageError listing every problem. Whether its tensors fit the
 * run's model is checked in the page, once the model exists (also exit 2: `weights/invalid-file`).
 */
function readWeightsFile(file: string): NonNullable<RunPlan['restoreWeights']> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`--restore-weights ${file}: cannot read it: ${(e as Error).message}`);
  }
  try {
    const { tensors } = decodeSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { file, base64: bytes.toString('base64'), numTensors: tensors.length };
  } catch (e) {
    if (e instanceof RLError) throw new UsageError(`--restore-weights ${file}: ${e.message}`, 'cli/bad-weights');
    throw e;
  }
}

/**
 * The run's algorithm: --algo, else the one the --config file names, else the --restore
 * checkpoint's, else the default (PPO). An unknown name is a UsageError listing the algorithms.
 */
function runSpec(opts: CliOptions, configFile: ConfigFile | null, ckpt: Checkpoint | null): AnySpec {
  const named = opts.algo ?? algoOf(configFile?.json) ?? algoOf(ckpt?.config);
  try {
    return named === undefined ? DEFAULT_SPEC : specOf({ algo: named });
  } catch (e) {
    throw new UsageError((e as Error).message, 'cli/unknown-algo');
  }
}

function algoOf(json: unknown): string | undefined {
  if (!isPlainObject(json)) return undefined;
  const name = json['algo'] ?? json['algorithm'] ?? json['algo_class'];
  return typeof name === 'string' ? name : undefined;
}

/** The layers of a run: preset, --config file, then flags; over the --restore checkpoint's config when resuming. */
function composeRunConfig(
  opts: CliOptions,
  spec: AnySpec,
  flags: ConfigObject,
  configFile: ConfigFile | null,
  checkpointConfig: ConfigObject | null,
  warnings: string[],
): {
  config: ConfigObject;
  presetNote: string | null;
  preset: { id: string | null; stop: Readonly<Record<string, number>> | null };
} {
  const file = configFile === null ? { partial: {}, preset: null } : readConfigFile(configFile, spec, warnings);
  const flagEnv = getPath(flags, 'environment.env');
  const fileEnv = getPath(file.partial, 'environment.env');
  const env =
    typeof flagEnv === 'string' ? flagEnv : typeof fileEnv === 'string' ? fileEnv : spec.defaults.environment.env;
  const resuming = checkpointConfig !== null;
  // The one rule (compose-config.ts): --preset, else the file's preset, else the env's own, else auto.
  const fromFlag = askedPreset(spec, opts.preset);
  const fromFile = file.preset === null ? undefined : askedPreset(spec, file.preset);
  const preset = choosePreset(spec, {
    // A file's `preset: "none"` asks for the plain defaults as --preset none does.
    asked: fromFlag === undefined && fromFile === null ? null : fromFlag,
    namedInFile: fromFile,
    env,
    resuming,
  });
  try {
    // A fresh run is a partial config: the page merges it over the defaults and sizes the automatic layout.
    const composed = composeConfig<ConfigObject>(spec, {
      base: checkpointConfig ?? 'partial',
      preset: preset.id,
      file: file.partial,
      overrides: flags,
    });
    // A resumed run keeps its checkpoint's stop criteria unless flags say otherwise: no preset note or stop.
    if (resuming) return { config: composed.config, presetNote: null, preset: { id: null, stop: null } };
    const presetNote = presetNoteOf(opts, spec, preset, env, typeof flagEnv === 'string');
    return { config: composed.config, presetNote, preset: { id: composed.presetId, stop: composed.presetStop } };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The header line saying which preset a fresh run starts from, and why. */
function presetNoteOf(
  opts: CliOptions,
  spec: AnySpec,
  preset: PresetChoice,
  env: string,
  envFromFlags: boolean,
): string | null {
  const why =
    preset.reason === 'asked'
      ? 'asked for with --preset'
      : preset.reason === 'file'
        ? `named in ${opts.configFile}`
        : preset.id === AUTO_PRESET
          ? `no ${spec.name} preset for ${env}`
          : envFromFlags
            ? `${env}'s own, no --preset`
            : `the default env's, no --preset`;
  if (preset.id === AUTO_PRESET) {
    return `automatic layout (${why}; sized from its spaces and the cores; --preset none for ${spec.name}'s plain defaults)`;
  }
  if (preset.id !== null) return `preset '${preset.id}' (${why}; --preset none to skip it)`;
  return preset.reason === 'none' && opts.preset !== undefined
    ? `${spec.name}'s plain defaults (--preset none)`
    : preset.id === null
      ? `${spec.name}'s plain defaults (it has no preset or automatic layout for ${env})`
      : null;
}

function stopCriteria(
  opts: CliOptions,
  preset: { readonly id: string | null; readonly stop: Readonly<Record<string, number>> | null },
  returnKey: string,
): { stop: StopCriteria; source: string } {
  const fromFlags: Record<string, number> = {};
  if (opts.stopReward !== undefined) fromFlags[returnKey] = opts.stopReward;
  if (opts.stopTimesteps !== undefined) fromFlags[NUM_ENV_STEPS_SAMPLED_LIFETIME] = opts.stopTimesteps;
  if (opts.stopIters !== undefined) fromFlags[TRAINING_ITERATION] = opts.stopIters;
  if (opts.stopTimeS !== undefined) fromFlags[TIME_TOTAL_S] = opts.stopTimeS;
  if (Object.keys(fromFlags).length > 0) return { stop: normalizeStopCriteria(fromFlags), source: 'flags' };
  if (preset.stop) return { stop: normalizeStopCriteria(preset.stop), source: `preset '${preset.id}'` };
  return { stop: { [TRAINING_ITERATION]: 100 }, source: 'default' };
}

/** Backend override and launch flags (WebGPU only when asked for: SwiftShader is slow). */
function deviceChoice(
  backend: CliBackend | undefined,
  config: ConfigObject,
  flags: ConfigObject,
): Pick<RunPlan, 'backend' | 'launchWebGpu'> {
  if (backend === 'auto') setPath(config, 'learners.numGpusPerLearner', 'auto');
  const gpus = getPath(config, 'learners.numGpusPerLearner');
  const runnerGpus = getPath(config, 'envRunners.numGpusPerEnvRunner');
  const launchWebGpu =
    backend === 'webgpu' ||
    backend === 'auto' ||
    getPath(flags, 'learners.numGpusPerLearner') === 'auto' ||
    (typeof gpus === 'number' && gpus > 0) ||
    (typeof runnerGpus === 'number' && runnerGpus > 0);
  return { backend: backend === 'auto' ? undefined : backend, launchWebGpu };
}

function timestamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function defaultOutDir(algo: string, env: string): string {
  const base = path.join('runs', `${algo.toLowerCase()}-${env.replace(/[^\w.-]/g, '_')}-${timestamp(new Date())}`);
  let dir = base;
  for (let n = 2; existsSync(dir); n++) dir = `${base}-${n}`;
  return dir;
}

export const AS_TEST_NEEDS_REWARD =
  '--as-test needs a reward to reach: add --stop-reward R (or use a preset, or an env with a rewardThreshold).';

/**
 * The stop criteria once the page knows the env: a plan whose stop is the default (no flags, no
 * preset stop) stops at the env's rewardThreshold when it has one (Gymnasium's reward_threshold),
 * still capped at the default iterations.
 */
export function withEnvStop(plan: RunPlan, rewardThreshold: number | undefined, asTest: boolean): RunPlan {
  if (!plan.stopFromEnv) return plan;
  if (rewardThreshold === undefined) {
    if (asTest) throw new UsageError(AS_TEST_NEEDS_REWARD);
    return plan;
  }
  return {
    ...plan,
    stop: normalizeStopCriteria({ ...plan.stop, [EPISODE_RETURN_MEAN]: rewardThreshold }),
    stopSource: `${plan.env}'s rewardThreshold`,
    stopReward: rewardThreshold,
    stopFromEnv: false,
  };
}

/** --env-module: a readable .ts/.mts/.js/.mjs file, returned absolute. */
export function checkEnvModulePath(file: string): string {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new UsageError(`--env-module ${file} does not exist.`, 'cli/env-module');
  if (!statSync(abs).isFile()) throw new UsageError(`--env-module ${file} is not a file.`, 'cli/env-module');
  if (!/\.(m?ts|m?js)$/.test(abs)) {
    throw new UsageError(
      `--env-module ${file}: give a .ts, .mts, .js or .mjs module that calls registerEnv.`,
      'cli/env-module',
    );
  }
  return abs;
}

export function planRun(opts: CliOptions): RunPlan {
  const warnings: string[] = [];
  const flags: ConfigObject = {};
  for (const f of opts.configFlags) {
    if (getPath(flags, f.path) !== undefined)
      warnings.push(`${f.path} is given twice on the command line; the last one (${f.flag}) wins.`);
    setPath(flags, f.path, f.value);
  }
  const configFile =
    opts.configFile === undefined
      ? null
      : { file: opts.configFile, json: readJsonFile(opts.configFile, 'config file') };
  const ckpt = opts.restore === undefined ? null : readCheckpoint(opts.restore);
  const spec = runSpec(opts, configFile, ckpt?.ckpt ?? null);
  const checkpointConfig = ckpt === null ? null : (ckpt.ckpt.config as ConfigObject);
  const { config, presetNote, preset } = composeRunConfig(opts, spec, flags, configFile, checkpointConfig, warnings);
  let restore: RunPlan['restore'] = null;
  if (ckpt !== null) {
    const { trainingIteration: iteration, numEnvStepsSampledLifetime: steps } = ckpt.ckpt.counters;
    restore = { file: ckpt.file, text: checkpointToJson({ ...ckpt.ckpt, config }), iteration, steps };
  }
  const device = deviceChoice(opts.backend, config, flags);
  const algoValue = getPath(config, 'algo');
  const envValue = getPath(config, 'environment.env');
  const algo = (typeof algoValue === 'string' ? algoValue : spec.name).toUpperCase();
  const env = typeof envValue === 'string' ? envValue : spec.defaults.environment.env;
  const returnKey = isMultiAgentEnv(env) ? MIN_MODULE_EPISODE_RETURNS_MEAN : EPISODE_RETURN_MEAN;
  const { stop, source } = stopCriteria(opts, preset, returnKey);
  // With the env deciding the stop (stopFromEnv), the page tells its reward threshold later.
  if (opts.asTest && stop[returnKey] === undefined && source !== 'default') {
    throw new UsageError(AS_TEST_NEEDS_REWARD);
  }
  return {
    algo,
    env,
    configInput: { ...config, algo },
    restore,
    restoreWeights: opts.restoreWeights === undefined ? null : readWeightsFile(opts.restoreWeights),
    presetNote,
    stop,
    stopSource: source,
    stopFromEnv: source === 'default',
    envModule: opts.envModule === undefined ? null : checkEnvModulePath(opts.envModule),
    stopReward: stop[returnKey] ?? null,
    returnKey,
    ...device,
    outDir: opts.out ?? defaultOutDir(algo, env),
    warnings,
  };
}
