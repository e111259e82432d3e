/**
 * The learner-side postprocessing PPO and A2C share (RLlib: the GAE learner connector, old stack
 * `compute_gae_for_sample_batch`): one no-grad forward of the actor-critic module over the batch
 * and each chunk's next observation, then GAE over the episode chunks.
 */
import * as tf from '@tensorflow/tfjs';
import { computeGae } from '../connectors/gae';
import type { SampleBatch } from '../core/sample-batch';
import type { MLPModule } from '../rl-module/mlp-module';

/** The module's outputs on a train batch. */
export interface ActorCriticOutputs {
  /** numSteps x distribution.inputDim: the sampling policy's distribution inputs (PPO's KL term). */
  readonly distInputs: Float32Array;
  /** numSteps: V(s_t). */
  readonly vfPreds: Float32Array;
  /** numChunks: V(the observation after each chunk's last step), for bootstrapping. */
  readonly bootstrapValues: Float32Array;
}

/** Forward over obs ++ finalObs (one upload, one readback): dist inputs and values of the batch, V(finalObs). */
export async function forwardActorCritic(module: MLPModule, batch: SampleBatch): Promise<ActorCriticOutputs> {
  const { numSteps, obsDim } = batch;
  const numChunks = batch.chunkEnds.length;
  const inputDim = module.distribution.inputDim;
  const allObs = new Float32Array((numSteps + numChunks) * obsDim);
  allObs.set(batch.obs.subarray(0, numSteps * obsDim));
  allObs.set(batch.finalObs.subarray(0, numChunks * obsDim), numSteps * obsDim);
  const packed = tf.tidy(() => {
    const { actionDistInputs, vfPreds } = module.forwardTrain(tf.tensor2d(allObs, [numSteps + numChunks, obsDim]));
    const batchDistInputs = tf.slice(actionDistInputs, [0, 0], [numSteps, inputDim]);
    return tf.concat([tf.reshape(batchDistInputs, [-1]), vfPreds]);
  });
  const data = (await packed.data()) as Float32Array;
  packed.dispose();
  const distEnd = numSteps * inputDim;
  return {
    distInputs: data.slice(0, distEnd),
    vfPreds: data.slice(distEnd, distEnd + numSteps),
    bootstrapValues: data.slice(distEnd + numSteps, distEnd + numSteps + numChunks),
  };
}

/** The train batch columns an actor-critic loss reads besides obs and actions. */
export interface AdvantageColumns {
  readonly distInputs: Float32Array;
  readonly advantages: Float32Array;
  readonly valueTargets: Float32Array;
}

/**
 * Forward, then GAE: bootstrap from V(finalObs) on truncation and fragment cuts, never on
 * termination. Advantages are returned as computed (callers normalise if they want).
 */
export async function actorCriticAdvantages(
  module: MLPModule,
  batch: SampleBatch,
  cfg: { readonly gamma: number; readonly lambda: number },
): Promise<AdvantageColumns> {
  const { distInputs, vfPreds, bootstrapValues } = await forwardActorCritic(module, batch);
  const { advantages, valueTargets } = computeGae({
    rewards: batch.rewards,
    chunkStarts: batch.chunkStarts,
    chunkEnds: batch.chunkEnds,
    vfPreds,
    bootstrapValues,
    gamma: cfg.gamma,
    lambda: cfg.lambda,
  });
  return { distInputs, advantages, valueTargets };
}
