/**
 * Property-based tests of the sweep parser and expander (fast-check; issue 27): generated sweeps
 * with search domains of every kind (well and badly formed, grids up to 40 values, many grids),
 * num_samples up to 1e300, ASHA settings at and past their edges (reduction_factor 1 + 2^-52,
 * grace_period 1e-300, max_t Infinity), nesting far deeper than configs go, and random JSON and
 * text. Every case returns within its time budget, either a sweep of at most MAX_TRIALS_PER_SWEEP
 * trials (whose ASHA scheduler builds, with at most MAX_ASHA_RUNGS rungs) or its issues, each
 * naming a path; nothing throws, except the project's coded error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSweepText } from '../../src/app/tune-url';
import { RLError, type ConfigIssue } from '../../src/core/errors';
import { jsonValueDepth } from '../../src/core/json-depth';
import { AshaScheduler, MAX_ASHA_RUNGS } from '../../src/tune/asha';
import { MAX_TRIALS_PER_SWEEP, parseSweep, type Sweep } from '../../src/tune/sweep';

/** Per case: the largest valid sweep (1,000 trials) checks in ~50 ms here. */
const CASE_BUDGET_MS = 1500;

function checkResult(sweep: Sweep | null, issues: readonly ConfigIssue[]): void {
  for (const i of issues) {
    expect(typeof i.path).toBe('string');
    expect(typeof i.message).toBe('string');
  }
  if (sweep === null) {
    expect(issues.some((i) => i.severity === 'error')).toBe(true);
    return;
  }
  expect(sweep.trials.length).toBeGreaterThan(0);
  expect(sweep.trials.length).toBeLessThanOrEqual(MAX_TRIALS_PER_SWEEP);
  if (sweep.asha) expect(new AshaScheduler(sweep.asha).milestones.length).toBeLessThanOrEqual(MAX_ASHA_RUNGS);
}

/** The property: a sweep or its issues, or a coded error; within the budget. */
function checkInput(input: unknown): void {
  const t0 = performance.now();
  try {
    const { sweep, issues } = parseSweep(input);
    checkResult(sweep, issues);
    // The page's path: the text as a link or the editor gives it (nesting JSON.stringify survives).
    const text = jsonValueDepth(input, 1000) <= 1000 ? JSON.stringify(input) : undefined;
    if (text !== undefined) {
      const check = checkSweepText(text);
      checkResult(check.sweep, check.issues);
    }
  } catch (e) {
    if (!(e instanceof RLError)) throw new Error(`threw a non-RLError: ${String(e)}`, { cause: e });
  }
  expect(performance.now() - t0).toBeLessThan(CASE_BUDGET_MS);
}

/** Numbers at the edges: tiny, huge, just above 1, non-finite, not numbers at all. */
const edgeNumber = fc.oneof(
  fc.constantFrom<unknown>(
    0,
    -1,
    1,
    2,
    100,
    1 + 2 ** -52,
    1.0000001,
    1.01,
    1e-300,
    1e300,
    2 ** 53,
    1e9,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    '4',
    null,
    true,
    [],
    {},
  ),
  fc.double(),
  fc.integer({ min: -5, max: 2000 }),
);

const gridValue = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.string({ maxLength: 6 }),
);

/** Well-formed search domains: what a user writes. */
const validDomain = fc.oneof(
  fc.array(gridValue, { minLength: 1, maxLength: 12 }).map((v) => ({ grid_search: v })),
  fc.array(gridValue, { minLength: 1, maxLength: 6 }).map((v) => ({ choice: v })),
  fc
    .tuple(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: 1e-9, max: 10, noNaN: true }))
    .map(([lo, w]) => ({ uniform: [lo, lo + w] })),
  fc
    .tuple(fc.double({ min: 1e-8, max: 1, noNaN: true }), fc.double({ min: 1.5, max: 1e3, noNaN: true }))
    .map(([lo, k]) => ({ loguniform: [lo, lo * k] })),
  fc
    .tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 50 }))
    .map(([lo, w]) => ({ randint: [lo, lo + w] })),
);

/** Badly formed ones, and grids of many values. */
const hostileDomain = fc.oneof(
  fc
    .tuple(fc.constantFrom('grid_search', 'choice', 'uniform', 'loguniform', 'randint'), edgeNumber, edgeNumber)
    .map(([kind, lo, hi]) => ({ [kind]: [lo, hi] })),
  fc.array(fc.integer(), { minLength: 30, maxLength: 2000 }).map((v) => ({ grid_search: v })),
  fc.constantFrom<unknown>(
    { grid_search: 5 },
    { grid_search: [] },
    { grid_search: [1], choice: [2] },
    { grid_search: [{ choice: [1, 2] }] },
    { uniform: [1] },
    { randint: [0.5, 3] },
    { loguniform: [0, 1] },
  ),
);

/** Keys a config has (RLlib's names and ours), with values a search may take. */
const CONFIG_KEYS = ['lr', 'gamma', 'lambda', 'num_epochs', 'minibatch_size', 'entropy_coeff', 'clip_param'];

const validSpace = fc.record({
  algo: fc.constantFrom('PPO', 'ppo', 'IMPALA', 'APPO'),
  searched: fc.dictionary(fc.constantFrom(...CONFIG_KEYS), validDomain, { maxKeys: 4 }),
  envConfig: fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), validDomain, { maxKeys: 3 }),
});

const validScheduler = fc.record({
  type: fc.constantFrom('ASHA', 'asha', 'AsyncHyperBandScheduler'),
  grace_period: fc.double({ min: 1e-3, max: 20, noNaN: true }),
  reduction_factor: fc.oneof(fc.double({ min: 1 + 2 ** -52, max: 8, noNaN: true }), fc.constantFrom(2, 3, 4)),
  max_t: fc.double({ min: 1, max: 1e4, noNaN: true }),
  mode: fc.constantFrom('max', 'min'),
});

/** A sweep a user would write: it parses, unless its size or its rungs are past the limits. */
const validSweep = fc
  .record({
    space: validSpace,
    numSamples: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 1200 })),
    maxConcurrent: fc.integer({ min: 0, max: 4 }),
    mode: fc.constantFrom('max', 'min'),
    scheduler: fc.option(validScheduler),
    stopIters: fc.integer({ min: 1, max: 100 }),
  })
  .map(({ space, numSamples, maxConcurrent, mode, scheduler, stopIters }) => ({
    param_space: {
      env: 'CartPole-v1',
      algo: space.algo,
      ...space.searched,
      ...(Object.keys(space.envConfig).length > 0 ? { env_config: space.envConfig } : {}),
    },
    tune_config: {
      num_samples: numSamples,
      max_concurrent_trials: maxConcurrent,
      mode,
      ...(scheduler ? { scheduler } : {}),
    },
    run_config: { stop: { training_iteration: stopIters } },
  }));

/** Every place a mutation may go: each section's keys, the scheduler's, the searched keys. */
const MUTATION_PATHS: readonly (readonly string[])[] = [
  ['param_space'],
  ['param_space', 'env'],
  ['param_space', 'algo'],
  ['param_space', 'lr'],
  ['param_space', 'env_config'],
  ['param_space', 'training'],
  ['param_space', '__proto__'],
  ['param_space', 'no_such_key'],
  ['tune_config'],
  ['tune_config', 'num_samples'],
  ['tune_config', 'max_concurrent_trials'],
  ['tune_config', 'seed'],
  ['tune_config', 'metric'],
  ['tune_config', 'mode'],
  ['tune_config', 'scheduler'],
  ['tune_config', 'scheduler', 'type'],
  ['tune_config', 'scheduler', 'grace_period'],
  ['tune_config', 'scheduler', 'reduction_factor'],
  ['tune_config', 'scheduler', 'max_t'],
  ['tune_config', 'scheduler', 'time_attr'],
  ['tune_config', 'extra'],
  ['run_config', 'stop'],
  ['run_config', 'failure_config'],
  ['run_config', 'failure_config', 'max_failures'],
  ['run_config', 'checkpoint_config', 'checkpoint_frequency'],
  ['resources', 'num_cpus'],
  ['resources', 'num_gpus'],
  ['resources', 'custom'],
  ['resources', 'custom', 'licence'],
  ['extra_section'],
];

const DELETE = Symbol('delete');

const mutation = fc.record({
  path: fc.constantFrom(...MUTATION_PATHS),
  value: fc.oneof(
    { weight: 4, arbitrary: edgeNumber },
    { weight: 3, arbitrary: hostileDomain },
    { weight: 2, arbitrary: validDomain },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.constant<unknown>(DELETE) },
  ),
});

/** `value` at `path` in a copy of `base` (missing objects on the way created; DELETE removes it). */
function mutate(base: unknown, path: readonly string[], value: unknown): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === DELETE) delete node[last];
  else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** A value nested `depth` levels deep (objects or arrays). */
const nested = (depth: number, inner: unknown, asArray: boolean): unknown => {
  let v = inner;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
};

/** How deep to nest env_config (built inside the property: fast-check prints its cases recursively). */
const deepening = fc.oneof(
  { weight: 7, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(10, 61, 62, 63, 64, 65, 5000, 100_000), fc.boolean()) },
);

/** The sweep with its param_space's env_config nested as `deep` says. */
function deepen(input: unknown, deep: [number, boolean] | null): unknown {
  if (deep === null) return input;
  return mutate(input, ['param_space', 'env_config'], { x: nested(deep[0], { grid_search: [1, 2] }, deep[1]) });
}

/** A user's sweep, then 0 to 3 mutations, then perhaps nested deep. */
const sweepCase = fc
  .tuple(validSweep, fc.array(mutation, { maxLength: 3 }), deepening)
  .map(([base, mutations, deep]) => ({ base, mutations, deep }));

const build = ({
  base,
  mutations,
  deep,
}: {
  base: unknown;
  mutations: { path: readonly string[]; value: unknown }[];
  deep: [number, boolean] | null;
}): unknown =>
  deepen(
    mutations.reduce((json, m) => mutate(json, m.path, m.value), base),
    deep,
  );

describe('parseSweep / checkSweepText under fuzzing', () => {
  it('generated sweeps: domains, sizes, num_samples and ASHA settings at their edges (1,000 cases)', () => {
    fc.assert(
      fc.property(sweepCase, (c) => checkInput(build(c))),
      { numRuns: 1000 },
    );
  });

  it('sweeps whose only fault is their size or their ASHA rungs (400 cases)', () => {
    const sized = fc.record({
      grids: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 12 }),
      numSamples: fc.oneof(fc.integer({ min: 1, max: 1100 }), fc.constantFrom(1e9, 2 ** 53, 1e300)),
      gracePeriod: fc.oneof(fc.double({ min: 1e-300, max: 1e3, noNaN: true }), fc.constant(1)),
      reductionFactor: fc.oneof(fc.double({ min: 1 + 2 ** -52, max: 8, noNaN: true }), fc.constantFrom(1.05, 2, 4)),
      maxT: fc.oneof(fc.double({ min: 1e-3, max: 1e300, noNaN: true }), fc.constant(100)),
    });
    fc.assert(
      fc.property(sized, ({ grids, numSamples, gracePeriod, reductionFactor, maxT }) => {
        const envConfig = Object.fromEntries(
          grids.map((n, i) => [`k${i}`, { grid_search: Array.from({ length: n }, (_, j) => j) }]),
        );
        const input = {
          param_space: { env: 'CartPole-v1', env_config: envConfig },
          tune_config: {
            num_samples: numSamples,
            scheduler: { type: 'ASHA', grace_period: gracePeriod, reduction_factor: reductionFactor, max_t: maxT },
          },
        };
        checkInput(input);
        const { sweep, issues } = parseSweep(input);
        const count = grids.reduce((a, b) => a * b, 1) * numSamples;
        if (count > MAX_TRIALS_PER_SWEEP) {
          expect(sweep).toBeNull();
          expect(issues.some((i) => i.message.includes(`${count} trials`))).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('random JSON values and text (600 cases)', () => {
    fc.assert(fc.property(fc.jsonValue(), checkInput), { numRuns: 300 });
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const t0 = performance.now();
        const check = checkSweepText(text);
        checkResult(check.sweep, check.issues);
        expect(performance.now() - t0).toBeLessThan(CASE_BUDGET_MS);
      }),
      { numRuns: 300 },
    );
  });
});
