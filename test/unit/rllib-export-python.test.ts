/**
 * The RLlib export checked with Python (Debian's python3, python3-torch, python3-numpy; CI's
 * .ci/run installs them): the exported config parses and, run against a stand-in for Ray, passes
 * every mapped key with the run's value; the exported weights loaded into torch by policy.py pick
 * the same greedy actions as the trainer's own policy on 1,000 recorded observations. BC's file
 * (RLlib's DefaultBCTorchRLModule names) is checked the same way on a trained PPO module, the
 * module BC trains; an A2C run (no A2C on RLlib's new stack) is refused.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Algorithm } from '../../src/algorithms/algorithm';
import { getSpec } from '../../src/algorithms/registry';
import { rllibConfigPython, type KeyMapEntry } from '../../src/algorithms/rllib/rllib-python';
import { deepMerge, type AlgorithmConfigBase, type DeepPartial } from '../../src/core/config';
import type { MARWILConfig } from '../../src/algorithms/marwil/marwil-config';
import { encodeRLlibWeights } from '../../src/algorithms/rllib/rllib-weights';
import { decodeSafetensors } from '../../src/rl-module/safetensors';
import { checkpointFromJson } from '../../src/app/checkpoint-codec';
import { makeVectorEnv } from '../../src/envs';
import { EXPORT_FILES, POLICY_PY, exportRunToRLlib } from '../../src/cli/rllib-export';
import { python } from './helpers/python';
import { recordedObservations, TINY_RUNS, tinyRun, type TinyAlgo } from './helpers/rllib-run';

const STUB = path.resolve(__dirname, 'python', 'rllib_stub.py');
const NUM_OBS = 1000;

/** The JSON form of a converted value (tuples are lists once Python prints them). */
function asJson(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (_k, x: unknown) => (x !== null && typeof x === 'object' && '$tuple' in x ? x.$tuple : x)),
  ) as unknown;
}

describe.each(['PPO', 'PPO_BOX', 'DQN', 'SAC', 'IMPALA'] as const)('%s run exported for RLlib', (name: TinyAlgo) => {
  let algo: Algorithm;
  let dir: string;
  let outDir: string;
  let keyMap: readonly KeyMapEntry[];

  beforeAll(async () => {
    ({ algo, dir } = await tinyRun(name));
    const done = exportRunToRLlib(dir);
    outDir = done.outDir;
    keyMap = done.keyMap;
  }, 120_000);

  afterAll(() => algo?.stop());

  it('writes a config that py_compile accepts and that passes every mapped key with the run value', () => {
    const file = path.join(outDir, EXPORT_FILES.config);
    python(['-m', 'py_compile', file]);
    const ran = JSON.parse(python([STUB, file])) as {
      class: string;
      calls: Record<string, Record<string, unknown>>;
      registered_envs: string[];
    };
    expect(ran.class).toBe(`${TINY_RUNS[name].algo}Config`);
    const runConfig = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    let mapped = 0;
    for (const entry of keyMap) {
      // The key map holds the run's own value for every key of config.json.
      const [section, ...rest] = entry.path.split('.');
      let v: unknown = runConfig[section!];
      for (const part of rest) v = (v as Record<string, unknown>)[part];
      expect(entry.value, entry.path).toEqual(v);
      if ('none' in entry.rllib) continue;
      const { method, name: arg, value } = entry.rllib;
      const [top, sub] = arg.split('.');
      let passed: unknown = ran.calls[method]?.[top!];
      if (sub !== undefined) passed = (passed as Record<string, unknown>)[sub];
      // maxEpisodeSteps renames the env (registered with that limit); the id is checked below.
      if (entry.path === 'environment.env' && runConfig['environment'] !== undefined) {
        const maxSteps = (runConfig['environment'] as { maxEpisodeSteps: number | null }).maxEpisodeSteps;
        if (maxSteps !== null) {
          expect(passed).toBe(`${String(v)}-max${maxSteps}`);
          expect(ran.registered_envs).toEqual([passed]);
          mapped++;
          continue;
        }
      }
      expect(passed, `${entry.path} -> ${method}(${arg}=...)`).toEqual(asJson(value));
      mapped++;
    }
    expect(mapped).toBeGreaterThan(20);
    // Nothing passed to RLlib that is not one of the run's keys (or a model_config extra).
    const passedKeys = Object.entries(ran.calls).flatMap(([m, kw]) => Object.keys(kw).map((k) => `${m}.${k}`));
    const fromMap = new Set(
      keyMap.flatMap((e) => ('none' in e.rllib ? [] : [`${e.rllib.method}.${e.rllib.name.split('.')[0]!}`])),
    );
    const extras = passedKeys.filter((k) => !fromMap.has(k));
    expect(extras.every((k) => k.startsWith('model_config.'))).toBe(true);
  });

  it(`loads into torch and picks the trainer's greedy actions on ${NUM_OBS} recorded observations`, async () => {
    const obs = recordedObservations(name, NUM_OBS);
    const ours = await algo.computeActions(obs, NUM_OBS);
    const obsDim = obs.length / NUM_OBS;
    const rows = Array.from({ length: NUM_OBS }, (_, i) => Array.from(obs.subarray(i * obsDim, (i + 1) * obsDim)));
    const obsFile = path.join(outDir, 'obs.json');
    writeFileSync(obsFile, JSON.stringify(rows));
    const torchActions = JSON.parse(
      python([path.join(outDir, EXPORT_FILES.loader), path.join(outDir, EXPORT_FILES.weights), obsFile]),
    ) as (number | number[])[];
    expect(torchActions).toHaveLength(NUM_OBS);
    const actionDim = ours.length / NUM_OBS;
    let agreed = 0;
    for (let i = 0; i < NUM_OBS; i++) {
      const theirs = [torchActions[i]!].flat();
      const mine = Array.from(ours.subarray(i * actionDim, (i + 1) * actionDim));
      const same =
        ours instanceof Int32Array ? theirs[0] === mine[0] : mine.every((a, j) => Math.abs(a - theirs[j]!) < 1e-4);
      if (same) agreed++;
    }
    // Printed for the record (the brief asks for the figure).
    console.log(`${name}: torch agreed with the trainer on ${agreed} of ${NUM_OBS} observations`);
    expect(agreed).toBe(NUM_OBS);
    // Not a trivial policy: more than one action chosen (discrete), or varied means (Box).
    if (ours instanceof Int32Array) expect(new Set(ours).size).toBeGreaterThan(1);
  }, 60_000);
});

/** Torch's greedy actions from `policy.py` for a weights file, on `obs` (row-major, `count` rows). */
function torchGreedy(weightsFile: string, obs: Float32Array, count: number, dir: string): (number | number[])[] {
  const dim = obs.length / count;
  const rows = Array.from({ length: count }, (_, i) => Array.from(obs.subarray(i * dim, (i + 1) * dim)));
  const obsFile = path.join(dir, 'obs.json');
  writeFileSync(obsFile, JSON.stringify(rows));
  return JSON.parse(python([POLICY_PY, weightsFile, obsFile])) as (number | number[])[];
}

describe("BC weights in RLlib's DefaultBCTorchRLModule layout", () => {
  let algo: Algorithm;
  let dir: string;

  beforeAll(async () => {
    // BC trains MARWIL's actor-critic MLPModule, the same module as this PPO run's.
    ({ algo, dir } = await tinyRun('PPO'));
  }, 120_000);

  afterAll(() => algo?.stop());

  it(`names the actor _encoder / _pi_head, leaves the value branch out, and torch picks the trainer's greedy actions on ${NUM_OBS} observations`, async () => {
    const ckpt = checkpointFromJson(readFileSync(path.join(dir, 'checkpoint', 'final.json'), 'utf8'));
    const bc = getSpec('BC').rllib!;
    const config = { ...(ckpt.config as AlgorithmConfigBase), algo: 'BC' };
    const env = makeVectorEnv('CartPole-v1', { numEnvs: 1, seed: 0 });
    const bytes = encodeRLlibWeights(ckpt.weights, bc, {
      algo: 'BC',
      config,
      layout: bc.moduleLayout(config, env.singleObservationSpace, env.singleActionSpace),
    });
    const names = decodeSafetensors(bytes)
      .tensors.map((t) => t.name)
      .sort();
    expect(names).toEqual([
      '_encoder.net.mlp.0.bias',
      '_encoder.net.mlp.0.weight',
      '_encoder.net.mlp.2.bias',
      '_encoder.net.mlp.2.weight',
      '_pi_head.net.mlp.0.bias',
      '_pi_head.net.mlp.0.weight',
    ]);
    const out = mkdtempSync(path.join(tmpdir(), 'rllib-export-bc-'));
    const file = path.join(out, EXPORT_FILES.weights);
    writeFileSync(file, bytes);
    const obs = recordedObservations('PPO', NUM_OBS);
    const ours = await algo.computeActions(obs, NUM_OBS);
    const theirs = torchGreedy(file, obs, NUM_OBS, out);
    const agreed = theirs.filter((a, i) => a === ours[i]).length;
    console.log(`BC layout: torch agreed with the trainer on ${agreed} of ${NUM_OBS} observations`);
    expect(agreed).toBe(NUM_OBS);
    expect(new Set(ours).size).toBeGreaterThan(1);
  }, 60_000);
});

describe('A2C run exported for RLlib', () => {
  let algo: Algorithm;
  let dir: string;

  beforeAll(async () => {
    ({ algo, dir } = await tinyRun('A2C'));
  }, 120_000);

  afterAll(() => algo?.stop());

  it("is refused: RLlib's new API stack has no A2C, and nothing is written", () => {
    expect(() => exportRunToRLlib(dir)).toThrow(
      /A2C runs cannot be exported to RLlib: RLlib's new API stack has no A2C/,
    );
    expect(existsSync(path.join(dir, 'rllib'))).toBe(false);
  });
});

/** Config-only algorithms (no tiny run needed): the file passes each mapped key to its setter. */
describe.each([
  ['APPO', {}],
  ['MARWIL', { offlineData: { input: ['runs/cartpole.parquet'] }, envRunners: { numEnvRunners: 3 } }],
  ['BC', { offlineData: { input: ['a.parquet', 'b.parquet'] } }],
] as const)('%s config exported for RLlib', (name, over) => {
  it('passes every mapped key to its setter (offline_data, evaluation included)', () => {
    const spec = getSpec(name);
    const config = deepMerge<AlgorithmConfigBase>(spec.defaults, over as DeepPartial<AlgorithmConfigBase>);
    const actionSpace = makeVectorEnv('CartPole-v1', { numEnvs: 1, seed: 0 }).singleActionSpace;
    const { source, keyMap } = rllibConfigPython(config, spec, { source: 'test', actionSpace });
    const out = mkdtempSync(path.join(tmpdir(), `rllib-export-${name.toLowerCase()}-`));
    const file = path.join(out, EXPORT_FILES.config);
    writeFileSync(file, source);
    const ran = JSON.parse(python([STUB, file])) as { class: string; calls: Record<string, Record<string, unknown>> };
    expect(ran.class).toBe(`${name}Config`);
    let mapped = 0;
    for (const e of keyMap) {
      if ('none' in e.rllib) continue;
      const [top, sub] = e.rllib.name.split('.');
      let passed: unknown = ran.calls[e.rllib.method]?.[top!];
      if (sub !== undefined) passed = (passed as Record<string, unknown>)[sub];
      expect(passed, `${e.path} -> ${e.rllib.method}(${e.rllib.name})`).toEqual(asJson(e.rllib.value));
      mapped++;
    }
    expect(mapped).toBeGreaterThan(20);
    if (name !== 'APPO') {
      expect(ran.calls['offline_data']?.['input_']).toEqual((config as MARWILConfig).offlineData.input);
      expect(ran.calls['evaluation']?.['evaluation_num_env_runners']).toBe(config.envRunners.numEnvRunners);
    } else {
      // No offline sections: no empty offline_data() / evaluation() calls.
      expect(Object.keys(ran.calls)).not.toContain('offline_data');
      expect(Object.keys(ran.calls)).not.toContain('evaluation');
      expect(ran.calls['env_runners']?.['max_requests_in_flight_per_env_runner']).toBe(1);
    }
  });
});
