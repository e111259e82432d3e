/**
 * Property-based tests of the checkpoint parser (fast-check): random JSON, random text, and valid
 * checkpoints with random mutations (wrong types, numbers JSON cannot hold, huge and negative
 * counters, missing fields, bad `$f32` base64, NaN weights, truncated text). Every case either
 * returns a valid checkpoint or throws an RLError whose code starts with `checkpoint/`; none
 * throws anything else, and none takes longer than its time budget.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointIssues } from '../../src/algorithms/checkpoint-schema';
import { CHECKPOINT_CONFIG_RULES } from '../../src/algorithms/registry';
import { checkpointFromJson, checkpointToJson } from '../../src/app/checkpoint-codec';
import { RLError } from '../../src/core/errors';
import { tinyCheckpoint } from './helpers/ppo-fixture';

/** Per-case budget: a valid tiny checkpoint parses in about a millisecond. */
const CASE_BUDGET_MS = 1000;

let validText = '';
let valid: Record<string, unknown> = {};
/** Every path into the valid checkpoint's JSON (object keys and array indices). */
const paths: (string | number)[][] = [];

function collectPaths(v: unknown, prefix: (string | number)[], out: (string | number)[][]): void {
  if (Array.isArray(v)) v.forEach((x, i) => collectPaths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) collectPaths(x, [...prefix, k], out);
  }
  if (prefix.length > 0) out.push(prefix);
}

beforeAll(async () => {
  validText = checkpointToJson(await tinyCheckpoint(2));
  valid = JSON.parse(validText) as Record<string, unknown>;
  collectPaths(valid, [], paths);
});

/** The property: a valid checkpoint, or a coded checkpoint error; within the budget. */
function checkText(text: string): void {
  const t0 = performance.now();
  try {
    const ckpt = checkpointFromJson(text);
    expect(checkpointIssues(ckpt, CHECKPOINT_CONFIG_RULES)).toEqual([]);
  } catch (e) {
    if (!(e instanceof RLError)) throw new Error(`threw a non-RLError: ${String(e)}`, { cause: e });
    expect(e.code).toMatch(/^checkpoint\//);
  }
  expect(performance.now() - t0).toBeLessThan(CASE_BUDGET_MS);
}

const f32Base64 = (bytes: Uint8Array): { $f32: string } => ({ $f32: btoa(String.fromCharCode(...bytes)) });

/** Values that break a field: wrong types, numbers out of range, encodings of non-finite floats. */
const hostileValue = fc.oneof(
  fc.constantFrom(
    null,
    'NaN',
    'Infinity',
    '999',
    '',
    -1,
    -1e18,
    1e300,
    2 ** 53,
    0.5,
    true,
    [],
    {},
    [Number.MAX_SAFE_INTEGER],
    { $f32: 'not base64!' },
    { $f32: 'AAA' },
    { $f32: 42 },
    f32Base64(new Uint8Array(Float32Array.of(Number.NaN, Number.POSITIVE_INFINITY).buffer)),
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.uint8Array({ maxLength: 64 }).map(f32Base64),
  fc.string({ maxLength: 40 }).map(($f32) => ({ $f32 })),
);

const DELETE = Symbol('delete');

/** Applies `value` at `path` in a deep copy (or deletes the key). */
function mutate(base: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === DELETE) {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

const mutation = (): fc.Arbitrary<{ path: (string | number)[]; value: unknown }> =>
  fc.record({
    path: fc.constantFrom(...paths),
    value: fc.oneof({ weight: 4, arbitrary: hostileValue }, { weight: 1, arbitrary: fc.constant<unknown>(DELETE) }),
  });

describe('checkpointFromJson under fuzzing', () => {
  it('random JSON values (400 cases)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => checkText(JSON.stringify(v) ?? 'null')),
      { numRuns: 400 },
    );
  });

  it('random text (200 cases)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), checkText), { numRuns: 200 });
  });

  it('valid checkpoints with 1-4 random mutations (800 cases)', () => {
    fc.assert(
      fc.property(fc.array(mutation(), { minLength: 1, maxLength: 4 }), (mutations) => {
        let json: unknown = valid;
        for (const m of mutations) {
          try {
            json = mutate(json, m.path, m.value);
          } catch {
            // An earlier mutation removed this path's parent: skip this one.
          }
        }
        checkText(JSON.stringify(json));
      }),
      { numRuns: 800 },
    );
  });

  it('numbers JSON cannot hold (1e999, -1e999) spliced into the text (200 cases)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.constantFrom('1e999', '-1e999', '-0', '1e-400'), (seed, literal) => {
        const numbers = [...validText.matchAll(/(?<=[:,[])-?\d[\d.e+-]*/g)];
        const pick = numbers[seed % numbers.length]!;
        checkText(validText.slice(0, pick.index) + literal + validText.slice(pick.index + pick[0].length));
      }),
      { numRuns: 200 },
    );
  });

  it('truncated checkpoint text (200 cases)', () => {
    fc.assert(
      fc.property(fc.nat(), (n) => checkText(validText.slice(0, n % validText.length))),
      { numRuns: 200 },
    );
  });
});
