/**
 * Generalized Advantage Estimation (Schulman et al. 2016, "High-Dimensional Continuous Control
 * Using Generalized Advantage Estimation"), over the episode-chunk layout of `SampleBatch`.
 *
 * RLlib: `GeneralAdvantageEstimation` learner connector. CleanRL: the `lastgaelam` loop in ppo.py.
 */
import { ChunkEnd, type SampleBatch } from '../core/sample-batch';

export interface GaeArgs {
  /** numSteps: reward of each step. */
  readonly rewards: Float32Array;
  /** numChunks + 1 row offsets; chunk c is rows [chunkStarts[c], chunkStarts[c+1]). */
  readonly chunkStarts: Int32Array;
  /** numChunks: why each chunk ended (ChunkEnd.CUT / TERMINATED / TRUNCATED). */
  readonly chunkEnds: Uint8Array;
  /** numSteps: V(s_t) under the sampling policy. */
  readonly vfPreds: Float32Array;
  /** numChunks: V(the observation after the chunk's last step). Ignored for terminated chunks. */
  readonly bootstrapValues: Float32Array;
  /** Discount factor. RLlib: gamma. CleanRL: gamma. */
  readonly gamma: number;
  /** GAE lambda. RLlib: lambda_. CleanRL: gae_lambda. */
  readonly lambda: number;
}

export interface GaeResult {
  /** numSteps: A_t = sum_k (gamma * lambda)^k * delta_{t+k} within the chunk. */
  readonly advantages: Float32Array;
  /** numSteps: value-function targets, advantages + vfPreds (RLlib: VALUE_TARGETS). */
  readonly valueTargets: Float32Array;
}

/**
 * One backward scan per chunk. Accumulates in float64 (JS numbers) and stores float32.
 *
 * The value after the chunk's last step is:
 *  - 0 if the episode TERMINATED: the MDP ended, there is no future return;
 *  - bootstrapValues[c] if it was TRUNCATED (time limit) or CUT (fragment end): the episode would
 *    have continued, so the future return is estimated by V(s_next).
 * Bootstrap on truncation, not termination (Pardo et al. 2018, "Time Limits in Reinforcement
 * Learning"; Gymnasium step API's separate `terminated` / `truncated`).
 */
export function computeGae(args: GaeArgs): GaeResult {
  const { rewards, chunkStarts, chunkEnds, vfPreds, bootstrapValues, gamma, lambda } = args;
  const numSteps = rewards.length;
  const numChunks = chunkEnds.length;
  if (vfPreds.length !== numSteps) {
    throw new RangeError(`computeGae: vfPreds has ${vfPreds.length} rows, rewards has ${numSteps}`);
  }
  if (chunkStarts.length !== numChunks + 1 || bootstrapValues.length !== numChunks) {
    throw new RangeError(
      `computeGae: ${numChunks} chunks need ${numChunks + 1} chunkStarts and ${numChunks} bootstrapValues ` +
        `(got ${chunkStarts.length} and ${bootstrapValues.length})`,
    );
  }
  const advantages = new Float32Array(numSteps);
  const valueTargets = new Float32Array(numSteps);
  const gammaLambda = gamma * lambda;

  for (let c = 0; c < numChunks; c++) {
    const start = chunkStarts[c]!;
    const end = chunkStarts[c + 1]!;
    if (end < start || end > numSteps) {
      throw new RangeError(`computeGae: chunk ${c} has rows [${start}, ${end}) outside [0, ${numSteps})`);
    }
    // Value of the state after the last step; 0 for a terminal state.
    let nextValue = chunkEnds[c] === ChunkEnd.TERMINATED ? 0 : bootstrapValues[c]!;
    let lastGae = 0;
    for (let t = end - 1; t >= start; t--) {
      const value = vfPreds[t]!;
      const delta = rewards[t]! + gamma * nextValue - value;
      lastGae = delta + gammaLambda * lastGae;
      advantages[t] = lastGae;
      valueTargets[t] = lastGae + value;
      nextValue = value;
    }
  }
  return { advantages, valueTargets };
}

/** The value estimates a learner computes for the connector (learner/batch-columns.ts: forwardBatch). */
export interface BatchValues {
  /** numSteps: V(s_t). */
  readonly vfPreds: Float32Array;
  /** numChunks: V(the observation after each chunk's last step). */
  readonly bootstrapValues: Float32Array;
}

/**
 * The GAE learner connector (RLlib's GeneralAdvantageEstimation, which PPO's and A2C's learners
 * run on every train batch before their update): advantages and value targets per row of `batch`,
 * from the learner's own value estimates.
 */
export function generalAdvantageEstimation(
  batch: Pick<SampleBatch, 'rewards' | 'chunkStarts' | 'chunkEnds'>,
  values: BatchValues,
  cfg: { readonly gamma: number; readonly lambda: number },
): GaeResult {
  return computeGae({
    rewards: batch.rewards,
    chunkStarts: batch.chunkStarts,
    chunkEnds: batch.chunkEnds,
    vfPreds: values.vfPreds,
    bootstrapValues: values.bootstrapValues,
    gamma: cfg.gamma,
    lambda: cfg.lambda,
  });
}

/**
 * Standardises advantages in place: (x - mean) / (std + 1e-8), population std.
 * CleanRL: `norm_adv`; RLlib's PPO learner does the same per train batch.
 */
export function normalizeAdvantages(advantages: Float32Array): void {
  const n = advantages.length;
  if (n === 0) return;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += advantages[i]!;
  const mean = sum / n;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const d = advantages[i]! - mean;
    sumSq += d * d;
  }
  const denom = Math.sqrt(sumSq / n) + 1e-8;
  for (let i = 0; i < n; i++) advantages[i] = (advantages[i]! - mean) / denom;
}
