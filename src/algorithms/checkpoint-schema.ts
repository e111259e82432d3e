/**
 * The one check every checkpoint goes through before anything is changed: a file the user loads,
 * an IndexedDB entry, `Algorithm.restore`, the CLI's `--restore` (in Node, before the browser
 * starts) and `Algorithm.save` (so nothing non-finite is ever written). It reports every problem
 * at once, each with its JSON path, like the config validation does.
 *
 * No TF.js here (the CLI imports it in Node): typed arrays are checked as plain data. The config
 * goes through the algorithm's own TF.js-free validation, which the caller passes in
 * (`registry.ts` does, with every registered algorithm), so this file knows no algorithm and the
 * Algorithm base class can use it without importing every subclass.
 */
import { isPlainObject } from '../core/config';
import {
  CHECKPOINT_LIMITS,
  CheckpointError,
  Checker,
  INT32_MIN,
  UINT32_END,
  checkNamedArrays,
  describe,
  type CheckpointIssue,
} from './checkpoint-checker';
import { checkAlgorithmState, checkModules, checkOptimizers, checkScalars } from './checkpoint-schema-v2';
import {
  CHECKPOINT_FORMAT,
  KNOWN_CHECKPOINT_FORMATS,
  OPTIONAL_COUNTERS,
  REQUIRED_COUNTERS,
  type AlgorithmCounters,
  type Checkpoint,
} from './checkpoint';

export { CHECKPOINT_LIMITS, CheckpointError, type CheckpointIssue } from './checkpoint-checker';

/**
 * A checkpoint's config checked by its algorithm's own validation: the errors (path and message),
 * or undefined when `algo` names no known algorithm. registry.ts supplies it; without one, the
 * config is only required to be an object naming the checkpoint's algo.
 */
export type CheckpointConfigCheck = (
  algo: string,
  config: unknown,
) => { readonly path: string; readonly message: string }[] | undefined;

/** What a config check reports for an algorithm it does not know (the registry's list of names). */
export interface CheckpointConfigRules {
  readonly check: CheckpointConfigCheck;
  readonly knownAlgorithms: readonly string[];
}

function checkCounters(c: Checker, v: unknown): void {
  if (!c.object('counters', v)) return;
  for (const k of REQUIRED_COUNTERS) {
    if (k === 'timeTotalS') {
      if (c.number(`counters.${k}`, v[k]) && v[k] < 0) c.fail(`counters.${k}`, `must be >= 0, got ${v[k]}.`);
    } else c.count(`counters.${k}`, v[k]);
  }
  for (const k of OPTIONAL_COUNTERS) if (v[k] !== undefined) c.count(`counters.${k}`, v[k]);
}

function checkEpisodeWindow(c: Checker, returns: unknown, lengths: unknown): void {
  const max = CHECKPOINT_LIMITS.maxEpisodeWindow;
  const returnsOk = c.array('episodeReturns', returns, max);
  const lengthsOk = c.array('episodeLengths', lengths, max);
  if (returnsOk) returns.forEach((r, i) => c.number(`episodeReturns[${i}]`, r));
  if (lengthsOk) lengths.forEach((l, i) => c.count(`episodeLengths[${i}]`, l));
  if (returnsOk && lengthsOk && returns.length !== lengths.length) {
    c.fail(
      'episodeLengths',
      `has ${lengths.length} entries, episodeReturns ${returns.length}: one of each per episode.`,
    );
  }
}

/** Rng.getState(): four 32-bit words, then the cached normal (finite) or none (NaN, null, absent). */
function checkRngState(c: Checker, v: unknown): void {
  if (!c.array('rngState', v, 5)) return;
  if (v.length < 4) {
    c.fail('rngState', `needs the Rng's four state words (and an optional cached normal), got ${v.length} entries.`);
    return;
  }
  for (let i = 0; i < 4; i++) {
    const w = v[i];
    if (c.number(`rngState[${i}]`, w) && (!Number.isInteger(w) || w < INT32_MIN || w >= UINT32_END)) {
      c.fail(`rngState[${i}]`, `must be a 32-bit integer, got ${w}.`);
    }
  }
  const spare = v[4];
  if (spare !== undefined && spare !== null && !(typeof spare === 'number' && Number.isNaN(spare))) {
    c.number('rngState[4]', spare);
  }
}

function checkDevice(c: Checker, v: unknown): void {
  if (!c.object('device', v)) return;
  c.string('device.backend', v['backend']);
  if (v['adapter'] !== null) c.string('device.adapter', v['adapter']);
  c.boolean('device.isFallbackAdapter', v['isFallbackAdapter']);
  c.string('device.reason', v['reason']);
  c.boolean('device.crossOriginIsolated', v['crossOriginIsolated']);
  c.count('device.hardwareConcurrency', v['hardwareConcurrency']);
  // Absent from checkpoints written before learners.wasmThreads existed.
  if (v['wasmThreads'] !== undefined) c.count('device.wasmThreads', v['wasmThreads']);
}

function checkConfig(c: Checker, algo: unknown, config: unknown, rules: CheckpointConfigRules | undefined): void {
  if (typeof algo !== 'string' || algo === '' || (rules && !rules.knownAlgorithms.includes(algo))) {
    const known = rules ? `a known algorithm (${rules.knownAlgorithms.join(', ')})` : 'an algorithm';
    c.fail('algo', `must name ${known}, got ${describe(algo)}.`);
    return;
  }
  if (!c.object('config', config)) return;
  if (config['algo'] !== algo)
    c.fail('config.algo', `must be '${algo}' as the checkpoint's algo, got ${describe(config['algo'])}.`);
  if (!rules) return;
  try {
    for (const i of rules.check(algo, config) ?? []) c.fail(`config.${i.path}`, i.message);
  } catch (e) {
    // The config code is not ours to trust with hostile input: whatever it throws is one problem.
    c.fail('config', `could not be read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Every problem of `value` as a checkpoint; empty means valid. `configRules` checks the config with
 * its algorithm's validation (registry.ts); without it only the checkpoint's own fields are checked.
 */
export function checkpointIssues(value: unknown, configRules?: CheckpointConfigRules): CheckpointIssue[] {
  const c = new Checker();
  if (!isPlainObject(value)) {
    c.fail('(root)', `a checkpoint is an object with a "format" field, got ${describe(value)}.`);
    return c.issues;
  }
  const format = value['format'];
  if (typeof format !== 'string' || !KNOWN_CHECKPOINT_FORMATS.includes(format)) {
    // Fields of an unknown format cannot be judged: this one problem says it all.
    c.fail(
      'format',
      `must be one of ${KNOWN_CHECKPOINT_FORMATS.join(', ')}, got ${describe(format)}; this file is not a checkpoint this version can read.`,
    );
    return c.issues;
  }
  checkConfig(c, value['algo'], value['config'], configRules);
  // A multi-agent checkpoint's weights hold every module (packed): its array limit is per module.
  const numModules = value['modules'] === undefined ? 1 : Math.max(1, checkModules(c, value['modules']));
  checkNamedArrays(c, 'weights', value['weights'], CHECKPOINT_LIMITS.maxArrays * numModules);
  if (isPlainObject(value['weights'])) c.count('weights.version', value['weights']['version']);
  checkNamedArrays(c, 'optimizerState', value['optimizerState']);
  if (isPlainObject(value['optimizerState'])) c.count('optimizerState.step', value['optimizerState']['step']);
  checkScalars(c, 'learnerState', value['learnerState']);
  checkCounters(c, value['counters']);
  checkRngState(c, value['rngState']);
  checkEpisodeWindow(c, value['episodeReturns'], value['episodeLengths']);
  checkDevice(c, value['device']);
  c.string('createdAt', value['createdAt']);
  // Format 2's additions (a format-1 file has neither).
  if (value['optimizers'] !== undefined) checkOptimizers(c, value['optimizers']);
  if (value['algorithmState'] !== undefined) checkAlgorithmState(c, value['algorithmState']);
  if (c.floats > CHECKPOINT_LIMITS.maxFloats) {
    c.fail('(root)', `holds ${c.floats} float values in all; at most ${CHECKPOINT_LIMITS.maxFloats}.`);
  }
  return c.issues;
}

/**
 * Returns `value` as a format-2 Checkpoint (counters it lacks filled with 0), or throws
 * CheckpointError `checkpoint/invalid` listing every problem. A format-1 file migrates: its
 * weights are module `default_policy`, its optimizer state group 'default', and it has no
 * algorithm state (format 1 only ever held PPO, which keeps none).
 */
export function validateCheckpoint(value: unknown, configRules?: CheckpointConfigRules): Checkpoint {
  const issues = checkpointIssues(value, configRules);
  if (issues.length > 0) throw new CheckpointError('checkpoint/invalid', issues);
  const ckpt = value as Checkpoint;
  const counters = { ...ckpt.counters } as Record<keyof AlgorithmCounters, number>;
  for (const k of OPTIONAL_COUNTERS) counters[k] = counters[k] ?? 0;
  return { ...ckpt, format: CHECKPOINT_FORMAT, counters };
}

/**
 * For `Algorithm.save`: throws `checkpoint/non-finite` naming each non-finite field (a diverged
 * run must not overwrite a good checkpoint), or `checkpoint/invalid` for any other problem.
 */
export function assertSaveable(ckpt: Checkpoint): void {
  const issues = checkpointIssues(ckpt);
  const nonFinite = issues.filter((i) => i.nonFinite);
  if (nonFinite.length > 0) throw new CheckpointError('checkpoint/non-finite', nonFinite);
  if (issues.length > 0)
    throw new CheckpointError('checkpoint/invalid', issues, 'Not saved: the checkpoint is malformed');
}
