/**
 * Property-based tests over the parsers that take outside input: config JSON (resolveConfig /
 * fromJson), CLI flags (parseArgs) and the URL hash (parseUrlState / decodeConfigHash). Every case
 * either succeeds or throws the project's coded error (RLError, ConfigError, the CLI's UsageError);
 * anything else (a TypeError, a RangeError) is a bug.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PPO_DEFAULTS } from '../../src/algorithms/ppo/ppo-config';
import { resolveConfig } from '../../src/algorithms/registry';
import { parseUrlState } from '../../src/app/url-state';
import { parseArgs, UsageError } from '../../src/cli/args';
import { decodeConfigHash, encodeConfigHash } from '../../src/core/config-url';
import { keyAliasesOf, leafPaths, SECTION_ALIASES } from '../../src/core/config-keys';
import { PPO_SPEC } from '../../src/algorithms/ppo/ppo-spec';
import { RLError } from '../../src/core/errors';

const RUNS = 1000;

/** Runs `fn`; passes if it returns or throws one of `allowed`, rethrows anything else. */
function succeedsOrThrowsCoded(
  fn: () => unknown,
  allowed: readonly (new (...a: never[]) => Error)[] = [RLError],
): void {
  try {
    fn();
  } catch (e) {
    if (allowed.some((cls) => e instanceof cls)) return;
    throw e;
  }
}

const camelPaths = leafPaths(PPO_DEFAULTS);
const snakeNames = Object.keys(keyAliasesOf(PPO_SPEC));
const sectionNames = Object.keys(SECTION_ALIASES);
/** Every spelling of a key a user may write, plus names that probe prototype lookups. */
const keyName = fc.oneof(
  fc.constantFrom(...camelPaths),
  fc.constantFrom(...camelPaths.map((p) => p.slice(p.indexOf('.') + 1))),
  fc.constantFrom(...snakeNames),
  fc.tuple(fc.constantFrom(...sectionNames), fc.constantFrom(...snakeNames)).map(([s, k]) => `${s}.${k}`),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'prototype', 'hasOwnProperty', 'preset', 'algo', ''),
  fc.string(),
);
/** Values that stress validation: wrong types, non-finite numbers, extremes, nested junk. */
const oddValue = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 2 ** 31, 2 ** 53, 1e308, -1e18, 1e-320, undefined, 'auto', 'none', []),
  fc.array(fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)), { maxLength: 5 }),
  fc.array(fc.tuple(fc.double(), fc.double()), { maxLength: 4 }),
);
/** A config object: flat RLlib-style, or sectioned, built from the names above. */
const configInput = fc.oneof(
  fc.dictionary(keyName, oddValue, { maxKeys: 6 }),
  fc.dictionary(fc.constantFrom(...sectionNames), fc.dictionary(keyName, oddValue, { maxKeys: 4 }), { maxKeys: 4 }),
);

describe('config JSON (resolveConfig / fromJson)', () => {
  it('arbitrary JSON never throws anything but a coded error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => succeedsOrThrowsCoded(() => resolveConfig(v))),
      { numRuns: RUNS },
    );
  });

  it('valid configs with mutated fields (snake_case, dotted, sectioned) never throw anything else', () => {
    fc.assert(
      fc.property(configInput, fc.boolean(), (input, withPreset) => {
        const json = withPreset ? { preset: 'CartPole-v1', ...input } : input;
        succeedsOrThrowsCoded(() => resolveConfig(json));
        succeedsOrThrowsCoded(() => resolveConfig(JSON.parse(JSON.stringify(json)) as unknown));
      }),
      { numRuns: RUNS },
    );
  });
});

/** What a person might type on a command line: real flags, RLlib names, values and junk. */
const argvItem = fc.oneof(
  fc.constantFrom('--help', '-h', '--', '--config', '--preset', '--stop-iters', '--stop-reward', '--backend', '--json'),
  fc.constantFrom(...snakeNames.map((n) => `--${n}`), ...snakeNames.map((n) => `--${n.replace(/_/g, '-')}`)),
  fc.tuple(fc.constantFrom(...snakeNames), fc.string()).map(([n, v]) => `--${n}=${v}`),
  fc.constantFrom('null', 'none', 'true', '1e400', 'NaN', '-1', '0', '64,64', '[1,2', '{}', '0:1e-3,100:0', 'auto', ''),
  fc.string(),
);

describe('CLI flags (parseArgs)', () => {
  it('arbitrary argv arrays parse or throw UsageError; parsed config flags resolve or throw a coded error', () => {
    fc.assert(
      fc.property(fc.array(argvItem, { maxLength: 8 }), (argv) => {
        let parsed: ReturnType<typeof parseArgs> | null = null;
        succeedsOrThrowsCoded(() => (parsed = parseArgs(argv)), [UsageError]);
        if (parsed === null) return;
        const sectioned: Record<string, unknown> = {};
        for (const f of (parsed as ReturnType<typeof parseArgs>).configFlags) {
          const dot = f.path.indexOf('.');
          if (dot < 0) sectioned[f.path] = f.value;
          else ((sectioned[f.path.slice(0, dot)] ??= {}) as Record<string, unknown>)[f.path.slice(dot + 1)] = f.value;
        }
        succeedsOrThrowsCoded(() => resolveConfig(sectioned));
      }),
      { numRuns: RUNS },
    );
  });

  it('well-formed flag/value pairs with odd values parse, and resolve or throw a coded error', () => {
    const flag = fc.oneof(
      fc.constantFrom(...snakeNames.map((n) => `--${n.replace(/_/g, '-')}`)),
      fc.constantFrom(
        '--stop-iters',
        '--stop-reward',
        '--stop-timesteps',
        '--checkpoint-every',
        '--backend',
        '--preset',
      ),
    );
    const value = fc.oneof(
      fc.constantFrom(
        'null',
        'none',
        'true',
        '1e400',
        'NaN',
        '-1',
        '0',
        '2.5',
        '64,64',
        '[1,2',
        '{}',
        '0:1e-3,100:0',
        'auto',
      ),
      fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
      fc.string(),
    );
    let parsedCount = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(flag, value), { maxLength: 5 }), (pairs) => {
        const argv = pairs.flatMap(([f, v]) => [`${f}=${v}`]);
        let parsed: ReturnType<typeof parseArgs> | null = null;
        succeedsOrThrowsCoded(() => (parsed = parseArgs(argv)), [UsageError]);
        if (parsed === null) return;
        parsedCount++;
        const sectioned: Record<string, unknown> = {};
        for (const f of (parsed as ReturnType<typeof parseArgs>).configFlags) {
          const dot = f.path.indexOf('.');
          if (dot < 0) sectioned[f.path] = f.value;
          else ((sectioned[f.path.slice(0, dot)] ??= {}) as Record<string, unknown>)[f.path.slice(dot + 1)] = f.value;
        }
        succeedsOrThrowsCoded(() => resolveConfig(sectioned));
      }),
      { numRuns: RUNS },
    );
    expect(parsedCount).toBeGreaterThan(RUNS / 10); // the generator reaches the config, not only the parser's errors
  });

  it('arbitrary strings as argv never throw anything but UsageError', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 6 }), (argv) =>
        succeedsOrThrowsCoded(() => parseArgs(argv), [UsageError]),
      ),
      { numRuns: RUNS },
    );
  });
});

/** A valid hash from a mutated config, then pieces of it mutated as text. */
const validHash = configInput.map((input) => {
  try {
    return encodeConfigHash(resolveConfig(input), PPO_SPEC);
  } catch {
    return encodeConfigHash(PPO_DEFAULTS, PPO_SPEC) || 'num_env_runners=3&lr=0.001&fcnet_hiddens=64,64';
  }
});
const hashPiece = fc.oneof(
  fc.tuple(keyName, fc.string()).map(([k, v]) => `${k}=${v}`),
  fc.constantFrom(
    '%',
    '%E0%A4%A',
    '=',
    '&&',
    'autostart=1',
    'embed=1',
    'hide=log,nope',
    'preset=nope',
    'stop_reward=x',
  ),
  fc.constantFrom(
    'preset=CartPole-v1',
    'preset=Pendulum-v1',
    'stop_iters=1e400',
    'fcnet_hiddens=',
    'lr=0:1,0:2',
    'preset=__proto__',
    'preset=constructor',
    'stop___proto__=1',
    'env=toString',
  ),
  fc.string(),
);

describe('URL hash (parseUrlState / decodeConfigHash)', () => {
  it('arbitrary strings never throw; a config read from them resolves or throws a coded error', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string(), (hash, search) => {
        const state = parseUrlState(hash, search);
        if (state.config) succeedsOrThrowsCoded(() => resolveConfig(state.config));
        decodeConfigHash(hash, PPO_SPEC);
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated valid hashes never throw; their configs resolve or throw a coded error', () => {
    fc.assert(
      fc.property(validHash, fc.array(hashPiece, { maxLength: 4 }), fc.nat(), (hash, extra, cut) => {
        const pieces = hash.split('&');
        const mutated = [
          ...pieces.slice(0, cut % (pieces.length + 1)),
          ...extra,
          ...pieces.slice(cut % (pieces.length + 1)),
        ];
        const state = parseUrlState(`#${mutated.join('&')}`);
        expect(Array.isArray(state.issues)).toBe(true);
        if (state.config) succeedsOrThrowsCoded(() => resolveConfig(state.config));
      }),
      { numRuns: RUNS },
    );
  });

  it('a valid config survives the URL round trip', () => {
    fc.assert(
      fc.property(configInput, (input) => {
        let cfg;
        try {
          cfg = resolveConfig(input);
        } catch (e) {
          if (e instanceof RLError) return;
          throw e;
        }
        // Written over the plain defaults, as the config was resolved.
        const state = parseUrlState(`#preset=none&${encodeConfigHash(cfg, PPO_SPEC)}`);
        expect(state.issues.filter((i) => i.severity === 'error')).toEqual([]);
        // Equal as JSON, the form a config is stored and shared in (-0 and 0 are the same setting).
        const asJson = (c: unknown): unknown => JSON.parse(JSON.stringify(c));
        expect(asJson(resolveConfig(state.config ?? {}))).toEqual(asJson(cfg));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('found by the properties above', () => {
  it('a key named __proto__ inside envConfig is data: the config stays a plain object', () => {
    const envConfig = JSON.parse('{"__proto__": {"a": 1}, "b": 2}') as Record<string, unknown>;
    // GridWalk-v0 declares no env_config keys, so its config is passed through as given.
    const cfg = resolveConfig({ env: 'GridWalk-v0', env_config: envConfig });
    expect(Object.getPrototypeOf(cfg.environment.envConfig)).toBe(Object.prototype);
    expect(Object.keys(cfg.environment.envConfig).sort()).toEqual(['__proto__', 'b']);
  });
});
