/**
 * The column types a replay buffer reads and returns. Framework-free: flat typed arrays, so the
 * learner turns each column into one tensor with one copy.
 */
import type { SampleBatch } from '../core/sample-batch';

/**
 * The SampleBatch columns a replay buffer reads. A structural subset of the EnvRunner's
 * `SampleBatch`, so PPO's `actionLogp`/`vfPreds` (and any extra columns) are neither needed nor
 * copied, and batches built by hand in tests only fill what matters.
 */
export type ReplayInput = Pick<
  SampleBatch,
  | 'numSteps'
  | 'obsDim'
  | 'actionDim'
  | 'obs'
  | 'actions'
  | 'rewards'
  | 'terminateds'
  | 'truncateds'
  | 'chunkStarts'
  | 'chunkEnds'
  | 'chunkEpisodeIds'
  | 'chunkEnvIndices'
  | 'finalObs'
>;

export interface ReplaySampleOptions {
  /** Steps summed into each return (RLlib: n_step; Hessel et al. 2018). 1 = one-step TD. */
  readonly nStep: number;
  /** Discount factor gamma. */
  readonly gamma: number;
  /**
   * Importance-sampling exponent (Schaul et al. 2016); prioritized buffers only, ignored by the
   * uniform one. The caller anneals it (RLlib: replay_buffer_config.beta); defaults to the
   * buffer's configured beta.
   */
  readonly beta?: number;
}

/**
 * One sampled batch of n-step transitions. The learner's target is
 * `rewards + discounts * V(nextObs)`: `discounts` is already 0 where the episode terminated.
 */
export interface ReplayBatch {
  readonly batchSize: number;
  /** batchSize * obsDim: observation the first action was taken in (s_t). */
  readonly obs: Float32Array;
  /** batchSize * actionDim: a_t; Int32Array for Discrete, Float32Array for Box. */
  readonly actions: Int32Array | Float32Array;
  /** sum_{j<k} gamma^j r_{t+j}: the k-step discounted return (k = nSteps). */
  readonly rewards: Float32Array;
  /** batchSize * obsDim: s_{t+k}; Gymnasium's final observation when the episode was truncated. */
  readonly nextObs: Float32Array;
  /** 1 when the episode terminated within the k steps: no bootstrap. */
  readonly terminateds: Uint8Array;
  /** gamma^k, or 0 where terminated: the factor on the bootstrap value. */
  readonly discounts: Float32Array;
  /** k: steps actually summed, <= nStep (fewer when the episode ended or its next chunk is not in yet). */
  readonly nSteps: Int32Array;
  /** Buffer slots of s_t, for `updatePriorities`. */
  readonly indices: Int32Array;
  /** Lifetime step ids of s_t (the numAdded count when it was added); detect overwritten slots. */
  readonly stepIds: Float64Array;
  /** Importance-sampling weights normalised by their max (Schaul et al. 2016); all 1 for uniform. */
  readonly weights: Float32Array;
}

/** Same fields as `ReplayBatch`, writable: the buffer fills one in place per `sample` call. */
export type MutableReplayBatch = { -readonly [K in keyof ReplayBatch]: ReplayBatch[K] };

export function allocReplayBatch(
  batchSize: number,
  obsDim: number,
  actionDim: number,
  discreteActions: boolean,
): MutableReplayBatch {
  return {
    batchSize,
    obs: new Float32Array(batchSize * obsDim),
    actions: discreteActions ? new Int32Array(batchSize * actionDim) : new Float32Array(batchSize * actionDim),
    rewards: new Float32Array(batchSize),
    nextObs: new Float32Array(batchSize * obsDim),
    terminateds: new Uint8Array(batchSize),
    discounts: new Float32Array(batchSize),
    nSteps: new Int32Array(batchSize),
    indices: new Int32Array(batchSize),
    stepIds: new Float64Array(batchSize),
    weights: new Float32Array(batchSize).fill(1),
  };
}
