/**
 * Data-parallel learner throughput for the benchmark: PPO updates on a synthetic CartPole-shaped
 * batch through a PPOLearnerGroup of `numLearners` real learner workers (wasm), one minibatch of
 * all `rows` per epoch, split over the learners. The baseline (numLearners = 0) is
 * `learnerThroughput('wasm', ...)`, the page's own learner on the same batch.
 */
import { box, discrete } from '../core/spaces';
import { Rng } from '../core/rng';
import { activateBackend } from '../backend/tf-backend';
import { makeModule } from '../rl-module';
import { cartpoleLikeBatch } from './learner-throughput';
import { PPOLearnerGroup } from '../algorithms/ppo/ppo-learner-group';

export interface LearnerGroupThroughput {
  readonly numLearners: number;
  readonly transport: 'shared-array' | 'port';
  readonly hiddens: readonly number[];
  readonly rows: number;
  /** Wall time of the first update (one epoch), ms: worker warm-up included. */
  readonly firstCallMs: number;
  /** Steady-state rows x epochs per second over the whole group. */
  readonly samplesPerSecond: number;
  readonly updates: number;
}

export async function learnerGroupThroughput(
  numLearners: number,
  hiddens: readonly number[],
  rows: number,
  transport: 'shared-array' | 'port',
  seconds = 1.5,
): Promise<LearnerGroupThroughput> {
  const model = { fcnetHiddens: hiddens, fcnetActivation: 'tanh' as const, vfShareLayers: false };
  const spaces = { observationSpace: box(-Infinity, Infinity, [4]), actionSpace: discrete(2) };
  // The page builds the initial weights; the learners run on wasm in their workers.
  await activateBackend('wasm');
  const module = makeModule({ ...spaces, model, seed: 1 });
  const initial = await module.getWeights();
  module.dispose();
  const group = await PPOLearnerGroup.start(
    {
      numLearners,
      init: {
        module: { kind: 'actor-critic', model },
        ...spaces,
        seed: 1,
        learnerConfig: { lr: 1e-4, gradClip: 0.5, gradClipBy: 'global_norm' },
        klCoeff: 0.2,
        backend: 'wasm',
      },
      validateInSync: false,
      useSharedMemory: transport === 'shared-array',
    },
    initial,
  );
  const batch = cartpoleLikeBatch(rows);
  const rng = new Rng(3);
  const EPOCHS = 2;
  const update = (numEpochs: number): Promise<Record<string, number>> =>
    group.update(batch, {
      clipParam: 0.2,
      vfClipParam: 10,
      vfLossCoeff: 0.5,
      entropyCoeff: 0,
      useKlLoss: false,
      gamma: 0.99,
      lambda: 0.95,
      numEpochs,
      minibatchSize: rows,
      shuffle: true,
      klTarget: 0.01,
      rng,
      lifetimeEnvSteps: 0,
    });
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
      numLearners,
      transport,
      hiddens,
      rows,
      firstCallMs,
      samplesPerSecond: (updates * EPOCHS * rows) / elapsedS,
      updates,
    };
  } finally {
    group.stop();
  }
}
