/**
 * The probes that run TF.js: device self-checks (the same small computation or PPO update on
 * several backends) and learner throughput. index.ts imports this module on first use only, so
 * the page and the registry load no TF.js until something asks for it.
 */
import * as tf from '@tensorflow/tfjs';
import { activateBackend, type BackendName } from '../backend/tf-backend';
import { ppoBackendParity as parityOn, type ParityRun } from '../algorithms/ppo/backend-parity';
import {
  measureLearnerSteps,
  measureMatmulPeak,
  type LearnerStepCase,
  type LearnerStepRow,
  type MatmulRow,
} from './learner-floor';
import { measureLearnerThroughput, type LearnerThroughput } from './learner-throughput';

export { learnerGroupThroughput } from './learner-group-throughput';
export { measureMultiAgentSampling } from './multi-agent-sampling';

/** Activates `backend` (wasm may fall back to cpu), then measures PPO learner throughput on it. */
export async function learnerThroughput(
  backend: BackendName,
  hiddens: readonly number[],
  minibatchSize: number,
  seconds = 1.5,
): Promise<LearnerThroughput> {
  const active = await activateBackend(backend);
  return measureLearnerThroughput(active.backend, hiddens, minibatchSize, seconds);
}

/** Matrix-product GFLOP/s on `backend` (TF.js matMul) and of the fused kernels, per shape. */
export async function matmulPeak(
  backend: BackendName,
  shapes: readonly (readonly [number, number, number])[],
  seconds?: number,
): Promise<MatmulRow[]> {
  await activateBackend(backend);
  return measureMatmulPeak(shapes, seconds);
}

/** Learner steps of each case on the fused and the TF.js paths, on wasm. */
export async function learnerSteps(cases: readonly LearnerStepCase[], seconds?: number): Promise<LearnerStepRow[]> {
  await activateBackend('wasm');
  return measureLearnerSteps(cases, seconds);
}

/** The same PPO gradients and updates on each backend (the page's WebGPU check). */
export function ppoBackendParity(backends: readonly BackendName[], numUpdates = 3, rows = 64): Promise<ParityRun[]> {
  return parityOn((name) => activateBackend(name), backends, numUpdates, rows);
}

/** A tiny computation (matmul, tanh, reductions) on `backend`, for the device self-check. */
export async function tinyComputation(backend: BackendName): Promise<{ backend: string; values: number[] }> {
  const active = await activateBackend(backend);
  const out = tf.tidy(() => {
    const a = tf.tensor2d(
      Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)),
      [8, 8],
    );
    const b = tf.tensor2d(
      Float32Array.from({ length: 64 }, (_, i) => Math.cos(i * 0.7)),
      [8, 8],
    );
    const h = tf.tanh(tf.matMul(a, b));
    return tf.concat([tf.reshape(h, [-1]), tf.reshape(tf.sum(h, 1), [-1]), tf.reshape(tf.max(h), [-1])]);
  });
  const values = Array.from(await out.data());
  out.dispose();
  return { backend: active.backend, values };
}
