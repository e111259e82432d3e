/**
 * The checkpoint schema: every field checked, every problem reported at once with its JSON path,
 * before anything is restored (issue 12, item 2).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../src/algorithms/checkpoint';
import { checkpointFromJson, checkpointToJson } from '../../src/app/checkpoint-codec';
import { tinyCheckpoint } from './helpers/ppo-fixture';

let valid: Checkpoint;
let validJson: Record<string, unknown>;
beforeAll(async () => {
  valid = await tinyCheckpoint(2);
  validJson = JSON.parse(checkpointToJson(valid)) as Record<string, unknown>;
});

type Json = Record<string, unknown>;
const clone = (): Json => structuredClone(validJson);
const f32 = (values: number[]): { $f32: string } => {
  const bytes = new Uint8Array(Float32Array.from(values).buffer);
  return { $f32: btoa(String.fromCharCode(...bytes)) };
};

/** The issues checkpointFromJson throws for `json`; fails the test if it does not throw. */
function problems(json: unknown): { path: string; message: string }[] {
  try {
    checkpointFromJson(JSON.stringify(json));
  } catch (e) {
    const err = e as { code?: string; issues?: { path: string; message: string }[] };
    expect(err.code).toBe('checkpoint/invalid');
    return [...(err.issues ?? [])];
  }
  throw new Error('checkpointFromJson accepted an invalid checkpoint');
}
const paths = (json: unknown): string[] => problems(json).map((p) => p.path);

describe('checkpoint schema', () => {
  it('a saved checkpoint round-trips through JSON unchanged', () => {
    const back = checkpointFromJson(checkpointToJson(valid));
    expect(back.counters).toEqual(valid.counters);
    expect(back.weights.arrays.map((a) => Array.from(a))).toEqual(valid.weights.arrays.map((a) => Array.from(a)));
  });

  it('the issue cases: NaN weight, string counter, string episode window, -1e18 steps, no rng state: all reported at once', () => {
    const bad = clone();
    const weights = bad['weights'] as Json;
    (weights['arrays'] as unknown[])[1] = f32([Number.NaN, 0, 0, 0, 0, 0, 0, 0]);
    const counters = bad['counters'] as Json;
    counters['trainingIteration'] = '7';
    counters['numEnvStepsSampledLifetime'] = -1e18;
    bad['episodeReturns'] = '999';
    delete bad['rngState'];
    const found = problems(bad);
    expect(found.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        "weights.arrays[1] ('pi/fc_0/bias')",
        'counters.trainingIteration',
        'counters.numEnvStepsSampledLifetime',
        'episodeReturns',
        'rngState',
      ]),
    );
    expect(found).toHaveLength(5);
    expect(found.find((p) => p.path.startsWith('weights'))?.message).toMatch(/non-finite/);
  });

  it('numbers too large for JSON (1e999 parses as Infinity) are refused', () => {
    const bad = clone();
    const text = JSON.stringify(bad).replace(/"timeTotalS":[^,}]+/, '"timeTotalS":1e999');
    expect(() => checkpointFromJson(text)).toThrow(/counters.timeTotalS: must be finite/);
  });

  it('sizes: the episode window is capped at 100, arrays must match their shapes, shapes their arrays', () => {
    const bad = clone();
    bad['episodeReturns'] = Array.from({ length: 101 }, () => 1);
    bad['episodeLengths'] = Array.from({ length: 101 }, () => 1);
    (bad['weights'] as Json)['shapes'] = [[4, 9], ...((bad['weights'] as Json)['shapes'] as unknown[]).slice(1)];
    (bad['optimizerState'] as Json)['arrays'] = [];
    expect(paths(bad)).toEqual(
      expect.arrayContaining([
        'episodeReturns',
        'episodeLengths',
        "weights.arrays[0] ('pi/fc_0/kernel')",
        'optimizerState',
      ]),
    );
  });

  it('bad base64, a wrong format, an unknown algo and an invalid config are named', () => {
    const b64 = clone();
    ((b64['weights'] as Json)['arrays'] as unknown[])[0] = { $f32: 'not base64!' };
    expect(problems(b64)[0]?.message).toMatch(/"\$f32" text is not base64/);
    expect(paths({ ...clone(), format: 'browser-rl-checkpoint/99' })).toEqual(['format']);
    expect(paths({ ...clone(), algo: 'R2D2' })).toEqual(['algo']);
    const cfg = clone();
    (cfg['config'] as { training: Json }).training['minibatchSize'] = -3;
    expect(paths(cfg)).toEqual(['config.training.minibatchSize']);
  });

  it('text that is not JSON is checkpoint/parse; a non-object is one problem at the root', () => {
    expect(() => checkpointFromJson('{"format": ')).toThrow(expect.objectContaining({ code: 'checkpoint/parse' }));
    expect(paths([1, 2])).toEqual(['(root)']);
  });

  it('files written before the fault-tolerance counters existed load with those counters at 0', () => {
    const old = clone();
    const counters = old['counters'] as Json;
    for (const k of Object.keys(counters))
      if (k.startsWith('numEnvRunner') || k.endsWith('LostLifetime')) delete counters[k];
    delete counters['numSubEnvRestartsLifetime'];
    delete counters['numSampleFragmentsDroppedLifetime'];
    const ckpt = checkpointFromJson(JSON.stringify(old));
    expect(ckpt.counters.numEnvRunnerFailuresLifetime).toBe(0);
    expect(ckpt.counters.numSampleFragmentsDroppedLifetime).toBe(0);
    expect(ckpt.counters.trainingIteration).toBe(2);
  });
});
