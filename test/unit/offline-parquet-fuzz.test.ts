/**
 * Property-based tests of the episode file reader (fast-check), 2,500 generated files in all:
 * footers with a field changed, removed or retyped; bytes flipped or cut anywhere; random bytes;
 * footer metadata of every shape; columns of every physical type, shape, null pattern and hostile
 * value (NaN, 1e39, 1e300, 2^31, 2^63-1, "false"), written plain or compressed and
 * dictionary-encoded. Every case returns a table whose every column is whole and finite, or throws
 * RLError `offline/bad-file` naming the file, within CASE_BUDGET_MS; nothing else is thrown.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RLError } from '../../src/core/errors';
import { FLOAT32_MAX } from '../../src/offline/episode-columns';
import { MAX_ROWS_PER_FILE } from '../../src/offline/parquet-footer';
import { readEpisodesParquet, writeEpisodesParquet } from '../../src/offline/parquet-episodes';
import { cartPoleDemos } from './helpers/cartpole-demos';
import { episodeColumns, parquetFile, type ColumnSpec, type PhysicalName } from './helpers/episode-files';
import { T, footerOf, setKv, withFooter, type TField, type TList, type TStruct } from './helpers/parquet-edit';

/** Per-case budget: these files are a few KB and read in about a millisecond. */
const CASE_BUDGET_MS = 1000;
const NAME = 'fuzz.parquet';

/** The property: a whole table, or `offline/bad-file` naming the file; within the budget. */
async function check(bytes: Uint8Array, seen?: Map<string, number>): Promise<void> {
  const t0 = performance.now();
  let outcome = 'read';
  try {
    const t = await readEpisodesParquet(bytes, NAME);
    expect(t.numRows).toBeGreaterThan(0);
    expect(t.numRows).toBeLessThanOrEqual(MAX_ROWS_PER_FILE);
    const n = t.numRows;
    const aw = t.actionKind === 'discrete' ? 1 : t.actionDim;
    expect([t.obs.length, t.newObs.length, t.actions.length, t.rewards.length]).toEqual([
      n * t.obsDim,
      n * t.obsDim,
      n * aw,
      n,
    ]);
    expect([t.epsId.length, t.moduleId.length, t.t.length, t.terminateds.length, t.truncateds.length]).toEqual([
      n,
      n,
      n,
      n,
      n,
    ]);
    for (const col of [t.obs, t.newObs, t.rewards, t.actions, t.actionLogp ?? [], t.vfPreds ?? []])
      for (const x of col) expect(Number.isFinite(x) && Math.abs(x) <= FLOAT32_MAX).toBe(true);
    if (t.actionKind === 'discrete') for (const a of t.actions) expect(a).toBeGreaterThanOrEqual(0);
    for (const x of t.t) expect(x).toBeGreaterThanOrEqual(0);
    for (const f of [...t.terminateds, ...t.truncateds]) expect(f === 0 || f === 1).toBe(true);
    for (const id of [...t.epsId, ...t.moduleId]) expect(typeof id).toBe('string');
  } catch (e) {
    if (!(e instanceof RLError)) throw new Error(`threw a non-RLError: ${String(e)}`, { cause: e });
    expect(e.code).toBe('offline/bad-file');
    expect(e.message).toContain(NAME);
    outcome = 'refused';
  }
  expect(performance.now() - t0).toBeLessThan(CASE_BUDGET_MS);
  seen?.set(outcome, (seen.get(outcome) ?? 0) + 1);
}

/** Outcomes of a property's cases; both must occur, or the generator tests only one path. */
function expectBothOutcomes(seen: Map<string, number>, label: string): void {
  console.log(`${label}: ${JSON.stringify(Object.fromEntries(seen))}`);
  expect(seen.get('read') ?? 0).toBeGreaterThan(0);
  expect(seen.get('refused') ?? 0).toBeGreaterThan(0);
}

/** Valid files to mutate: the trainer's own, and another writer's (SNAPPY, dictionaries, 3 row groups). */
const BASES = [
  writeEpisodesParquet(cartPoleDemos({ numSteps: 30, randomRate: 0.3, seed: 3 }), { env: 'CartPole-v1' }),
  parquetFile(episodeColumns(24), { codec: 'SNAPPY', plain: false, rowGroupSize: 10, pageSize: 64 }),
];

type Step = number;
/** Every field (struct id) and list item below `s`, as paths. */
function paths(v: TField['v'], prefix: Step[], out: Step[][]): Step[][] {
  if (v instanceof Map) {
    for (const [id, f] of v) {
      out.push([...prefix, id]);
      paths(f.v, [...prefix, id], out);
    }
  } else if (v && typeof v === 'object' && 'items' in v) {
    v.items.forEach((item, i) => paths(item, [...prefix, i], out));
  }
  return out;
}

/** Applies `change` to the field or list item at `path` inside `meta` (a copy made by the caller). */
function at(meta: TStruct, path: readonly Step[], change: (parent: TStruct | TList, key: Step) => void): void {
  let node: TField['v'] = meta;
  for (const step of path.slice(0, -1)) {
    node = node instanceof Map ? node.get(step)!.v : (node as TList).items[step]!;
  }
  change(node as TStruct | TList, path[path.length - 1]!);
}

const HOSTILE_INTS = [
  -1n,
  0n,
  1n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n,
  2n ** 40n,
  2n ** 53n + 1n,
  2n ** 62n,
  2n ** 63n - 1n,
  -(2n ** 63n),
];
const hostileInt = fc.oneof(
  fc.constantFrom(...HOSTILE_INTS),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.bigInt({ min: -3n, max: 300n }),
);
/** A replacement value of some wire type (retyping a field is one of the mutations). */
const hostileField: fc.Arbitrary<TField> = fc.oneof(
  { weight: 4, arbitrary: hostileInt.map((v) => ({ t: T.I64, v })) },
  fc.uint8Array({ maxLength: 12 }).map((v) => ({ t: T.BINARY, v })),
  fc.boolean().map((v) => ({ t: v ? T.TRUE : T.FALSE, v })),
  fc.constant<TField>({ t: T.STRUCT, v: new Map() }),
  fc.array(hostileInt, { maxLength: 20 }).map((items) => ({ t: T.LIST, v: { elem: T.I64, items } })),
);
type Mutation = { kind: 'set'; field: TField } | { kind: 'delete' } | { kind: 'repeat'; times: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: hostileField.map((field) => ({ kind: 'set' as const, field })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'delete' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }).map((times) => ({ kind: 'repeat' as const, times })) },
);

function mutateFooter(base: Uint8Array, choices: readonly { path: number; m: Mutation }[]): Uint8Array {
  const meta = footerOf(base).meta;
  for (const { path: p, m } of choices) {
    const all = paths(meta, [], []);
    if (all.length === 0) break;
    at(meta, all[p % all.length]!, (parent, key) => {
      if (parent instanceof Map) {
        if (m.kind === 'set') parent.set(key, m.field);
        else if (m.kind === 'delete') parent.delete(key);
        else {
          const f = parent.get(key);
          if (f && typeof f.v === 'object' && 'items' in f.v && f.v.items.length > 0)
            f.v.items = Array.from({ length: m.times }, () => (f.v as TList).items[0]!);
        }
      } else if (m.kind === 'delete') parent.items.splice(key, 1);
      else if (m.kind === 'repeat')
        parent.items.splice(key, 0, ...Array.from({ length: m.times }, () => parent.items[key]!));
      else if (m.field.t === parent.elem || (parent.elem === T.I32 && m.field.t === T.I64))
        parent.items[key] = m.field.v;
    });
  }
  return withFooter(base, meta);
}

describe('readEpisodesParquet under fuzzing: footers', () => {
  it('a valid footer with 1-3 fields set to hostile values, removed or repeated (800 cases)', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BASES),
        fc.array(fc.record({ path: fc.nat(), m: mutation }), { minLength: 1, maxLength: 3 }),
        async (base, choices) => check(mutateFooter(base, choices), seen),
      ),
      { numRuns: 800 },
    );
    expectBothOutcomes(seen, 'footer fields');
  });

  it('1-8 bytes changed anywhere in a valid file, or the file cut short (500 cases)', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BASES),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(), { freq: 4 }),
        fc.boolean(),
        async (base, flips, cut, asBuffer) => {
          const bytes = base.slice();
          for (const [pos, b] of flips) bytes[pos % bytes.length] = b;
          const file = cut === null ? bytes : bytes.subarray(0, cut % bytes.length);
          // Half as a Node Buffer at an odd offset in a shared pool, as readFileSync returns files.
          await check(asBuffer ? Buffer.concat([Buffer.alloc(1), file]).subarray(1) : file, seen);
        },
      ),
      { numRuns: 500 },
    );
    expectBothOutcomes(seen, 'bytes changed');
  });

  it('random bytes, with and without PAR1 at both ends (200 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (body, magic) => {
        const par1 = [0x50, 0x41, 0x52, 0x31];
        const len = new Uint8Array(new Uint32Array([body.length]).buffer);
        await check(magic ? Uint8Array.from([...par1, ...body, ...len, ...par1]) : body);
      }),
      { numRuns: 200 },
    );
  });
});

describe('readEpisodesParquet under fuzzing: metadata', () => {
  const keys = ['rl.format', 'rl.obs_dim', 'rl.action_kind', 'rl.action_dim', 'rl.env'];
  const value = fc.oneof(
    fc.constantFrom('1', '2', '4', '0', '-1', '1e9', '1e10', 'abc', '2.5', '', ' 2', '02', '1048576', '1048577'),
    fc.constantFrom('discrete', 'box', 'browser-rl-episodes/1', 'browser-rl-episodes/2', 'CartPole-v1'),
    fc.string({ maxLength: 20 }),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
    fc.double().map(String),
  );

  it('rl.* keys set to any value or removed (400 cases)', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...BASES),
        fc.array(fc.tuple(fc.constantFrom(...keys), fc.option(value, { freq: 5 })), { minLength: 1, maxLength: 5 }),
        async (base, entries) => {
          const meta = footerOf(base).meta;
          for (const [k, v] of entries) setKv(meta, k, v);
          await check(withFooter(base, meta), seen);
        },
      ),
      { numRuns: 400 },
    );
    expectBothOutcomes(seen, 'metadata');
  });
});

describe('readEpisodesParquet under fuzzing: column types and values', () => {
  const POOL: Record<PhysicalName, fc.Arbitrary<unknown>> = {
    INT32: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(-(2 ** 31), 2 ** 31 - 1)),
    INT64: fc.oneof(fc.bigInt({ min: -3n, max: 3n }), fc.constantFrom(...HOSTILE_INTS)),
    FLOAT: fc.oneof(fc.float({ noDefaultInfinity: false }), fc.constantFrom(NaN, Infinity, 1e39, -0, 0.5)),
    DOUBLE: fc.oneof(fc.double(), fc.constantFrom(NaN, -Infinity, 1e39, 1e300, 2 ** 31, 2 ** 32, 0.5)),
    BOOLEAN: fc.boolean(),
    STRING: fc.oneof(fc.constantFrom('false', 'true', 'a', ''), fc.string({ maxLength: 6 })),
  };
  const TYPES = Object.keys(POOL) as PhysicalName[];

  /** One column: a type, list or not, optional with nulls or not, `rows` values. */
  const column = (name: string, rows: number): fc.Arbitrary<ColumnSpec> =>
    fc
      .record({
        type: fc.constantFrom(...TYPES),
        list: fc.boolean(),
        optional: fc.boolean(),
        width: fc.integer({ min: 0, max: 3 }),
      })
      .chain(({ type, list, optional, width }) => {
        const one = optional ? fc.option(POOL[type], { freq: 4 }) : POOL[type];
        const listRow = fc.array(POOL[type], { minLength: width, maxLength: width + (optional ? 1 : 0) });
        const row = list ? (optional ? fc.option(listRow, { freq: 4 }) : listRow) : one;
        return fc
          .array(row, { minLength: rows, maxLength: rows })
          .map((data) => ({ name, type, list, optional, data }));
      });

  const NAMES = [
    'eps_id',
    'module_id',
    't',
    'obs',
    'actions',
    'rewards',
    'new_obs',
    'terminateds',
    'truncateds',
    'action_logp',
    'vf_preds',
  ];

  it('valid columns with 1-3 replaced by random types, shapes, nulls and values (600 cases)', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }).chain((rows) =>
          fc.record({
            rows: fc.constant(rows),
            replaced: fc.array(
              fc
                .constantFrom(...NAMES)
                .chain((n) => fc.option(column(n, rows), { freq: 6 }).map((c) => [n, c] as const)),
              {
                minLength: 1,
                maxLength: 3,
              },
            ),
            snappy: fc.boolean(),
            withKv: fc.boolean(),
          }),
        ),
        async ({ rows, replaced, snappy, withKv }) => {
          const cols = episodeColumns(rows, Object.fromEntries(replaced));
          let bytes: Uint8Array;
          try {
            bytes = parquetFile(cols, {
              ...(withKv ? { kv: { 'rl.obs_dim': '2', 'rl.action_kind': 'discrete', 'rl.action_dim': '1' } } : {}),
              ...(snappy ? { codec: 'SNAPPY' as const, plain: false, rowGroupSize: 4 } : {}),
            });
          } catch {
            // hyparquet-writer refused the combination (a value its type cannot hold): nothing to read.
            seen.set('unwritable', (seen.get('unwritable') ?? 0) + 1);
            return;
          }
          await check(bytes, seen);
        },
      ),
      { numRuns: 600 },
    );
    expectBothOutcomes(seen, 'columns');
    expect(seen.get('unwritable') ?? 0).toBeLessThan(100);
  });
});
