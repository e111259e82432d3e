/**
 * A sweep file, laid out like Tune's Tuner(param_space=..., tune_config=TuneConfig(...),
 * run_config=RunConfig(...)), in JSON (camelCase or Tune's snake_case keys):
 *   {
 *     "param_space": { "env": "CartPole-v1", "lr": {"grid_search": [1e-3, 3e-4, 1e-4]}, ... },
 *     "tune_config": { "num_samples": 2, "max_concurrent_trials": 2, "metric": "...", "mode": "max",
 *                      "scheduler": { "type": "ASHA", "grace_period": 1, "reduction_factor": 4, "max_t": 100 } },
 *     "run_config":  { "stop": { "training_iteration": 20 },
 *                      "failure_config": { "max_failures": 1 }, "checkpoint_config": { "checkpoint_frequency": 5 } },
 *     "resources":   { "num_cpus": 8, "num_gpus": 1, "custom": { "licence": 2 } }
 *                    (ray.init's logical resources, `resources=` as `custom`; default: the tab's, no custom ones)
 *   }
 * parseSweep validates all of it (every problem at once, naming the key) and expands the trials.
 *
 * Compare mode: `algo` may be searched like any key (`"algo": {"grid_search": ["PPO", "DQN", "IMPALA"]}`),
 * so one sweep runs several algorithms on one env side by side; each trial starts from its
 * algorithm's preset for the env by the one rule every front end uses (app/compose-config.ts), or
 * from the `preset` the config names. An `algo` value may also be an object holding the algorithm
 * and its own keys (`{"algo": "DQN", "preset": "CartPole-v1", "lr": 0.001}`), merged over the rest
 * of the trial's config: keys one algorithm has and another lacks can then sit in one sweep
 * (Ray Tune has no such thing: there one writes a Tuner per algorithm).
 */
import { isPlainObject } from '../core/config';
import { normalizeConfigInput, resolveKeyPath, snakeToCamel } from '../core/config-keys';
import type { ConfigIssue } from '../core/errors';
import { jsonValueDepth, MAX_JSON_DEPTH } from '../core/json-depth';
import { EPISODE_RETURN_MEAN, TRAINING_ITERATION } from '../core/metric-keys';
import { findSpec, algorithmNames, DEFAULT_SPEC } from '../algorithms/registry';
import { normalizeStopCriteria, type StopCriteria } from '../algorithms/stop-criteria';
import { ashaRungsProblem, type AshaOptions } from './asha';
import { parseLesson, type Lesson } from './compare';
import { countTrials, expandTrials, MAX_TRIALS_PER_SWEEP, parseSearchSpace } from './search-space';

export { MAX_TRIALS_PER_SWEEP } from './search-space';
export { MAX_ASHA_RUNGS } from './asha';

export interface SweepTrial {
  readonly id: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** The trial's config input for rl.build, its seed set. */
  readonly config: Record<string, unknown>;
  readonly seed: number;
}

export interface Sweep {
  readonly trials: readonly SweepTrial[];
  /** The searched keys, in config order (trials.csv's parameter columns). */
  readonly paramKeys: readonly string[];
  readonly stop: StopCriteria;
  /** Where the stop came from: 'run_config.stop' or the default. */
  readonly stopIsDefault: boolean;
  readonly metric: string;
  readonly mode: 'max' | 'min';
  readonly maxConcurrentTrials: number;
  readonly maxFailures: number;
  readonly checkpointFrequency: number;
  readonly asha: AshaOptions | null;
  readonly numCpus: number | null;
  readonly numGpus: number | null;
  /** Custom resources the tab has for the trials (Ray's `ray.init(resources={...})`): name -> amount. */
  readonly custom: Readonly<Record<string, number>>;
  /**
   * Compare mode's threshold: the stop value of the sweep's metric (`run_config.stop`), where each
   * trial stops and is counted (compare.ts); null when the stop does not name the metric.
   */
  readonly threshold: number | null;
  /** A lesson's claim and expected winners (its `lesson` section), or null. */
  readonly lesson: Lesson | null;
}

const SECTIONS = ['paramSpace', 'tuneConfig', 'runConfig', 'resources', 'lesson'] as const;
const TUNE_KEYS = ['numSamples', 'maxConcurrentTrials', 'metric', 'mode', 'scheduler', 'seed'] as const;
const RUN_KEYS = ['stop', 'failureConfig', 'checkpointConfig'] as const;
const ASHA_KEYS = ['type', 'timeAttr', 'metric', 'mode', 'gracePeriod', 'reductionFactor', 'maxT'] as const;
const DEFAULT_STOP: StopCriteria = { [TRAINING_ITERATION]: 100 };

/** Keys to camelCase (Tune's snake_case accepted), unknown ones reported. */
function section(raw: unknown, at: string, allowed: readonly string[], issues: ConfigIssue[]): Record<string, unknown> {
  if (raw === undefined) return {};
  if (!isPlainObject(raw)) {
    issues.push({ path: at, severity: 'error', message: `${at} must be an object.` });
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = snakeToCamel(k);
    if (allowed.includes(key)) out[key] = v;
    else issues.push({ path: `${at}.${k}`, severity: 'error', message: `unknown key; known: ${allowed.join(', ')}.` });
  }
  return out;
}

function number(
  v: unknown,
  at: string,
  def: number,
  check: (x: number) => boolean,
  want: string,
  issues: ConfigIssue[],
): number {
  if (v === undefined) return def;
  if (typeof v === 'number' && Number.isFinite(v) && check(v)) return v;
  issues.push({ path: at, severity: 'error', message: `must be ${want}; got ${JSON.stringify(v)}.` });
  return def;
}

const isInt = (x: number): boolean => Number.isInteger(x);

/** A sweep's `resources.custom`: resource name -> amount >= 0 (Ray reserves CPU and GPU for num_cpus / num_gpus). */
function customResources(v: unknown, issues: ConfigIssue[]): Record<string, number> {
  if (v === undefined) return {};
  const at = 'resources.custom';
  if (!isPlainObject(v)) {
    issues.push({ path: at, severity: 'error', message: 'must map resource names to amounts, e.g. {"licence": 2}.' });
    return {};
  }
  const out: Record<string, number> = {};
  for (const [name, amount] of Object.entries(v)) {
    if (name.trim() === '' || name.length > 64 || /^(cpu|gpu)$/i.test(name)) {
      issues.push({
        path: `${at}.${name}`,
        severity: 'error',
        message: 'a custom resource needs a name of 1-64 characters other than CPU and GPU (use num_cpus / num_gpus).',
      });
    } else out[name] = number(amount, `${at}.${name}`, 0, (x) => x >= 0, 'a number >= 0', issues);
  }
  return out;
}

/** The trial's seed: a searched seed stays; otherwise the base seed plus the sample index. */
function withSeed(
  config: Record<string, unknown>,
  params: Readonly<Record<string, unknown>>,
  base: number,
  sampleIndex: number,
): { config: Record<string, unknown>; seed: number } {
  const seedKeys = Object.keys(config).filter((k) => resolveKeyPath(k) === 'debugging.seed' && k !== 'debugging');
  const searched = Object.keys(params).find((p) => resolveKeyPath(p) === 'debugging.seed');
  if (searched !== undefined) return { config, seed: Number(params[searched]) };
  const seed = base + sampleIndex;
  const out = { ...config };
  for (const k of seedKeys) delete out[k];
  const debugging = isPlainObject(out['debugging']) ? out['debugging'] : {};
  out['debugging'] = { ...debugging, seed };
  return { config: out, seed };
}

/**
 * A trial whose `algo` value is an object (`{"algo": "DQN", "lr": 0.001}`): its keys merged over
 * the rest of the config, `algo` the algorithm's name. Other configs are returned as they are.
 */
export function spreadAlgoVariant(config: Record<string, unknown>): Record<string, unknown> {
  const variant = config['algo'];
  if (!isPlainObject(variant)) return config;
  const { algo: _variant, ...rest } = config;
  return { ...rest, ...variant };
}

/** The problem with an `algo` value (a name, or an object naming one), or null. */
function algoValueProblem(value: unknown): string | null {
  if (value === undefined || typeof value === 'string') return null;
  if (isPlainObject(value) && typeof value['algo'] === 'string') return null;
  return `must be an algorithm's name (${algorithmNames().join(', ')}) or an object naming one with its own keys, e.g. {"algo": "DQN", "lr": 0.001}; got ${JSON.stringify(value)}.`;
}

/** The base seed: the param space's own seed if it sets one, else tune_config.seed, else 0. */
function baseSeedOf(space: Record<string, unknown>, tuneSeed: number | undefined): number {
  for (const [k, v] of Object.entries(space)) {
    if (resolveKeyPath(k) === 'debugging.seed' && typeof v === 'number') return v;
  }
  const debugging = space['debugging'];
  if (isPlainObject(debugging) && typeof debugging['seed'] === 'number') return debugging['seed'];
  return tuneSeed ?? 0;
}

/**
 * What normalizeConfigInput's errors depend on: the keys at every level and which values are
 * objects (a section) or strings (`environment: "CartPole-v1"`), never the numbers a search draws.
 */
function keyLayout(v: unknown): string {
  if (!isPlainObject(v)) return Array.isArray(v) ? 'array' : typeof v;
  return `{${Object.entries(v)
    .map(([k, x]) => `${JSON.stringify(k)}:${keyLayout(x)}`)
    .join(',')}}`;
}

export function parseSweep(input: unknown): { sweep: Sweep | null; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const top = section(input, '(sweep)', SECTIONS, issues);
  if (!isPlainObject(input)) return { sweep: null, issues };
  // Before anything walks it: every walk below (and structuredClone per trial) recurses.
  const tooDeep = Object.keys(input).filter((key) => 1 + jsonValueDepth(input[key]) > MAX_JSON_DEPTH);
  for (const key of tooDeep) {
    issues.push({
      path: key,
      severity: 'error',
      message: `nests more than ${MAX_JSON_DEPTH} levels of objects and lists (the sweep itself counted); a sweep needs a handful.`,
    });
  }
  if (tooDeep.length > 0) return { sweep: null, issues };
  if (top['paramSpace'] === undefined) {
    issues.push({
      path: 'param_space',
      severity: 'error',
      message: 'a sweep needs param_space: the config, with search domains such as {"grid_search": [...]}.',
    });
  }
  const tune = section(top['tuneConfig'], 'tune_config', TUNE_KEYS, issues);
  const run = section(top['runConfig'], 'run_config', RUN_KEYS, issues);
  const res = section(top['resources'], 'resources', ['numCpus', 'numGpus', 'custom'], issues);
  const failure = section(run['failureConfig'], 'run_config.failure_config', ['maxFailures'], issues);
  const ckpt = section(run['checkpointConfig'], 'run_config.checkpoint_config', ['checkpointFrequency'], issues);

  const numSamples = number(
    tune['numSamples'],
    'tune_config.num_samples',
    1,
    (x) => isInt(x) && x >= 1,
    'an integer >= 1',
    issues,
  );
  const maxConcurrentTrials = number(
    tune['maxConcurrentTrials'],
    'tune_config.max_concurrent_trials',
    0,
    (x) => isInt(x) && x >= 0,
    'an integer >= 0 (0: as many as fit)',
    issues,
  );
  const tuneSeed =
    tune['seed'] === undefined ? undefined : number(tune['seed'], 'tune_config.seed', 0, isInt, 'an integer', issues);
  const metric = typeof tune['metric'] === 'string' ? tune['metric'] : EPISODE_RETURN_MEAN;
  if (tune['metric'] !== undefined && typeof tune['metric'] !== 'string') {
    issues.push({
      path: 'tune_config.metric',
      severity: 'error',
      message: 'must be a result key such as "env_runners/episode_return_mean".',
    });
  }
  const mode = tune['mode'] ?? 'max';
  if (mode !== 'max' && mode !== 'min') {
    issues.push({
      path: 'tune_config.mode',
      severity: 'error',
      message: `must be "max" or "min"; got ${JSON.stringify(mode)}.`,
    });
  }
  const maxFailures = number(
    failure['maxFailures'],
    'run_config.failure_config.max_failures',
    0,
    (x) => isInt(x) && x >= -1,
    'an integer >= -1 (-1: retry forever)',
    issues,
  );
  const checkpointFrequency = number(
    ckpt['checkpointFrequency'],
    'run_config.checkpoint_config.checkpoint_frequency',
    0,
    (x) => isInt(x) && x >= 0,
    'an integer >= 0',
    issues,
  );
  const numCpus =
    res['numCpus'] === undefined
      ? null
      : number(res['numCpus'], 'resources.num_cpus', 1, (x) => x > 0, 'a number > 0', issues);
  const numGpus =
    res['numGpus'] === undefined
      ? null
      : number(res['numGpus'], 'resources.num_gpus', 1, (x) => x >= 0, 'a number >= 0', issues);
  const custom = customResources(res['custom'], issues);

  let stop = DEFAULT_STOP;
  const stopIsDefault = run['stop'] === undefined;
  if (!stopIsDefault) {
    const raw = run['stop'];
    const bad =
      !isPlainObject(raw) ||
      Object.keys(raw).length === 0 ||
      Object.values(raw).some((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad)
      issues.push({
        path: 'run_config.stop',
        severity: 'error',
        message: 'must map result keys to numbers, e.g. {"training_iteration": 20}.',
      });
    else stop = normalizeStopCriteria(raw as Record<string, number>);
  }

  let asha: AshaOptions | null = null;
  if (tune['scheduler'] !== undefined) {
    const s = section(tune['scheduler'], 'tune_config.scheduler', ASHA_KEYS, issues);
    const type = typeof s['type'] === 'string' ? s['type'].toUpperCase().replace(/SCHEDULER$/, '') : '';
    if (type !== 'ASHA' && type !== 'ASYNCHYPERBAND') {
      issues.push({
        path: 'tune_config.scheduler.type',
        severity: 'error',
        message: 'only "ASHA" (ASHAScheduler) is supported; leave scheduler out for FIFO.',
      });
    }
    const at = 'tune_config.scheduler';
    asha = {
      timeAttr: typeof s['timeAttr'] === 'string' ? s['timeAttr'] : TRAINING_ITERATION,
      metric: typeof s['metric'] === 'string' ? s['metric'] : metric,
      mode: s['mode'] === 'min' ? 'min' : mode === 'min' ? 'min' : 'max',
      gracePeriod: number(s['gracePeriod'], `${at}.grace_period`, 1, (x) => x > 0, 'a number > 0', issues),
      reductionFactor: number(s['reductionFactor'], `${at}.reduction_factor`, 4, (x) => x > 1, 'a number > 1', issues),
      maxT: number(s['maxT'], `${at}.max_t`, 100, (x) => x > 0, 'a number > 0', issues),
    };
    const rungs = issues.some((i) => i.path.startsWith(at)) ? null : ashaRungsProblem(asha);
    if (rungs !== null) issues.push({ path: `${at}.reduction_factor`, severity: 'error', message: rungs });
  }

  const lesson = parseLesson(top['lesson'], issues);
  const threshold = stop[metric] ?? null;
  if (top['lesson'] !== undefined && threshold === null && !issues.some((i) => i.path === 'run_config.stop')) {
    issues.push({
      path: 'run_config.stop',
      severity: 'error',
      message: `a lesson compares when each trial reaches a threshold: give run_config.stop a value for its metric, e.g. {"${metric}": 450, "time_total_s": 120}.`,
    });
  }

  const parsed = parseSearchSpace(top['paramSpace'] ?? {});
  issues.push(...parsed.issues.map((i) => ({ ...i, path: `param_space.${i.path}` })));
  // Counted before anything is expanded: a link with num_samples 1e9 is refused here, at once.
  const count = parsed.space ? countTrials(parsed.space, numSamples) : 0;
  if (parsed.space && count > MAX_TRIALS_PER_SWEEP) {
    const grid = countTrials(parsed.space, 1);
    issues.push({
      path: grid > MAX_TRIALS_PER_SWEEP ? 'param_space' : 'tune_config.num_samples',
      severity: 'error',
      message:
        `the sweep expands to ${count} trials (${grid} grid combination${grid === 1 ? '' : 's'} x num_samples ${numSamples}); ` +
        `a sweep runs at most ${MAX_TRIALS_PER_SWEEP} trials. Lower num_samples, search fewer grid_search values, ` +
        'or draw them with choice / uniform instead.',
    });
  }
  if (!parsed.space || issues.some((i) => i.severity === 'error')) return { sweep: null, issues };

  const variants = expandTrials(parsed.space, { numSamples, seed: tuneSeed ?? 0 });
  const base = baseSeedOf(parsed.space.config, tuneSeed);
  const trials: SweepTrial[] = [];
  const seen = new Set<string>();
  const checked = new Set<string>();
  for (const v of variants) {
    const id = `trial_${String(v.index).padStart(5, '0')}`;
    const algoProblem = algoValueProblem(v.config['algo']);
    if (algoProblem !== null) {
      if (!seen.has(algoProblem)) issues.push({ path: 'param_space.algo', severity: 'error', message: algoProblem });
      seen.add(algoProblem);
      continue;
    }
    const { config, seed } = withSeed(spreadAlgoVariant(v.config), v.params, base, v.sampleIndex);
    trials.push({ id, params: v.params, config, seed });
    // The config's own names are checked here, once per distinct problem, so a typo fails before
    // any trial runs; once per key layout, since names are all the check reads (most sweeps: once).
    const { preset: _preset, ...rest } = config;
    const algo = typeof config['algo'] === 'string' ? config['algo'] : DEFAULT_SPEC.name;
    const layout = `${algo}\u0000${keyLayout(rest)}`;
    if (checked.has(layout)) continue;
    checked.add(layout);
    const spec = findSpec(algo);
    if (!spec) {
      const message = `unknown algorithm '${algo}'; available: ${algorithmNames().join(', ')}.`;
      if (!seen.has(message)) issues.push({ path: 'param_space.algo', severity: 'error', message });
      seen.add(message);
      continue;
    }
    for (const i of normalizeConfigInput(rest, spec).issues) {
      const key = `${i.path}: ${i.message}`;
      if (i.severity !== 'error' || seen.has(key)) continue;
      seen.add(key);
      issues.push({ ...i, path: `param_space.${i.path}` });
    }
  }
  if (issues.some((i) => i.severity === 'error')) return { sweep: null, issues };
  const paramKeys = parsed.space.dimensions.map((d) => d.path.join('.'));
  return {
    sweep: {
      trials,
      paramKeys,
      stop,
      stopIsDefault,
      metric,
      mode: mode === 'min' ? 'min' : 'max',
      maxConcurrentTrials,
      maxFailures,
      checkpointFrequency,
      asha,
      numCpus,
      numGpus,
      custom,
      threshold,
      lesson,
    },
    issues,
  };
}
