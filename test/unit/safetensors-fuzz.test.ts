/**
 * The safetensors reader under hostile files (issue 27): a 16 MB header of nested brackets, and
 * property-based cases (fast-check) over valid files with their header mutated (every field given
 * wrong types, extreme numbers, deep nesting, long names), their length field rewritten, their
 * bytes flipped or cut, and random bytes. Every case returns the tensors or throws
 * `weights/invalid-file` with a message of bounded length, within its time budget.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RLError } from '../../src/core/errors';
import { decodeSafetensors, encodeSafetensors, SAFETENSORS_LIMITS } from '../../src/rl-module/safetensors';

/** Per case; a 16 MB header is scanned in well under a second. */
const CASE_BUDGET_MS = 2000;
/** 20 problems shown, each line cut: a message never grows with the file. */
const MAX_MESSAGE_CHARS = 8000;

function expectRefused(bytes: Uint8Array): RLError {
  const t0 = performance.now();
  let thrown: unknown = null;
  try {
    decodeSafetensors(bytes);
  } catch (e) {
    thrown = e;
  }
  expect(performance.now() - t0).toBeLessThan(CASE_BUDGET_MS);
  if (!(thrown instanceof RLError)) throw new Error(`did not throw an RLError: ${String(thrown)}`, { cause: thrown });
  expect(thrown.code).toBe('weights/invalid-file');
  expect(thrown.message.length).toBeLessThan(MAX_MESSAGE_CHARS);
  return thrown;
}

/** The property: the tensors, or weights/invalid-file with a bounded message; within the budget. */
function checkBytes(bytes: Uint8Array): void {
  const t0 = performance.now();
  try {
    const file = decodeSafetensors(bytes);
    for (const t of file.tensors) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
  } catch (e) {
    if (!(e instanceof RLError)) throw new Error(`threw a non-RLError: ${String(e)}`, { cause: e });
    expect(e.code).toBe('weights/invalid-file');
    expect(e.message.length).toBeLessThan(MAX_MESSAGE_CHARS);
  }
  expect(performance.now() - t0).toBeLessThan(CASE_BUDGET_MS);
}

/** A file of the given header text (length field = its bytes) and data bytes. */
function fileOf(header: string | Uint8Array, data: Uint8Array = new Uint8Array(0), declared?: bigint): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declared ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors headers that would overflow the stack', () => {
  it('16 MB of nested brackets: weights/invalid-file with a short message, not a RangeError', () => {
    const half = SAFETENSORS_LIMITS.maxHeaderBytes / 2;
    const header = new Uint8Array(SAFETENSORS_LIMITS.maxHeaderBytes);
    header.fill(0x5b, 0, half); // [
    header.fill(0x5d, half); // ]
    const e = expectRefused(fileOf(header));
    expect(e.message).toContain('(header)');
    expect(e.message).toContain('levels');
  });

  it.each([
    ['an entry', (deep: string) => `{"w":${deep}}`],
    ['the metadata', (deep: string) => `{"__metadata__":{"k":${deep}}}`],
    ['objects', () => `${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`],
  ])('deep nesting inside %s is refused the same way', (_what, make) => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expectRefused(fileOf(make(deep)));
  });

  it('brackets inside strings are not nesting: a valid file with such names and metadata reads', () => {
    const name = '[[[[{{{{"\\'.repeat(30);
    const bytes = encodeSafetensors([{ name, shape: [2], data: Float32Array.of(1, 2) }], { note: '['.repeat(1000) });
    const file = decodeSafetensors(bytes);
    expect(file.tensors[0]!.name).toBe(name);
    expect(file.metadata['note']).toBe('['.repeat(1000));
  });

  it('a 1 MB tensor name in an error is cut, not copied into the message', () => {
    const name = 'n'.repeat(1 << 20);
    const e = expectRefused(fileOf(JSON.stringify({ [name]: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } })));
    expect(e.message).toContain('nnnn');
  });
});

/** A small valid file: a few tensors and metadata, as an export writes. */
const validFile = fc
  .array(
    fc.record({
      name: fc.oneof(fc.constantFrom('pi.net.mlp.0.weight', 'vf.bias', '__proto__', 'constructor'), fc.string()),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((specs) => {
    const seen = new Set<string>(['__metadata__']);
    const tensors = specs
      .filter((s) => !seen.has(s.name) && seen.add(s.name))
      .map((s) => {
        const n = s.shape.reduce((a, b) => a * b, 1);
        return { name: s.name, shape: s.shape, data: Float32Array.from({ length: n }, (_, i) => i / 2) };
      });
    return encodeSafetensors(tensors, { format: 'browser-rl-rllib-weights/1', layout: '{"kind":"q"}' });
  });

/** The header JSON and the data bytes of a valid file. */
function split(bytes: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  return { header, data: bytes.subarray(8 + n) };
}

const hostileValue = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    -1,
    0.5,
    1e300,
    2 ** 53,
    2 ** 64,
    '',
    'F32',
    'F16',
    'BF16',
    [],
    [0],
    [0, 2 ** 53],
    [2 ** 31, 2 ** 31],
    [-4, 0],
    [8, 4],
    [1e15, 1e15, 1e15, 1e15, 1e15, 1e15, 1e15, 1e15],
    Array.from({ length: 9 }, () => 1),
    { dtype: 'F32' },
    {},
  ),
  fc.jsonValue({ maxDepth: 4 }),
  fc.array(fc.oneof(fc.integer(), fc.double()), { maxLength: 10 }),
  fc.string({ maxLength: 2000 }),
);

const FIELDS = ['dtype', 'shape', 'data_offsets', '(entry)', '(metadata)', '(metadata key)', '(new entry)'] as const;

const headerMutation = fc.record({
  which: fc.nat(),
  field: fc.constantFrom(...FIELDS),
  value: hostileValue,
  /** 0: none; else this many levels of [ or { around the value. */
  depth: fc.oneof(
    { weight: 5, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constantFrom(63, 64, 65, 10_000) },
  ),
});

function wrapDeep(value: unknown, depth: number): string {
  const inner = JSON.stringify(value) ?? 'null';
  return depth === 0 ? inner : `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
}

type HeaderMutation = typeof headerMutation extends fc.Arbitrary<infer T> ? T : never;

function mutateHeader(bytes: Uint8Array, mutations: readonly HeaderMutation[]): Uint8Array {
  const { header, data } = split(bytes);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  // Values are spliced in as text, so nesting deeper than JSON.stringify goes survives the build.
  const spliced = new Map<string, string>();
  mutations.forEach((m, i) => {
    const name = names[m.which % names.length]!;
    const mark = `@@${i}@@`;
    spliced.set(`"${mark}"`, wrapDeep(m.value, m.depth));
    const entry = header[name] as Record<string, unknown>;
    if (m.field === '(entry)') header[name] = mark;
    else if (m.field === '(metadata)') header['__metadata__'] = mark;
    else if (m.field === '(metadata key)') {
      const metadata = header['__metadata__'];
      if (typeof metadata === 'object' && metadata !== null) (metadata as Record<string, unknown>)[`k${i}`] = mark;
    } else if (m.field === '(new entry)') header[`extra${i}`] = mark;
    else if (typeof entry === 'object' && entry !== null) entry[m.field] = mark;
  });
  let text = JSON.stringify(header);
  for (const [mark, value] of spliced) text = text.replace(mark, () => value);
  return fileOf(text, data);
}

describe('decodeSafetensors under fuzzing', () => {
  it("an empty tensor at another tensor's start byte is neither an overlap nor a hole (a fuzz find)", () => {
    // Tensor "0" (a scalar) at [0, 4] and tensor "" (shape [0]) at [0, 0]: fast-check seed 1158902057.
    const bytes = Uint8Array.from([
      192, 0, 0, 0, 0, 0, 0, 0, 123, 34, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44,
      34, 115, 104, 97, 112, 101, 34, 58, 91, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34,
      58, 91, 48, 44, 52, 93, 125, 44, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102,
      111, 114, 109, 97, 116, 34, 58, 34, 98, 114, 111, 119, 115, 101, 114, 45, 114, 108, 45, 114, 108, 108, 105, 98,
      45, 119, 101, 105, 103, 104, 116, 115, 47, 49, 34, 44, 34, 108, 97, 121, 111, 117, 116, 34, 58, 34, 123, 92, 34,
      107, 105, 110, 100, 92, 34, 58, 92, 34, 113, 92, 34, 125, 34, 125, 44, 34, 34, 58, 123, 34, 100, 116, 121, 112,
      101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 48, 93, 44, 34, 100, 97, 116, 97, 95,
      111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 48, 93, 125, 125, 32, 32, 32, 32, 0, 0, 0, 0,
    ]);
    const decoded = decodeSafetensors(bytes);
    expect(decoded.tensors.map((t) => [t.name, t.data.length]).sort()).toEqual([
      ['', 0],
      ['0', 1],
    ]);
  });

  it('valid files read back (100 cases)', () => {
    fc.assert(
      fc.property(validFile, (bytes) => {
        expect(decodeSafetensors(bytes).tensors.length).toBeGreaterThan(0);
      }),
      { numRuns: 100 },
    );
  });

  it('valid files with 1-3 header fields mutated, some nested deep (1,000 cases)', () => {
    fc.assert(
      fc.property(validFile, fc.array(headerMutation, { minLength: 1, maxLength: 3 }), (bytes, mutations) =>
        checkBytes(mutateHeader(bytes, mutations)),
      ),
      { numRuns: 1000 },
    );
  });

  it('the length field rewritten, bytes flipped, the file cut (600 cases)', () => {
    fc.assert(
      fc.property(
        validFile,
        fc.oneof(
          fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => ({ kind: 'length' as const, n })),
          fc.nat().map((n) => ({ kind: 'cut' as const, n })),
          fc
            .array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
            .map((flips) => ({
              kind: 'flip' as const,
              flips,
            })),
        ),
        (bytes, change) => {
          const out = bytes.slice();
          if (change.kind === 'length') new DataView(out.buffer).setBigUint64(0, change.n, true);
          if (change.kind === 'flip') for (const [at, b] of change.flips) out[at % out.length] = b;
          checkBytes(change.kind === 'cut' ? out.subarray(0, change.n % out.length) : out);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('random bytes and random header text (400 cases)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), checkBytes), { numRuns: 200 });
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 64 }), (text, data) =>
        checkBytes(fileOf(text, data)),
      ),
      { numRuns: 200 },
    );
  });
});
