/**
 * Hostile names through every file `npm run export -- --rllib` writes (issue 27, item 7): a run
 * folder named to close rllib_config.py's docstring and run a command, a Windows path (`\U` is an
 * escape in Python), a trailing backslash, `\N{...}`, newlines, quotes and non-ASCII. Each export
 * compiles, runs against the stand-in for Ray without running anything it carries, keeps the name
 * as data (the docstring reads back the exact folder), and its policy.py loads the weights.
 * Every string in generated code goes through pyString; a property test checks that Python reads
 * back each of 2,000 generated strings exactly.
 */
import fc from 'fast-check';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Algorithm } from '../../src/algorithms/algorithm';
import { getSpec } from '../../src/algorithms/registry';
import { pyLiteral, pyString, rllibConfigPython } from '../../src/algorithms/rllib/rllib-python';
import { deepMerge, type AlgorithmConfigBase, type DeepPartial } from '../../src/core/config';
import { EXPORT_FILES, exportRunToRLlib } from '../../src/cli/rllib-export';
import { makeVectorEnv } from '../../src/envs';
import { python } from './helpers/python';
import { recordedObservations, tinyRun } from './helpers/rllib-run';

const STUB = path.resolve(__dirname, 'python', 'rllib_stub.py');
const MARKER = 'PWNED';

/** Folder names a user (or an attacker who hands them a folder) may give a run. */
const HOSTILE_NAMES = [
  `a""" ; __import__("os").system("touch ${MARKER}") ; """`,
  `b''' ; __import__("os").system("touch ${MARKER}") ; '''`,
  'C:\\Users\\me\\runs\\ppo',
  'ends with a backslash\\',
  'named \\N{BULLET} and \\x41 and \\u0041',
  'two\nlines\r\nand a # hash',
  'ünïcödé 😀 \u2028 \u0085 tab\there',
];

const DOCSTRING = [
  '-c',
  'import ast, json, sys; print(json.dumps(ast.get_docstring(ast.parse(open(sys.argv[1], encoding="utf-8").read()), clean=False)))',
];

describe('a run folder with a hostile name, exported for RLlib', () => {
  let algo: Algorithm;
  let runDir: string;
  let parent: string;

  beforeAll(async () => {
    ({ algo, dir: runDir } = await tinyRun('PPO'));
    parent = mkdtempSync(path.join(tmpdir(), 'rllib-hostile-'));
  }, 120_000);

  afterAll(() => algo?.stop());

  it.each(HOSTILE_NAMES.map((n) => [JSON.stringify(n), n]))(
    '%s: compiles, runs nothing it carries, keeps the name as data; policy.py loads the weights',
    (_shown, name) => {
      const dir = path.join(parent, name);
      cpSync(runDir, dir, { recursive: true });
      const { outDir } = exportRunToRLlib(dir, {
        outDir: path.join(mkdtempSync(path.join(tmpdir(), 'out-')), 'rllib'),
      });
      const config = path.join(outDir, EXPORT_FILES.config);
      python(['-m', 'py_compile', config]);
      const ran = JSON.parse(python([STUB, config], { cwd: outDir })) as { class: string };
      expect(ran.class).toBe('PPOConfig');
      expect(existsSync(path.join(outDir, MARKER))).toBe(false);
      const docstring = JSON.parse(python([...DOCSTRING, config])) as string;
      expect(docstring).toContain(path.resolve(dir));
      // Nothing but ASCII in the generated file: the name is escaped wherever it appears.
      expect(readFileSync(config, 'utf8')).toMatch(/^[\x20-\x7e\n]*$/);
      const obsFile = path.join(outDir, 'obs.json');
      const obs = recordedObservations('PPO', 4);
      writeFileSync(obsFile, JSON.stringify([Array.from(obs.subarray(0, 4)), Array.from(obs.subarray(4, 8))]));
      const actions = JSON.parse(
        python([path.join(outDir, EXPORT_FILES.loader), path.join(outDir, EXPORT_FILES.weights), obsFile], {
          cwd: outDir,
        }),
      ) as number[];
      expect(actions).toHaveLength(2);
      expect(JSON.parse(readFileSync(path.join(outDir, EXPORT_FILES.keyMap), 'utf8'))).toBeInstanceOf(Array);
    },
    60_000,
  );

  it('hostile strings in config values (offline input paths) reach RLlib as written', () => {
    const spec = getSpec('MARWIL');
    const input = HOSTILE_NAMES.map((n) => `${n}.parquet`);
    const config = deepMerge<AlgorithmConfigBase>(spec.defaults, {
      offlineData: { input },
    } as DeepPartial<AlgorithmConfigBase>);
    const actionSpace = makeVectorEnv('CartPole-v1', { numEnvs: 1, seed: 0 }).singleActionSpace;
    const { source } = rllibConfigPython(config, spec, { source: HOSTILE_NAMES.join('|'), actionSpace });
    const file = path.join(parent, 'marwil_config.py');
    writeFileSync(file, source);
    const ran = JSON.parse(python([STUB, file], { cwd: parent })) as { calls: Record<string, Record<string, unknown>> };
    expect(ran.calls['offline_data']?.['input_']).toEqual(input);
    expect(JSON.parse(python([...DOCSTRING, file]))).toContain(HOSTILE_NAMES.join('|'));
    expect(existsSync(path.join(parent, MARKER))).toBe(false);
  });
});

describe('pyString: every string Python reads back exactly', () => {
  it('2,000 generated strings (any UTF-16, lone surrogates included), as literals and in a docstring', () => {
    const strings = fc.sample(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.string({
          unit: fc.constantFrom('"', "'", '\\', '\n', '\r', 'N', 'u', 'x', '{', '}', '#', ' '),
          maxLength: 20,
        }),
      ),
      { numRuns: 2000, seed: 27 },
    );
    strings.push(...HOSTILE_NAMES, '', '"""', '\\', '\0', '\ud800', '\udfff\ud800');
    const literals = strings.map((s) => `    ${pyString(s)},`);
    const source = [
      '"""Docstring with ' + pyString(strings.join('')).slice(1, -1) + '."""',
      'VALUES = [',
      ...literals,
      ']',
      '',
    ];
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pystring-')), 'strings.py');
    writeFileSync(file, source.join('\n'));
    const out = python([
      '-c',
      'import json, runpy, sys; m = runpy.run_path(sys.argv[1]); print(json.dumps([m["VALUES"], m["__doc__"]]))',
      file,
    ]);
    const [values, doc] = JSON.parse(out) as [string[], string];
    expect(values).toEqual(strings);
    expect(doc).toBe(`Docstring with ${strings.join('')}.`);
    expect(pyLiteral({ 'k"\\': ['C:\\x'] })).toBe(`{${pyString('k"\\')}: [${pyString('C:\\x')}]}`);
  });
});
