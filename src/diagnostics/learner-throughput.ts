/**
 * Learner throughput for the benchmark: PPO updates on a synthetic CartPole-shaped batch, on one
 * TF.js backend, for a given MLP and minibatch size. The first update (shader compilation on
 * GPU backends, wasm warm-up) is timed separately from the steady state. It runs on whichever
 * backend is active: the page activates one first (tf-probes.ts), the Node WebGPU bench
 * registers Dawn's (bench/node/learner-bench.ts).
 */
import { box, discrete } from '../core/spaces';
import { Rng } from '../core/rng';
import { ChunkEnd, type SampleBatch } from '../core/sample-batch';
import { makeModule } from '../rl-module';
import { PPO_DEFAULTS, type PPOConfig } from '../algorithms/ppo/ppo-config';
import { PPOLearner } from '../algorithms/ppo/ppo-learner';
import { loadFusedKernels } from '../rl-module/fused/arena';

export interface LearnerThroughput {
  readonly backend: string;
  readonly hiddens: readonly number[];
  readonly minibatchSize: number;
  /** Wall time of the first update (one epoch), ms: includes shader compilation. */
  readonly firstCallMs: number;
  /** Steady-state samples per second through minibatch SGD steps (rows x epochs / s). */
  readonly samplesPerSecond: number;
  readonly updates: number;
}

const OBS_DIM = 4;

/** A CartPole-shaped batch of `rows` steps: one terminated episode, random observations and actions. */
export function cartpoleLikeBatch(rows: number): SampleBatch {
  const rng = new Rng(9);
  const terminateds = new Uint8Array(rows);
  terminateds[rows - 1] = 1;
  return {
    numSteps: rows,
    obsDim: OBS_DIM,
    actionDim: 1,
    obs: Float32Array.from({ length: rows * OBS_DIM }, () => rng.normal() * 0.3),
    actions: Int32Array.from({ length: rows }, () => rng.integer(2)),
    rewards: new Float32Array(rows).fill(1),
    terminateds,
    truncateds: new Uint8Array(rows),
    actionLogp: new Float32Array(rows).fill(Math.log(0.5)),
    vfPreds: new Float32Array(rows),
    chunkStarts: Int32Array.from([0, rows]),
    chunkEnds: Uint8Array.from([ChunkEnd.TERMINATED]),
    chunkEpisodeIds: Float64Array.from([0]),
    chunkEnvIndices: Int32Array.from([0]),
    finalObs: new Float32Array(OBS_DIM),
    workerIndex: 0,
    weightsSeq: 0,
  };
}

/** Measures PPO learner throughput on the active backend (named `backend`) for about `seconds` after the first call. */
export async function measureLearnerThroughput(
  backend: string,
  hiddens: readonly number[],
  minibatchSize: number,
  seconds = 1.5,
): Promise<LearnerThroughput> {
  const module = makeModule({
    observationSpace: box(-Infinity, Infinity, [OBS_DIM]),
    actionSpace: discrete(2),
    model: { fcnetHiddens: hiddens, fcnetActivation: 'tanh', vfShareLayers: false },
    seed: 1,
  });
  const batch = cartpoleLikeBatch(minibatchSize);
  const rng = new Rng(3);
  const EPOCHS = 2;
  // The learner reads its config at each update: the first call runs one epoch, the others EPOCHS.
  const training: { -readonly [K in keyof PPOConfig['training']]: PPOConfig['training'][K] } = {
    ...PPO_DEFAULTS.training,
    lr: 1e-4,
    gradClip: 0.5,
    clipParam: 0.2,
    vfLossCoeff: 0.5,
    useKlLoss: false,
    lambda: 0.95,
    minibatchSize,
  };
  await loadFusedKernels();
  const learner = new PPOLearner(module, training);
  const update = (numEpochs: number): Promise<Record<string, number>> => {
    training.numEpochs = numEpochs;
    return learner.update(batch, { rng, lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0 });
  };
  try {
    const t0 = performance.now();
    await update(1);
    const firstCallMs = performance.now() - t0;
    let updates = 0;
    const t1 = performance.now();
    while (performance.now() - t1 < seconds * 1000 || updates < 1) {
      await update(EPOCHS);
      updates++;
    }
    const elapsedS = (performance.now() - t1) / 1000;
    return {
      backend,
      hiddens,
      minibatchSize,
      firstCallMs,
      samplesPerSecond: (updates * EPOCHS * minibatchSize) / elapsedS,
      updates,
    };
  } finally {
    learner.dispose();
  }
}
