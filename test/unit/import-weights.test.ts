/**
 * Importing a policy's weights (safetensors in RLlib's layout) into a built run through
 * rl.checkpoints: the run then acts exactly as the exporting run did, a DQN target network starts from
 * the imported Q-network, and a file that does not fit is refused whole, every problem listed,
 * leaving the run as it was.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppFacade } from '../../src/app/app-facade';
import type { AppBuildOptions } from '../../src/app/trainer-app';
import { encodeSafetensors } from '../../src/rl-module/safetensors';
import { EXPORT_FILES, exportRunToRLlib } from '../../src/cli/rllib-export';
import { fakeFleet } from './helpers/fake-runners';
import { recordedObservations, TINY_RUNS, tinyRun, type TinyAlgo } from './helpers/rllib-run';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A trained tiny run's exported weights file, and its greedy actions on 200 recorded observations. */
async function exported(name: TinyAlgo): Promise<{ bytes: Uint8Array; obs: Float32Array; actions: number[] }> {
  const { algo, dir } = await tinyRun(name);
  try {
    const obs = recordedObservations(name, 200);
    const actions = Array.from(await algo.computeActions(obs, 200));
    const { outDir } = exportRunToRLlib(dir);
    return { bytes: new Uint8Array(readFileSync(path.join(outDir, EXPORT_FILES.weights))), obs, actions };
  } finally {
    algo.stop();
  }
}

/** A fresh app built for the same algorithm and sizes, another seed (so other weights). */
async function freshApp(name: TinyAlgo, over: object = {}): Promise<{ app: AppFacade; opts: AppBuildOptions }> {
  await tf.setBackend('cpu');
  const opts: AppBuildOptions = { backend: 'cpu', connect: fakeFleet().connect };
  const app = new AppFacade();
  cleanups.push(() => app.dispose());
  await app.build({ ...TINY_RUNS[name], debugging: { seed: 99 }, ...over }, opts);
  return { app, opts };
}

describe('rl.checkpoints.importWeights', () => {
  it.each(['PPO', 'SAC'] as const)(
    'a %s run acts as the exporting run did after the import',
    async (name) => {
      const source = await exported(name);
      const { app, opts } = await freshApp(name);
      const before = Array.from(await app.algorithm!.computeActions(source.obs, 200));
      expect(before).not.toEqual(source.actions);
      const tensorsBefore = tf.memory().numTensors;
      const done = await app.checkpoints.importWeights(source.bytes, opts);
      expect(done.algo).toBe(name);
      expect(Array.from(await app.algorithm!.computeActions(source.obs, 200))).toEqual(source.actions);
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      await app.step(); // and training goes on from them
    },
    60_000,
  );

  it('a DQN target network starts from the imported Q-network', async () => {
    const source = await exported('DQN');
    const { app, opts } = await freshApp('DQN');
    await app.checkpoints.importWeights(source.bytes, opts);
    const ckpt = await app.save();
    const target = ckpt.algorithmState!.targetNetworks!['default_policy']!.weights;
    expect(target.names).toEqual(ckpt.weights.names);
    target.arrays.forEach((a, i) => expect(Array.from(a)).toEqual(Array.from(ckpt.weights.arrays[i]!)));
    expect(Array.from(await app.algorithm!.computeActions(source.obs, 200))).toEqual(source.actions);
  }, 60_000);

  it('refuses a file for other model sizes or another algorithm, listing every tensor, and changes nothing', async () => {
    const source = await exported('PPO');
    const { app, opts } = await freshApp('PPO', { rlModule: { fcnetHiddens: [32] } });
    const algorithm = app.algorithm;
    const weightsBefore = (await app.save()).weights.arrays.map((a) => Array.from(a));
    const error = await app.checkpoints.importWeights(source.bytes, opts).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error?.code).toBe('weights/invalid-file');
    expect(error?.message).toMatch(
      /encoder\.actor_encoder\.net\.mlp\.0\.weight: has shape \[16, 4\]; this run's model needs \[32, 4\]/,
    );
    expect(error?.message).toMatch(/encoder\.actor_encoder\.net\.mlp\.2\.weight: is not a weight of this run/);
    expect(app.algorithm).toBe(algorithm);
    expect((await app.save()).weights.arrays.map((a) => Array.from(a))).toEqual(weightsBefore);
    const sac = await exported('SAC');
    const other = await app.checkpoints.importWeights(sac.bytes, opts).then(
      () => null,
      (e: unknown) => e as { message: string },
    );
    expect(other?.message).toMatch(/holds SAC weights; this run is PPO/);
  }, 90_000);

  it('with nothing built, builds the run the file names (or the fallback config), else asks for a build', async () => {
    const source = await exported('PPO');
    await tf.setBackend('cpu');
    const opts: AppBuildOptions = { backend: 'cpu', connect: fakeFleet().connect };
    const app = new AppFacade();
    cleanups.push(() => app.dispose());
    await app.checkpoints.importWeights(source.bytes, opts);
    expect(app.algorithm?.config?.rlModule.fcnetHiddens).toEqual([16, 8]);
    expect(Array.from(await app.algorithm!.computeActions(source.obs, 200))).toEqual(source.actions);
    // A file without a run config (as RLlib would save one) and no fallback: build first.
    const bare = new AppFacade();
    const noConfig = encodeSafetensors([{ name: 'pi.net.mlp.0.bias', shape: [2], data: new Float32Array(2) }]);
    await expect(bare.checkpoints.importWeights(noConfig)).rejects.toMatchObject({ code: 'app/not-built' });
    // A damaged file is refused before anything is built.
    await expect(bare.checkpoints.importWeights(new Uint8Array(8), opts, TINY_RUNS.PPO)).rejects.toMatchObject({
      code: 'weights/invalid-file',
    });
    expect(bare.algorithm).toBeNull();
  }, 60_000);
});
