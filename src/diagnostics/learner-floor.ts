/**
 * The learner's floor, measured in the tab (bench section `floor`): the best matrix-product
 * throughput the learner's CPU backend reaches on the shapes the learners use (TF.js's matMul on
 * the active backend, and the fused path's wasm SIMD gemm), and each algorithm's learner step as
 * achieved GFLOP/s, on the fused path and on the TF.js path. A step's work is its matrix products'
 * multiply-adds x 2: counted by the fused kernels as they run (Arena.countMacs), or, for IMPALA
 * (TF.js only), from the module's layer sizes.
 */
import * as tf from '@tensorflow/tfjs';
import { lookupPreset } from '../algorithms/presets';
import { DQN_SPEC } from '../algorithms/dqn/dqn-spec';
import { IMPALA_SPEC } from '../algorithms/impala/impala-spec';
import { PPO_SPEC } from '../algorithms/ppo/ppo-spec';
import { SAC_SPEC } from '../algorithms/sac/sac-spec';
import type { OffPolicyAlgorithm, ReplayLearner } from '../algorithms/dqn/dqn';
import type { OffPolicyConfig } from '../algorithms/off-policy-config';
import type { AnySpec } from '../algorithms/registry';
import { deepMerge } from '../core/json';
import { Rng } from '../core/rng';
import { FAST_PATHS } from '../learner/fast-paths';
import { Arena, loadFusedKernels } from '../rl-module/fused/arena';
import { makeModule, type MLPModule } from '../rl-module/mlp-module';
import { box, discrete } from '../core/spaces';
import { cartpoleLikeBatch } from './learner-throughput';

/** One shape's matrix-product throughput: C[m, n] = A[m, k] B[k, n]. */
export interface MatmulRow {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly impl: 'tfjs' | 'fused';
  readonly gflops: number;
}

/** One learner step, on one path. */
export interface LearnerStepRow {
  readonly algo: string;
  /** What the step is: preset, net and rows. */
  readonly label: string;
  readonly path: 'fused' | 'tfjs';
  readonly msPerStep: number;
  readonly mflopPerStep: number;
  readonly gflops: number;
}

/** Runs `f` until `seconds` passed (at least `min` times, after 3 warm-up calls); seconds per call. */
async function timePerCall(f: () => unknown, seconds: number, min = 3): Promise<number> {
  for (let i = 0; i < 3; i++) await f();
  let n = 0;
  const t0 = performance.now();
  while (n < min || performance.now() - t0 < seconds * 1000) {
    await f();
    n++;
  }
  return (performance.now() - t0) / 1000 / n;
}

/** GFLOP/s of TF.js's matMul (on the active backend) and of the fused gemm, per shape. */
export async function measureMatmulPeak(
  shapes: readonly (readonly [number, number, number])[],
  seconds = 0.3,
): Promise<MatmulRow[]> {
  await loadFusedKernels();
  const rows: MatmulRow[] = [];
  const arena = Arena.create();
  for (const [m, k, n] of shapes) {
    const flop = 2 * m * k * n;
    const a = tf.randomNormal<tf.Rank.R2>([m, k]);
    const b = tf.randomNormal<tf.Rank.R2>([k, n]);
    const s = await timePerCall(() => tf.matMul(a, b).dispose(), seconds, 10);
    tf.dispose([a, b]);
    rows.push({ m, k, n, impl: 'tfjs', gflops: flop / s / 1e9 });
    if (!arena) continue;
    const [ra, rb, rc] = [arena.alloc(m * k), arena.alloc(k * n), arena.alloc(m * n)];
    arena.array(ra).fill(0.01);
    arena.array(rb).fill(0.02);
    const g = () => arena.kernels.gemm(ra.ptr, k, 1, rb.ptr, n, rc.ptr, n, m, k, n, 0, 0);
    rows.push({ m, k, n, impl: 'fused', gflops: flop / (await timePerCall(g, seconds, 10)) / 1e9 });
  }
  return rows;
}

/** What the bench asks for: an algorithm's preset and, for PPO, the minibatch rows. */
export interface LearnerStepCase {
  readonly algo: 'PPO' | 'DQN' | 'SAC' | 'IMPALA';
  readonly preset: string;
  /** PPO: rows per minibatch (the preset's when absent). */
  readonly rows?: number;
}

/** Each case on the fused path and on the TF.js path (IMPALA: TF.js only). */
export async function measureLearnerSteps(cases: readonly LearnerStepCase[], seconds = 1): Promise<LearnerStepRow[]> {
  await loadFusedKernels();
  const out: LearnerStepRow[] = [];
  const saved = FAST_PATHS.fusedMlp;
  try {
    for (const c of cases) {
      // The fused path counts the step's work; the TF.js path does the same products.
      let work = 0;
      for (const fused of c.algo === 'IMPALA' ? [false] : [true, false]) {
        FAST_PATHS.fusedMlp = fused;
        const r = await measureCase(c, seconds);
        work ||= r.flopPerStep;
        out.push({
          algo: c.algo,
          label: r.label,
          path: fused ? 'fused' : 'tfjs',
          msPerStep: r.secondsPerStep * 1000,
          mflopPerStep: work / 1e6,
          gflops: work / r.secondsPerStep / 1e9,
        });
      }
    }
  } finally {
    FAST_PATHS.fusedMlp = saved;
  }
  return out;
}

interface Measured {
  readonly label: string;
  readonly secondsPerStep: number;
  readonly flopPerStep: number;
}

function presetConfig(algo: LearnerStepCase['algo'], id: string): Record<string, unknown> {
  const spec = { PPO: PPO_SPEC, DQN: DQN_SPEC, SAC: SAC_SPEC, IMPALA: IMPALA_SPEC }[algo] as unknown as AnySpec;
  const preset = lookupPreset(spec.presets, id, algo);
  return deepMerge<Record<string, unknown>>(spec.defaults as unknown as Record<string, unknown>, preset.config);
}

function measureCase(c: LearnerStepCase, seconds: number): Promise<Measured> {
  if (c.algo === 'DQN' || c.algo === 'SAC') return measureReplayStep(c, seconds);
  return measureActorCriticStep(c, seconds);
}

/** DQN or SAC built from its preset on the page, trained until it learns, then its replay steps timed. */
async function measureReplayStep(c: LearnerStepCase, seconds: number): Promise<Measured> {
  const config = deepMerge(presetConfig(c.algo, c.preset), {
    envRunners: { numEnvRunners: 0 },
    learners: { numGpusPerLearner: 0 },
    debugging: { seed: 1 },
  }) as unknown as OffPolicyConfig & { training: { trainBatchSizePerLearner: number } };
  const impl = c.algo === 'DQN' ? await DQN_SPEC.load() : await SAC_SPEC.load();
  const algo = (await impl.build(config as never, { backend: 'wasm' })) as unknown as OffPolicyAlgorithm<
    OffPolicyConfig,
    ReplayLearner
  >;
  try {
    const t = config.training;
    while (algo.replayBuffer.size < Math.max(t.trainBatchSizePerLearner, t.numStepsSampledBeforeLearningStarts)) {
      await algo.train();
    }
    const rng = new Rng(2);
    const ctx = { rng, lifetimeEnvSteps: 1e9, envStepsTrainedLifetime: 0 };
    const next = () => algo.replayBuffer.sample(t.trainBatchSizePerLearner, rng, { nStep: 1, gamma: t.gamma });
    const STEPS = 8;
    const call = () => algo.learner.updateMany(STEPS, next, () => undefined, ctx);
    const flopPerStep = (await countedFlop(call)) / STEPS;
    const secondsPerStep = (await timePerCall(call, seconds)) / STEPS;
    const model = c.algo === 'DQN' ? `[${String(config.rlModule.fcnetHiddens)}]` : sacNets(config);
    return { label: `${c.preset}, ${model}, ${t.trainBatchSizePerLearner} rows`, secondsPerStep, flopPerStep };
  } finally {
    algo.stop();
  }
}

function sacNets(config: unknown): string {
  const t = (config as { training: { policyModelConfig: { fcnetHiddens: number[] } } }).training;
  return `[${String(t.policyModelConfig.fcnetHiddens)}] x3`;
}

/** 2 x the multiply-adds `f` does on the fused path (0 on the TF.js path, where nothing counts). */
async function countedFlop(f: () => Promise<unknown>): Promise<number> {
  Arena.macs = 0;
  Arena.countMacs = true;
  try {
    await f();
  } finally {
    Arena.countMacs = false;
  }
  return 2 * Arena.macs;
}

/**
 * PPO (epochs of one minibatch of `rows` on a CartPole-shaped batch) or IMPALA (one V-trace step
 * on its preset's train batch) with the preset's module and training settings.
 */
async function measureActorCriticStep(c: LearnerStepCase, seconds: number): Promise<Measured> {
  const config = presetConfig(c.algo, c.preset) as {
    rlModule: { fcnetHiddens: number[]; fcnetActivation: 'tanh' | 'relu'; vfShareLayers: boolean };
    training: Record<string, unknown> & { minibatchSize?: number; trainBatchSizePerLearner: number };
  };
  const module = makeModule({
    observationSpace: box(-Infinity, Infinity, [4]),
    actionSpace: discrete(2),
    model: config.rlModule,
    seed: 1,
  });
  const ppo = c.algo === 'PPO';
  const rows = ppo ? (c.rows ?? config.training.minibatchSize ?? 128) : config.training.trainBatchSizePerLearner;
  const EPOCHS = ppo ? 4 : 1;
  const training = { ...config.training, minibatchSize: rows, numEpochs: EPOCHS, shuffleBatchPerEpoch: false };
  const learner = ppo
    ? new (await import('../algorithms/ppo/ppo-learner')).PPOLearner(module, training as never)
    : new (await import('../algorithms/impala/impala-learner')).IMPALALearner(module, training as never);
  const batch = cartpoleLikeBatch(rows);
  const rng = new Rng(3);
  const call = () => learner.update(batch, { rng, lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0 });
  try {
    // IMPALA runs on TF.js only: its work from the layer sizes (the forward for V-trace, then a step).
    const flopPerStep = ppo
      ? (await countedFlop(call)) / EPOCHS
      : 2 * (rows + 1) * forwardMacs(module) + 2 * rows * stepMacs(module);
    const secondsPerStep = (await timePerCall(call, seconds)) / EPOCHS;
    const label = `${c.preset}, [${String(config.rlModule.fcnetHiddens)}], ${rows} rows`;
    return { label, secondsPerStep, flopPerStep };
  } finally {
    learner.dispose();
  }
}

/** Multiply-adds per row of the actor-critic forward. */
export function forwardMacs(module: MLPModule): number {
  const { piTorso, vfTorso, piHead, vfHead } = module.layers;
  return [...piTorso, ...(vfTorso ?? []), piHead, vfHead].reduce((s, l) => s + l.inDim * l.outDim, 0);
}

/** Multiply-adds per row of one gradient step: forward, weight gradients, input gradients past the first layers. */
export function stepMacs(module: MLPModule): number {
  const { piTorso, vfTorso } = module.layers;
  const firstLayers = [piTorso[0], vfTorso?.[0]].reduce((s, l) => s + (l ? l.inDim * l.outDim : 0), 0);
  const fwd = forwardMacs(module);
  return 3 * fwd - firstLayers;
}
