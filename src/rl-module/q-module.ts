/**
 * QModule: DQN's RLModule (RLlib: DefaultDQNTorchRLModule, rllib/algorithms/dqn/torch/
 * default_dqn_torch_rl_module.py, built by DQNCatalog).
 *
 * Architecture, as RLlib's with `num_atoms` = 1:
 *  - encoder: MLP `fcnetHiddens` with `fcnetActivation`;
 *  - `af` head: MLP `headFcnetHiddens` with `headFcnetActivation`, then a linear layer of
 *    `numActions` outputs: the Q-values, or with `dueling` the advantages A(s, a);
 *  - `vf` head (dueling only): the same hidden layers, then one linear output V(s);
 *  - dueling aggregation (Wang et al. 2016, eq. 9): Q = V + (A - mean_a A).
 *
 * Initialisation: torch's `nn.Linear` default for kernels, U(-1/sqrt(fanIn), 1/sqrt(fanIn))
 * (kaiming_uniform_ with a = sqrt(5)), which RLlib's DQN module gets (its initializer configs
 * default to None = torch's) and CleanRL's dqn.py gets; zero biases, as RLlib's tuned
 * cartpole_dqn.py sets (`fcnet_bias_initializer="zeros_"`). Not orthogonal: that is CleanRL's
 * PPO init, and no DQN reference uses it. All of it comes from `spec.seed`.
 *
 * Exploration is epsilon-greedy (Mnih et al. 2015) with the epsilon the runner sets through
 * `setEpsilon` at each weight sync; small batches on a CPU backend run in plain JS.
 */
import * as tf from '@tensorflow/tfjs';
import { RLError } from '../core/errors';
import { Rng } from '../core/rng';
import type { Box, Space } from '../core/spaces';
import { flatDim } from '../core/spaces';
import type { Activation } from './dense';
import { dense } from './dense';
import { jsDense } from './js-sequential';
import { JsSequential } from './js-sequential';
import type { ExplorationOutput, ExplorationOutputs, InferenceOutputs, RLModule } from './rl-module';
import type { ModuleWeights } from './weights';
import { assignWeights, readWeights } from './variables';

export interface QModelConfig {
  /** Encoder layer sizes. RLlib: fcnet_hiddens (DefaultModelConfig [256, 256]; tuned CartPole [256]). */
  readonly fcnetHiddens: readonly number[];
  /** Encoder activation. RLlib: fcnet_activation ('tanh'). */
  readonly fcnetActivation: 'tanh' | 'relu';
  /** Hidden layers of each head (af and vf). RLlib: head_fcnet_hiddens ([]; tuned CartPole [256]). */
  readonly headFcnetHiddens: readonly number[];
  /** Head hidden activation. RLlib: head_fcnet_activation ('relu'). */
  readonly headFcnetActivation: 'tanh' | 'relu';
  /** Separate value and advantage streams. RLlib: dueling (DQNConfig default true). */
  readonly dueling: boolean;
}

/** RLlib's defaults: DefaultModelConfig (rllib/core/rl_module/default_model_config.py) and DQNConfig.dueling. */
export const DEFAULT_Q_MODEL_CONFIG: QModelConfig = {
  fcnetHiddens: [256, 256],
  fcnetActivation: 'tanh',
  headFcnetHiddens: [],
  headFcnetActivation: 'relu',
  dueling: true,
};

export interface QModuleSpec {
  readonly observationSpace: Box;
  readonly actionSpace: Space;
  readonly model: QModelConfig;
  /** Seeds the weight initialisation. */
  readonly seed: number;
}

/** QModule's train outputs. */
export type QTrainOutputs = {
  /** Q(s, a) for every action, [B, numActions]. RLlib: qf_preds. */
  readonly qValues: tf.Tensor2D;
};

/** A layer as positions in a variable list, so the same code runs the online and the target net. */
export interface LayerRef {
  /** Index of the kernel in the variable list; the bias follows it. */
  readonly index: number;
  readonly inDim: number;
  readonly outDim: number;
  readonly activation: Activation;
}

/** Same budget as MLPModule's plain-JS forward (measured there: bench/NOTES.md, change 6). */
const JS_FORWARD_MAX_MACS = 100_000;

/** torch.nn.Linear's default kernel, U(-1/sqrt(fanIn), 1/sqrt(fanIn)), as a row-major [inDim, outDim]. */
function torchDefaultKernel(inDim: number, outDim: number, rng: Rng): Float32Array {
  const bound = 1 / Math.sqrt(inDim);
  return Float32Array.from({ length: inDim * outDim }, () => rng.uniform(-bound, bound));
}

export class QModule implements RLModule<QTrainOutputs> {
  readonly trainableVariables: tf.Variable[] = [];
  readonly variableNames: string[] = [];
  weightsVersion = 0;
  /** Exploration writes only actions; the runner's logp / value buffers stay as they are. */
  readonly explorationOutputs: readonly ExplorationOutput[] = ['actions'];
  readonly numActions: number;

  private readonly obsDim: number;
  private readonly encoder: LayerRef[] = [];
  private readonly af: LayerRef[] = [];
  private readonly vf: LayerRef[] = [];
  /** Multiply-adds per row, fixed by the architecture. */
  private readonly macsPerRow: number;
  private epsilonValue = 1;
  private js: { readonly stacks: JsStacks; readonly version: number } | null = null;

  constructor(readonly spec: QModuleSpec) {
    const { observationSpace, actionSpace, model } = spec;
    if (actionSpace.kind !== 'discrete') {
      throw new RLError(
        'module/unsupported-space',
        `DQN needs a Discrete action space, got Box(shape [${actionSpace.shape.join(', ')}]). ` +
          `For continuous actions use SAC or PPO.`,
      );
    }
    this.numActions = actionSpace.n;
    this.obsDim = flatDim(observationSpace);
    const rng = new Rng(spec.seed);
    const stack = (
      prefix: string,
      sizes: readonly number[],
      activation: Activation,
      inDim: number,
      into: LayerRef[],
    ) => {
      sizes.forEach((units, i) => {
        into.push(this.layer(`${prefix}/fc_${i}`, inDim, units, activation, rng));
        inDim = units;
      });
      return inDim;
    };
    const featureDim = stack('encoder', model.fcnetHiddens, model.fcnetActivation, this.obsDim, this.encoder);
    const afDim = stack('af', model.headFcnetHiddens, model.headFcnetActivation, featureDim, this.af);
    this.af.push(this.layer('af/out', afDim, this.numActions, 'linear', rng));
    if (model.dueling) {
      const vfDim = stack('vf', model.headFcnetHiddens, model.headFcnetActivation, featureDim, this.vf);
      this.vf.push(this.layer('vf/out', vfDim, 1, 'linear', rng));
    }
    this.macsPerRow = [...this.encoder, ...this.af, ...this.vf].reduce((s, l) => s + l.inDim * l.outDim, 0);
  }

  private layer(name: string, inDim: number, outDim: number, activation: Activation, rng: Rng): LayerRef {
    const index = this.trainableVariables.length;
    const add = (suffix: string, init: tf.Tensor): void => {
      this.trainableVariables.push(tf.variable(init, true));
      init.dispose();
      this.variableNames.push(`${name}/${suffix}`);
    };
    add('kernel', tf.tensor2d(torchDefaultKernel(inDim, outDim, rng), [inDim, outDim]));
    add('bias', tf.zeros([outDim]));
    return { index, inDim, outDim, activation };
  }

  /** The layers by stack (kernel indices in `trainableVariables`), for the fused learner's nets. */
  get layers(): {
    readonly encoder: readonly LayerRef[];
    readonly af: readonly LayerRef[];
    readonly vf: readonly LayerRef[];
  } {
    return { encoder: this.encoder, af: this.af, vf: this.vf };
  }

  /** Observation width. */
  get observationDim(): number {
    return this.obsDim;
  }

  /** Current exploration epsilon (RLlib evaluates its `epsilon` schedule; here the algorithm does). */
  get epsilon(): number {
    return this.epsilonValue;
  }

  setEpsilon(epsilon: number): void {
    if (!(epsilon >= 0 && epsilon <= 1)) {
      throw new RLError(
        'module/invalid-epsilon',
        `epsilon must be in [0, 1], got ${epsilon}. Check the epsilon schedule.`,
      );
    }
    this.epsilonValue = epsilon;
  }

  /** Q-values [B, numActions] from the online variables. RLlib: forward_train's qf_preds. */
  forwardTrain(obs: tf.Tensor): QTrainOutputs {
    return { qValues: this.computeQValues(obs, this.trainableVariables) };
  }

  /**
   * Q-values from a target network's copies of the variables (same order and shapes, e.g.
   * `TargetNetwork.variables`). RLlib: TargetNetworkAPI.forward_target. The caller tidies.
   */
  forwardTarget(obs: tf.Tensor, targetVariables: readonly tf.Variable[]): QTrainOutputs {
    if (targetVariables.length !== this.trainableVariables.length) {
      throw new RangeError(
        `target has ${targetVariables.length} variables, this module ${this.trainableVariables.length}`,
      );
    }
    return { qValues: this.computeQValues(obs, targetVariables) };
  }

  /** The network on `variables`; see dense.ts for why layers are custom ops. */
  private computeQValues(obs: tf.Tensor, variables: readonly tf.Variable[]): tf.Tensor2D {
    const x = obs.rank === 2 ? (obs as tf.Tensor2D) : tf.reshape<tf.Rank.R2>(obs, [-1, this.obsDim]);
    // The first layer's input is the observation batch, which needs no gradient.
    const run = (h: tf.Tensor2D, layers: readonly LayerRef[], inputIsObs: boolean): tf.Tensor2D =>
      layers.reduce(
        (y, { index, activation }, i) =>
          dense(y, { kernel: variables[index]!, bias: variables[index + 1]! }, activation, i > 0 || !inputIsObs),
        h,
      );
    const features = run(x, this.encoder, true);
    const featuresAreObs = this.encoder.length === 0;
    const af = run(features, this.af, featuresAreObs);
    if (this.vf.length === 0) return af;
    const v = run(features, this.vf, featuresAreObs);
    // Q = V + (A - mean_a A): centring makes V and A identifiable (Wang et al. 2016, eq. 9).
    return tf.add(v, tf.sub(af, tf.mean(af, 1, true)));
  }

  /**
   * Epsilon-greedy: each row takes a uniformly random action with probability epsilon, else
   * argmax_a Q(s, a). The draws come first, so a batch of only random rows skips the forward
   * (all of it while epsilon is 1 at the start of training). Writes only `out.actions`.
   */
  async forwardExploration(obs: Float32Array, batchSize: number, rng: Rng, out: ExplorationOutputs): Promise<void> {
    if (batchSize === 0) return;
    // Per call, not a field: the forward below awaits, and a second call must not see these.
    const randomActions = new Int32Array(batchSize);
    let anyGreedy = false;
    for (let i = 0; i < batchSize; i++) {
      const random = rng.random() < this.epsilonValue;
      randomActions[i] = random ? rng.integer(this.numActions) : -1;
      anyGreedy ||= !random;
    }
    const q = anyGreedy ? await this.qValues(obs, batchSize) : null;
    for (let i = 0; i < batchSize; i++) {
      const a = randomActions[i]!;
      out.actions[i] = a >= 0 || !q ? a : this.argmaxRow(q, i);
    }
  }

  /** Greedy actions, argmax_a Q(s, a) (ties: the first). RLlib: forward_inference. */
  async forwardInference(obs: Float32Array, batchSize: number, out: InferenceOutputs): Promise<void> {
    if (batchSize === 0) return;
    const q = await this.qValues(obs, batchSize);
    for (let i = 0; i < batchSize; i++) out.actions[i] = this.argmaxRow(q, i);
  }

  private argmaxRow(q: Float32Array, row: number): number {
    const n = this.numActions;
    let best = 0;
    for (let a = 1; a < n; a++) if (q[row * n + a]! > q[row * n + best]!) best = a;
    return best;
  }

  /**
   * Q-values of `batchSize` rows, [batchSize, numActions] row-major: plain JS for small batches on
   * a CPU backend, else one TF.js forward and one readback.
   */
  async qValues(obs: Float32Array, batchSize: number): Promise<Float32Array> {
    const size = batchSize * this.obsDim;
    if (obs.length < size) {
      throw new RangeError(`obs has ${obs.length} values, ${batchSize} rows x ${this.obsDim} need ${size}`);
    }
    const js = await this.jsFor(batchSize);
    if (js) return js.forward(obs, batchSize, this.numActions);
    const q = tf.tidy(() => {
      const x = tf.tensor2d(obs.length === size ? obs : obs.subarray(0, size), [batchSize, this.obsDim]);
      return this.computeQValues(x, this.trainableVariables);
    });
    const data = (await q.data()) as Float32Array;
    q.dispose();
    return data;
  }

  /** The JS forward when this batch should use it (CPU backend, small batch), at the current weights. */
  private async jsFor(batchSize: number): Promise<JsStacks | null> {
    const backend = tf.getBackend();
    if (backend === 'webgpu' || backend === 'webgl') return null;
    if (batchSize * this.macsPerRow > JS_FORWARD_MAX_MACS) return null;
    if (this.js?.version !== this.weightsVersion) {
      const weights = await this.getWeights();
      this.js = { stacks: this.buildJs(weights.arrays), version: weights.version };
    }
    return this.js.stacks;
  }

  private buildJs(arrays: readonly Float32Array[]): JsStacks {
    const stack = (layers: readonly LayerRef[], inDim: number): JsSequential =>
      new JsSequential(
        layers.map(({ index, inDim: i, outDim, activation }) => ({
          dense: jsDense(arrays[index]!, arrays[index + 1]!, i, outDim),
          activation,
        })),
        inDim,
      );
    const encoder = stack(this.encoder, this.obsDim);
    return new JsStacks(
      encoder,
      stack(this.af, encoder.outDim),
      this.vf.length ? stack(this.vf, encoder.outDim) : null,
    );
  }

  /** Copies of every variable (one `await data()` each), with names, shapes and version. */
  getWeights(): Promise<ModuleWeights> {
    return readWeights(this.trainableVariables, this.variableNames, this.weightsVersion);
  }

  /** Checks names and shapes (throws `module/weights-mismatch`), then assigns copies. */
  setWeights(weights: ModuleWeights): void {
    const arrays = assignWeights(this.trainableVariables, this.variableNames, weights);
    this.weightsVersion = weights.version;
    this.js = { stacks: this.buildJs(arrays), version: weights.version };
  }

  dispose(): void {
    for (const v of this.trainableVariables) v.dispose();
  }
}

/** The plain-JS Q-network: encoder, then the af head and (dueling) the vf head on its output. */
class JsStacks {
  constructor(
    private readonly encoder: JsSequential,
    private readonly af: JsSequential,
    private readonly vf: JsSequential | null,
  ) {}

  forward(obs: Float32Array, rows: number, numActions: number): Float32Array {
    const q = new Float32Array(rows * numActions);
    // Each stack has its own buffers, so the encoder's output survives both heads.
    const features = this.encoder.forward(obs, rows);
    this.af.forward(features, rows, q);
    if (!this.vf) return q;
    const v = this.vf.forward(features, rows);
    for (let r = 0; r < rows; r++) {
      let mean = 0;
      for (let a = 0; a < numActions; a++) mean += q[r * numActions + a]!;
      mean /= numActions;
      for (let a = 0; a < numActions; a++) q[r * numActions + a] = v[r]! + (q[r * numActions + a]! - mean);
    }
    return q;
  }
}
