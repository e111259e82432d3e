/**
 * Checks of what checkpoint format 2 added: optimizer groups by name and the algorithm state
 * (target networks by module id, replay buffer pointers and optional contents), and a multi-agent
 * run's per-module learner state (`modules`, any number of modules up to maxModules; their total
 * size is bounded by maxFloats like everything else). Every problem is collected with its path,
 * as for the rest of the checkpoint.
 */
import { isPlainObject } from '../core/config';
import { CHECKPOINT_LIMITS, checkNamedArrays, describe, type Checker } from './checkpoint-checker';

const NAME = /^[A-Za-z0-9_./-]{1,64}$/;
const MAX_ENTRIES = 64;

/** A record of up to MAX_ENTRIES entries with short, plain names; returns its entries or null. */
function namedEntries(c: Checker, path: string, v: unknown): [string, unknown][] | null {
  if (!c.object(path, v)) return null;
  const entries = Object.entries(v);
  if (entries.length > MAX_ENTRIES) {
    c.fail(path, `has ${entries.length} entries; at most ${MAX_ENTRIES}.`);
    return null;
  }
  for (const [k] of entries)
    if (!NAME.test(k)) c.fail(`${path}.${k.slice(0, 64)}`, 'is not a valid name (letters, digits, _ . / -).');
  return entries.filter(([k]) => NAME.test(k));
}

export function checkOptimizers(c: Checker, v: unknown, at = 'optimizers'): void {
  for (const [name, state] of namedEntries(c, at, v) ?? []) {
    checkNamedArrays(c, `${at}.${name}`, state);
    if (isPlainObject(state)) c.count(`${at}.${name}.step`, state['step']);
  }
}

export function checkAlgorithmState(c: Checker, v: unknown, at = 'algorithmState'): void {
  if (!c.object(at, v)) return;
  if (v['targetNetworks'] !== undefined) {
    for (const [id, target] of namedEntries(c, `${at}.targetNetworks`, v['targetNetworks']) ?? []) {
      const path = `${at}.targetNetworks.${id}`;
      if (!c.object(path, target)) continue;
      checkNamedArrays(c, `${path}.weights`, target['weights']);
      if (isPlainObject(target['weights'])) c.count(`${path}.weights.version`, target['weights']['version']);
      c.count(`${path}.numTargetUpdates`, target['numTargetUpdates']);
      c.count(`${path}.lastTargetUpdateTs`, target['lastTargetUpdateTs']);
    }
  }
  if (v['replayBuffer'] !== undefined) checkReplayBuffer(c, v['replayBuffer'], `${at}.replayBuffer`);
}

/** A module id, as multiAgent.policies allows it (multi-agent-config.ts). */
const MODULE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A multi-agent checkpoint's `modules`: per module id its optimizer state(s), scalars and
 * algorithm state, each checked like the top-level fields. Returns the number of modules.
 */
export function checkModules(c: Checker, v: unknown): number {
  if (!c.object('modules', v)) return 0;
  const entries = Object.entries(v);
  if (entries.length > CHECKPOINT_LIMITS.maxModules) {
    c.fail('modules', `has ${entries.length} modules; at most ${CHECKPOINT_LIMITS.maxModules}.`);
    return 0;
  }
  for (const [id, m] of entries) {
    const path = `modules.${id.slice(0, 64)}`;
    if (!MODULE_ID.test(id)) {
      c.fail(path, 'is not a valid module id (1-64 letters, digits, _ . -).');
      continue;
    }
    if (!c.object(path, m)) continue;
    checkNamedArrays(c, `${path}.optimizerState`, m['optimizerState']);
    if (isPlainObject(m['optimizerState'])) c.count(`${path}.optimizerState.step`, m['optimizerState']['step']);
    if (m['optimizers'] !== undefined) checkOptimizers(c, m['optimizers'], `${path}.optimizers`);
    checkScalars(c, `${path}.learnerState`, m['learnerState']);
    if (m['algorithmState'] !== undefined) checkAlgorithmState(c, m['algorithmState'], `${path}.algorithmState`);
  }
  return entries.length;
}

/** Named finite numbers (learnerState), at most maxLearnerStateKeys of them. */
export function checkScalars(c: Checker, path: string, v: unknown): void {
  if (!c.object(path, v)) return;
  const keys = Object.keys(v);
  if (keys.length > CHECKPOINT_LIMITS.maxLearnerStateKeys) {
    c.fail(path, `has ${keys.length} entries; at most ${CHECKPOINT_LIMITS.maxLearnerStateKeys}.`);
    return;
  }
  for (const k of keys) c.number(`${path}.${k}`, v[k]);
}

function checkReplayBuffer(c: Checker, v: unknown, path: string): void {
  if (!c.object(path, v)) return;
  const capacityOk = c.count(`${path}.capacity`, v['capacity']);
  const sizeOk = c.count(`${path}.size`, v['size']);
  const addedOk = c.count(`${path}.numAdded`, v['numAdded']);
  if (capacityOk && sizeOk && addedOk) {
    const capacity = v['capacity'] as number;
    const expected = Math.min(v['numAdded'] as number, capacity);
    if (v['size'] !== expected)
      c.fail(`${path}.size`, `is ${String(v['size'])}; numAdded and capacity give ${expected}.`);
  }
  if (v['contents'] !== undefined) checkReplayContents(c, `${path}.contents`, v['contents'], v);
}

type ArrayKind = 'f32' | 'f64' | 'i32' | 'u8';
const KINDS: Record<ArrayKind, (x: unknown) => boolean> = {
  f32: (x) => x instanceof Float32Array,
  f64: (x) => x instanceof Float64Array,
  i32: (x) => x instanceof Int32Array,
  u8: (x) => x instanceof Uint8Array,
};

/** The stored transitions: each column's type and size against capacity x dims, finite values. */
function checkReplayContents(c: Checker, path: string, v: unknown, pointers: Record<string, unknown>): void {
  if (!c.object(path, v)) return;
  const dims = ['capacity', 'obsDim', 'actionDim', 'numAdded'].map((k) =>
    c.count(`${path}.${k}`, v[k]) ? v[k] : null,
  );
  const [capacity, obsDim, actionDim, numAdded] = dims;
  if (capacity !== null && capacity !== pointers['capacity'])
    c.fail(`${path}.capacity`, `is ${capacity}; the buffer's capacity is ${String(pointers['capacity'])}.`);
  if (numAdded !== null && numAdded !== pointers['numAdded'])
    c.fail(`${path}.numAdded`, `is ${numAdded}; the pointers say ${String(pointers['numAdded'])}.`);
  c.boolean(`${path}.discreteActions`, v['discreteActions']);
  if (capacity === null || capacity === undefined || obsDim === null || obsDim === undefined) return;
  if (actionDim === null || actionDim === undefined) return;
  if (capacity * (2 * obsDim + actionDim + 4) > CHECKPOINT_LIMITS.maxFloats) {
    c.fail(path, `holds ${capacity} transitions of ${obsDim} observations; too large for a checkpoint.`);
    return;
  }
  const actionKind: ArrayKind = v['discreteActions'] === true ? 'i32' : 'f32';
  const columns: [string, ArrayKind, number | null][] = [
    ['obs', 'f32', capacity * obsDim],
    ['nextObs', 'f32', capacity * obsDim],
    ['actions', actionKind, capacity * actionDim],
    ['rewards', 'f32', capacity],
    ['terminateds', 'u8', capacity],
    ['truncateds', 'u8', capacity],
    ['successorIds', 'f64', capacity],
    ['pendingEpisodeIds', 'f64', null],
    ['pendingStepIds', 'f64', null],
    ['pendingEnvIndices', 'i32', null],
  ];
  if (v['priorities'] !== undefined) columns.push(['priorities', 'f64', capacity]);
  for (const [name, kind, size] of columns) checkTyped(c, `${path}.${name}`, v[name], kind, size);
  if (v['maxPriority'] !== undefined) c.number(`${path}.maxPriority`, v['maxPriority']);
}

function checkTyped(c: Checker, path: string, v: unknown, kind: ArrayKind, size: number | null): void {
  if (!KINDS[kind](v)) {
    c.fail(path, `must be ${kind} typed-array data, got ${describe(v)}.`);
    return;
  }
  const arr = v as Float32Array | Float64Array | Int32Array | Uint8Array;
  if (size !== null && arr.length !== size) c.fail(path, `has ${arr.length} values; the buffer's shape needs ${size}.`);
  let bad = 0;
  for (let i = 0; i < arr.length; i++) if (!Number.isFinite(arr[i])) bad++;
  if (bad > 0) c.fail(path, `has ${bad} non-finite value${bad === 1 ? '' : 's'}.`, true);
}
