/**
 * Data-parallel learner throughput for the benchmark: PPO updates on a synthetic CartPole-shaped
 * batch through a LearnerGroup of `numLearners` real PPO learner workers (wasm), one minibatch of
 * all `rows` per epoch, split over the learners. The baseline (numLearners = 0) is
 * `learnerThroughput('wasm', ...)`, the page's own learner on the same batch.
 */
import { box, discrete } from '../core/spaces';
import { Rng } from '../core/rng';
import { activateBackend } from '../backend/tf-backend';
import { makeModule } from '../rl-module';
import { ALGORITHM_CONFIG_DEFAULTS } from '../core/config';
import { startLearnerGroup } from '../runtime/learner-supervisor';
import { connectLearnerWorkers } from '../algorithms/algorithm-setup';
import { cartpoleLikeBatch } from './learner-throughput';
import { PPO_DEFAULTS } from '../algorithms/ppo/ppo-config';

export interface LearnerGroupThroughput {
  readonly numLearners: number;
  readonly transport: 'shared-array' | 'port';
  readonly hiddens: readonly number[];
  readonly rows: number;
  /** Wall time of the first update (two epochs: a worker's config is fixed at start), ms: worker warm-up included. */
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
  const EPOCHS = 2;
  const training = {
    ...PPO_DEFAULTS.training,
    lr: 1e-4,
    gradClip: 0.5,
    clipParam: 0.2,
    vfLossCoeff: 0.5,
    useKlLoss: false,
    lambda: 0.95,
    numEpochs: EPOCHS,
    minibatchSize: rows,
  };
  const group = await startLearnerGroup(
    {
      numLearners,
      init: {
        learner: 'PPO',
        config: training,
        module: { kind: 'actor-critic', model },
        ...spaces,
        seed: 1,
        backend: 'wasm',
      },
      validateInSync: false,
      useSharedMemory: transport === 'shared-array',
      connect: connectLearnerWorkers,
      faultTolerance: ALGORITHM_CONFIG_DEFAULTS.faultTolerance,
    },
    initial,
  );
  const batch = cartpoleLikeBatch(rows);
  const rng = new Rng(3);
  const update = (): Promise<Record<string, number>> =>
    group.update(batch, { rng, lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0 });
  try {
    const t0 = performance.now();
    await update();
    const firstCallMs = performance.now() - t0;
    let updates = 0;
    const t1 = performance.now();
    while (performance.now() - t1 < seconds * 1000 || updates < 1) {
      await update();
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
