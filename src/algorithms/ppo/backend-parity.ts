/**
 * Backend parity check: the same PPO updates, from the same weights and batch, on several TF.js
 * backends. Used by the e2e WebGPU test (SwiftShader adapter forced) and the UI's device
 * self-check: loss stats and gradients on webgpu must match cpu; and by the Node WebGPU bench.
 * The caller says how a backend is activated (the page's tf-backend.ts, or Dawn's in Node).
 */
import * as tf from '@tensorflow/tfjs';
import { discrete, box } from '../../core/spaces';
import { Rng } from '../../core/rng';
import { ChunkEnd, requireColumn, type SampleBatch } from '../../core/sample-batch';
import { makeModule, type MLPModule, type ModuleWeights } from '../../rl-module';
import { PPO_DEFAULTS } from './ppo-config';
import { ppoLoss, PPOColumns, type PPOLossConfig } from './ppo-loss';
import { PPOLearner } from './ppo-learner';

export interface ParityRun {
  readonly backend: string;
  /** Gradient of the PPO loss w.r.t. every weight (flattened, in variable order), before any update. */
  readonly gradients: number[];
  /** Loss stats of each update. */
  readonly updates: Record<string, number>[];
  /** Weights after the last update, flattened. */
  readonly finalWeights: number[];
}

const OBS_DIM = 4;
const LOSS: PPOLossConfig = {
  clipParam: 0.2,
  vfClipParam: 10,
  vfLossCoeff: 0.5,
  entropyCoeff: 0.01,
  useKlLoss: true,
  klCoeff: 0.2,
};

/** A deterministic CartPole-shaped batch: 4 chunks of 16 rows (cut, terminated, truncated, cut). */
function syntheticBatch(rows: number): SampleBatch {
  const rng = new Rng(123);
  const obs = Float32Array.from({ length: rows * OBS_DIM }, () => rng.normal() * 0.5);
  const chunk = rows / 4;
  const ends = Uint8Array.from([ChunkEnd.CUT, ChunkEnd.TERMINATED, ChunkEnd.TRUNCATED, ChunkEnd.CUT]);
  const terminateds = new Uint8Array(rows);
  const truncateds = new Uint8Array(rows);
  terminateds[2 * chunk - 1] = 1;
  truncateds[3 * chunk - 1] = 1;
  return {
    numSteps: rows,
    obsDim: OBS_DIM,
    actionDim: 1,
    obs,
    actions: Int32Array.from({ length: rows }, () => rng.integer(2)),
    rewards: Float32Array.from({ length: rows }, () => 1),
    terminateds,
    truncateds,
    actionLogp: Float32Array.from({ length: rows }, () => Math.log(0.5) + rng.normal() * 0.05),
    vfPreds: new Float32Array(rows),
    chunkStarts: Int32Array.from([0, chunk, 2 * chunk, 3 * chunk, rows]),
    chunkEnds: ends,
    chunkEpisodeIds: Float64Array.from([0, 1, 2, 3]),
    chunkEnvIndices: Int32Array.from([0, 1, 2, 3]),
    finalObs: Float32Array.from({ length: 4 * OBS_DIM }, () => rng.normal() * 0.5),
    workerIndex: 0,
    weightsSeq: 0,
  };
}

async function flatWeights(module: MLPModule): Promise<number[]> {
  const w = await module.getWeights();
  return w.arrays.flatMap((a) => Array.from(a));
}

async function gradientsOf(module: MLPModule, batch: SampleBatch): Promise<number[]> {
  const rng = new Rng(5);
  const n = batch.numSteps;
  const flat = tf.tidy(() => {
    const minibatch = {
      [PPOColumns.OBS]: tf.tensor2d(batch.obs, [n, OBS_DIM]),
      [PPOColumns.ACTIONS]: tf.tensor1d(batch.actions, 'int32'),
      [PPOColumns.OLD_LOGP]: tf.tensor1d(requireColumn(batch, 'actionLogp', 'backend parity')),
      [PPOColumns.OLD_DIST_INPUTS]: tf.tensor2d(
        Float32Array.from({ length: n * 2 }, () => rng.normal() * 0.1),
        [n, 2],
      ),
      [PPOColumns.ADVANTAGES]: tf.tensor1d(Float32Array.from({ length: n }, () => rng.normal())),
      [PPOColumns.VALUE_TARGETS]: tf.tensor1d(Float32Array.from({ length: n }, () => rng.normal() + 1)),
    };
    const { grads } = tf.variableGrads(() => ppoLoss(module, minibatch, LOSS).loss, module.trainableVariables);
    return tf.concat(module.trainableVariables.map((v) => tf.reshape(grads[v.name] ?? tf.zeros([0]), [-1])));
  });
  const data = await flat.data();
  flat.dispose();
  return Array.from(data);
}

/** Runs the same gradient computation and `numUpdates` PPO updates on each backend. */
export async function ppoBackendParity<B extends string>(
  activate: (name: B | 'cpu') => Promise<{ readonly backend: string }>,
  backends: readonly B[],
  numUpdates = 3,
  rows = 64,
): Promise<ParityRun[]> {
  const spec = {
    observationSpace: box(-Infinity, Infinity, [OBS_DIM]),
    actionSpace: discrete(2),
    model: { fcnetHiddens: [16, 16], fcnetActivation: 'tanh' as const, vfShareLayers: false },
    seed: 11,
  };
  await activate('cpu');
  const initModule = makeModule(spec);
  const initial: ModuleWeights = await initModule.getWeights();
  initModule.dispose();
  const batch = syntheticBatch(rows);
  const runs: ParityRun[] = [];
  for (const name of backends) {
    const active = await activate(name);
    const module = makeModule(spec);
    module.setWeights(initial);
    const gradients = await gradientsOf(module, batch);
    const learner = new PPOLearner(module, {
      ...PPO_DEFAULTS.training,
      ...LOSS,
      lr: 1e-3,
      gradClip: 0.5,
      gradClipBy: 'global_norm',
      gamma: 0.99,
      lambda: 0.95,
      numEpochs: 2,
      minibatchSize: rows / 2,
      shuffleBatchPerEpoch: true,
      klTarget: 0.01,
    });
    const updates: Record<string, number>[] = [];
    for (let u = 0; u < numUpdates; u++) {
      const ctx = { rng: new Rng(100 + u), lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0 };
      updates.push(await learner.update(batch, ctx));
    }
    runs.push({ backend: active.backend, gradients, updates, finalWeights: await flatWeights(module) });
    learner.dispose();
  }
  return runs;
}

/** Largest difference of `run` from `reference` in gradients and final weights, relative to their scale. */
export function parityError(run: ParityRun, reference: ParityRun): { gradients: number; weights: number } {
  const rel = (a: readonly number[], b: readonly number[]): number => {
    const scale = Math.max(1e-12, ...b.map(Math.abs));
    let worst = a.length === b.length ? 0 : Infinity;
    for (let i = 0; i < Math.min(a.length, b.length); i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / scale);
    return worst;
  };
  return { gradients: rel(run.gradients, reference.gradients), weights: rel(run.finalWeights, reference.finalWeights) };
}
