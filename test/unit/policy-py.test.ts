/**
 * python/policy.py checks a weights file before it builds anything (issue 27, item 12): the
 * metadata's layout (sizes, activations, the action space) is validated, then the module is laid
 * out on torch's meta device (no memory) and every tensor's name and shape compared with the
 * file's. A lying file (layer sizes of 20,000, negative or fractional sizes, an unknown kind, a
 * missing tensor, a header that overruns the file) is one clear error naming the field: exit 1
 * with `error: ...` on stderr, no traceback, no large allocation.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Algorithm } from '../../src/algorithms/algorithm';
import { EXPORT_FILES, exportRunToRLlib, POLICY_PY } from '../../src/cli/rllib-export';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from '../../src/rl-module/safetensors';
import { python, runPython } from './helpers/python';
import { tinyRun } from './helpers/rllib-run';

let algo: Algorithm;
let tensors: readonly NamedTensor[];
let metadata: Record<string, string>;
let layout: Record<string, unknown>;
let dir: string;
let obsFile: string;

beforeAll(async () => {
  let runDir: string;
  ({ algo, dir: runDir } = await tinyRun('PPO'));
  const { outDir } = exportRunToRLlib(runDir);
  const file = decodeSafetensors(readFileSync(path.join(outDir, EXPORT_FILES.weights)));
  tensors = file.tensors;
  metadata = { ...file.metadata };
  layout = JSON.parse(metadata['layout']!) as Record<string, unknown>;
  dir = mkdtempSync(path.join(tmpdir(), 'policy-py-'));
  obsFile = path.join(dir, 'obs.json');
  writeFileSync(obsFile, JSON.stringify([[0.01, 0.02, 0.03, 0.04]]));
}, 120_000);

afterAll(() => algo?.stop());

/** Each lying file, what the error must mention. */
const CASES: [string, () => Uint8Array, string[]][] = [
  [
    'layer sizes of 20,000 (the tensors are 16 and 8)',
    () => withLayout({ fcnet_hiddens: [20000, 20000] }),
    ['fcnet_hiddens', '[16, 4]'],
  ],
  ['a negative layer size', () => withLayout({ fcnet_hiddens: [-1] }), ['layout.fcnet_hiddens']],
  ['a fractional layer size', () => withLayout({ fcnet_hiddens: [16.5, 8] }), ['layout.fcnet_hiddens']],
  ['a string for the sizes', () => withLayout({ fcnet_hiddens: 'abc' }), ['layout.fcnet_hiddens']],
  ['another obs_dim', () => withLayout({ obs_dim: 5 }), ['encoder.actor_encoder.net.mlp.0.weight', '[16, 5]']],
  ['a huge obs_dim', () => withLayout({ obs_dim: 1e12 }), ['layout.obs_dim']],
  ['an unknown module kind', () => withLayout({ kind: 'transformer' }), ['layout.kind', 'actor-critic']],
  ['an unknown activation', () => withLayout({ fcnet_activation: 'gelu' }), ['layout.fcnet_activation']],
  ['no action space', () => withLayout({ action: null }), ['layout.action']],
  ['zero actions', () => withLayout({ action: { kind: 'discrete', n: 0 } }), ['layout.action.n']],
  ['a tensor missing from the file', () => withLayout({}, ['vf.net.mlp.0.bias']), ['vf.net.mlp.0.bias', 'missing']],
  [
    'a layout that is not JSON',
    () => encodeSafetensors(tensors, { ...metadata, layout: '{"kind": ' }),
    ['layout', 'not valid JSON'],
  ],
  [
    'no layout',
    () => encodeSafetensors(tensors, Object.fromEntries(Object.entries(metadata).filter(([k]) => k !== 'layout'))),
    ['__metadata__.layout'],
  ],
  [
    'a header length past the end of the file',
    () => {
      const bytes = withLayout({});
      new DataView(bytes.buffer).setBigUint64(0, 1n << 40n, true);
      return bytes;
    },
    ['header', 'declares'],
  ],
  ['a file of 5 bytes', () => withLayout({}).subarray(0, 5), ['header']],
  [
    'a shape that does not fit its bytes',
    () => {
      // The same header length: one digit of a shape changed in place.
      const bytes = withLayout({});
      const at = Buffer.from(bytes).indexOf('"shape":[16,4]');
      bytes[at + '"shape":[16,'.length] = '5'.charCodeAt(0);
      return bytes;
    },
    ['shape [16, 5] needs 320 bytes'],
  ],
];

/** What load_policy did with each case's file: all of them in one Python process. */
let outcomes: { type: string; message: string }[] = [];

function writeCase(i: number, bytes: Uint8Array): string {
  const file = path.join(dir, `case${i}.safetensors`);
  writeFileSync(file, bytes);
  return file;
}

const withLayout = (over: Record<string, unknown>, drop: readonly string[] = []): Uint8Array =>
  encodeSafetensors(
    tensors.filter((t) => !drop.includes(t.name)),
    { ...metadata, layout: JSON.stringify({ ...layout, ...over }) },
  );

beforeAll(() => {
  const files = CASES.map(([, make], i) => writeCase(i, make()));
  const script = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(path.dirname(POLICY_PY))})`,
    'import policy',
    'out = []',
    'for f in sys.argv[1:]:',
    '    try:',
    '        policy.load_policy(f)',
    '        out.append({"type": "ok", "message": ""})',
    '    except Exception as e:',
    '        out.append({"type": type(e).__name__, "message": str(e)})',
    'print(json.dumps(out))',
  ].join('\n');
  outcomes = JSON.parse(python(['-c', script, ...files], { timeoutMs: 120_000 })) as typeof outcomes;
}, 120_000);

describe('policy.py on a file whose metadata lies', () => {
  it('the honest file loads and acts, from the command line', () => {
    const r = runPython([POLICY_PY, writeCase(99, withLayout({})), obsFile]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toHaveLength(1);
  });

  it('a lying file is one line on the command line: error: ..., exit 1, no traceback', () => {
    const r = runPython([POLICY_PY, writeCase(100, withLayout({ fcnet_hiddens: [20000, 20000] })), obsFile]);
    expect(r.stderr).not.toContain('Traceback');
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*case100\.safetensors: the tensors do not fit/);
  });

  it.each(CASES.map(([what, , mentions], i) => [what, i, mentions] as const))(
    '%s: ExportError naming it',
    (_what, i, mentions) => {
      const { type, message } = outcomes[i]!;
      expect(type, message).toBe('ExportError');
      for (const m of mentions) expect(message).toContain(m);
      expect(message.length).toBeLessThan(1500);
    },
  );
});
