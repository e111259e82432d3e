/**
 * The default RLModule: an MLP policy and value function in TF.js, configured with RLlib's model
 * config names (`fcnetHiddens`, `fcnetActivation`, `vfShareLayers`).
 *
 * Layout of `actionDistInputs` (RLlib: ACTION_DIST_INPUTS):
 *  - Discrete(n): `[B, n]` logits;
 *  - Box(d): `[B, 2d]` = means ++ the state-independent log-std broadcast to every row.
 *
 * Initialisation follows CleanRL's `layer_init`: orthogonal kernels with gain sqrt(2) for hidden
 * layers, 0.01 for the policy head, 1.0 for the value head, zero biases; log-std starts at 0.
 * All of it comes from `spec.seed`, so the same seed gives the same weights.
 */
import * as tf from '@tensorflow/tfjs';
import type { RLModuleConfig } from '../core/config';
import { Rng } from '../core/rng';
import type { Box, Space } from '../core/spaces';
import { actionOutputDim, flatDim } from '../core/spaces';
import type { ActionDistribution } from './distributions';
import { distributionFor } from './distributions';
import type { ModuleWeights } from './weights';
import { orthogonal } from './weights';
import { dense } from './dense';
import type { ModuleLayerRef } from './fused/fused-stack';
import type { JsDense } from './js-mlp';
import { JsMlp, jsDense } from './js-mlp';
import type { ExplorationOutputs, InferenceOutputs, RLModule } from './rl-module';
import { assignWeights, readWeights } from './variables';

export interface RLModuleSpec {
  readonly observationSpace: Box;
  readonly actionSpace: Space;
  readonly model: RLModuleConfig;
  /** Seeds the weight initialisation. */
  readonly seed: number;
}

interface Dense {
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;
  /** Position of the kernel in `trainableVariables` (the bias follows it). */
  readonly index: number;
}

/**
 * Largest batch x multiply-adds (policy and value) for which exploration and inference run in
 * plain JS rather than TF.js on a CPU backend. Measured in Node on wasm (bench/NOTES.md, change 6)
 * for a [64, 64] net (~9k MACs per row): JS 27 / 58 / 115 / 234 us at 1 / 4 / 8 / 16 rows against
 * ~235 us for TF.js at any of those sizes (its cost there is kernel dispatch). A [256, 256] net
 * (~134k MACs per row) stays on TF.js even for one row.
 */
const JS_FORWARD_MAX_MACS = 100_000;

export class MLPModule implements RLModule<{ actionDistInputs: tf.Tensor2D; vfPreds: tf.Tensor1D }> {
  readonly distribution: ActionDistribution;
  /** Trainable variables, in the order of `variableNames` and of `getWeights()`. */
  readonly trainableVariables: tf.Variable[] = [];
  /** Logical names (`pi/fc_0/kernel`, ...), stable across instances. */
  readonly variableNames: string[] = [];
  /** Version of the current weights; set by `setWeights`, bumped by the Learner after each update. */
  weightsVersion = 0;

  private readonly obsDim: number;
  /** Shared torso when vfShareLayers, else the policy torso. */
  private readonly piLayers: Dense[] = [];
  /** Separate value torso (empty when vfShareLayers). */
  private readonly vfLayers: Dense[] = [];
  private readonly piHead: Dense;
  private readonly vfHead: Dense;
  /** Box only: state-independent log standard deviation, [d]. */
  private readonly logStd: tf.Variable | null = null;
  /** Multiply-adds per row (policy and value), fixed by the architecture. */
  private readonly macsPerRow: number;
  /** The JS copy of the weights for small-batch inference, and the weightsVersion it holds. */
  private jsMlp: { readonly mlp: JsMlp; readonly version: number } | null = null;

  constructor(readonly spec: RLModuleSpec) {
    const { observationSpace, actionSpace, model } = spec;
    this.obsDim = flatDim(observationSpace);
    this.distribution = distributionFor(actionSpace);
    const rng = new Rng(spec.seed);
    const hiddenGain = Math.SQRT2;

    const tower = (prefix: string, into: Dense[]): number => {
      let inDim = this.obsDim;
      model.fcnetHiddens.forEach((units, i) => {
        into.push(this.dense(`${prefix}/fc_${i}`, inDim, units, hiddenGain, rng));
        inDim = units;
      });
      return inDim;
    };
    const piDim = tower(model.vfShareLayers ? 'encoder' : 'pi', this.piLayers);
    const vfDim = model.vfShareLayers ? piDim : tower('vf', this.vfLayers);
    this.piHead = this.dense('pi/out', piDim, actionOutputDim(actionSpace), 0.01, rng);
    this.vfHead = this.dense('vf/out', vfDim, 1, 1.0, rng);
    if (actionSpace.kind === 'box') {
      this.logStd = this.variable('pi/log_std', tf.zeros([flatDim(actionSpace)]));
    }
    this.macsPerRow = this.trainableVariables.reduce(
      (sum, v) => sum + (v.rank === 2 ? v.shape[0] * v.shape[1]! : 0),
      0,
    );
  }

  private variable(name: string, init: tf.Tensor): tf.Variable {
    const v = tf.variable(init, true);
    init.dispose();
    this.trainableVariables.push(v);
    this.variableNames.push(name);
    return v;
  }

  private dense(name: string, inDim: number, outDim: number, gain: number, rng: Rng): Dense {
    const index = this.trainableVariables.length;
    const kernel = this.variable(`${name}/kernel`, tf.tensor2d(orthogonal(inDim, outDim, gain, rng), [inDim, outDim]));
    const bias = this.variable(`${name}/bias`, tf.zeros([outDim]));
    return { kernel, bias, index };
  }

  /** Hidden layers on the observation batch `obs` (see dense.ts for why layers are custom ops). */
  private torso(obs: tf.Tensor2D, layers: readonly Dense[]): tf.Tensor2D {
    const activation = this.spec.model.fcnetActivation;
    return layers.reduce((h, layer, i) => dense(h, layer, activation, i > 0), obs);
  }

  /** A head on `features`, which are the observations themselves when there are no hidden layers. */
  private linear(features: tf.Tensor2D, head: Dense): tf.Tensor2D {
    return dense(features, head, 'linear', this.spec.model.fcnetHiddens.length > 0);
  }

  /** Policy head output -> distribution inputs (appends the broadcast log-std for Box). */
  private distInputs(piOut: tf.Tensor2D): tf.Tensor2D {
    if (!this.logStd) return piOut;
    const logStds = tf.broadcastTo(tf.reshape(this.logStd, [1, -1]), piOut.shape);
    return tf.concat([piOut, logStds], 1) as tf.Tensor2D;
  }

  /**
   * The layers by stack, as kernel indices into `trainableVariables` (the bias follows each), and
   * the log-std's index (Box only), for the fused learner's nets. `vfTorso` is null when the
   * value head shares the policy torso.
   */
  get layers(): {
    readonly piTorso: readonly ModuleLayerRef[];
    readonly vfTorso: readonly ModuleLayerRef[] | null;
    readonly piHead: ModuleLayerRef;
    readonly vfHead: ModuleLayerRef;
    readonly logStdIndex: number | null;
  } {
    const act = this.spec.model.fcnetActivation;
    const ref = (d: Dense, activation: ModuleLayerRef['activation']): ModuleLayerRef => ({
      index: d.index,
      inDim: d.kernel.shape[0],
      outDim: d.kernel.shape[1]!,
      activation,
    });
    return {
      piTorso: this.piLayers.map((d) => ref(d, act)),
      vfTorso: this.spec.model.vfShareLayers ? null : this.vfLayers.map((d) => ref(d, act)),
      piHead: ref(this.piHead, 'linear'),
      vfHead: ref(this.vfHead, 'linear'),
      logStdIndex: this.logStd ? this.trainableVariables.indexOf(this.logStd) : null,
    };
  }

  /** Observation width. */
  get observationDim(): number {
    return this.obsDim;
  }

  /** Tensors, for training; the caller tidies. */
  forwardTrain(obs: tf.Tensor): { actionDistInputs: tf.Tensor2D; vfPreds: tf.Tensor1D } {
    const x = this.asRows(obs);
    const piFeatures = this.torso(x, this.piLayers);
    const vfFeatures = this.spec.model.vfShareLayers ? piFeatures : this.torso(x, this.vfLayers);
    const actionDistInputs = this.distInputs(this.linear(piFeatures, this.piHead));
    const vfPreds = tf.reshape<tf.Rank.R1>(this.linear(vfFeatures, this.vfHead), [-1]);
    return { actionDistInputs, vfPreds };
  }

  /** V(s), [B]; the caller tidies. */
  valueFunction(obs: tf.Tensor): tf.Tensor1D {
    const features = this.torso(this.asRows(obs), this.spec.model.vfShareLayers ? this.piLayers : this.vfLayers);
    return tf.reshape<tf.Rank.R1>(this.linear(features, this.vfHead), [-1]);
  }

  /** [B, obsDim]; a batch column of 1-dim observations arrives as [B] (the Learner uploads width-1 columns flat). */
  private asRows(obs: tf.Tensor): tf.Tensor2D {
    return obs.rank === 2 ? (obs as tf.Tensor2D) : tf.reshape(obs, [-1, this.obsDim]);
  }

  private uploadObs(obs: Float32Array, batchSize: number): tf.Tensor2D {
    const size = batchSize * this.obsDim;
    if (obs.length < size) {
      throw new RangeError(`obs has ${obs.length} values, ${batchSize} rows x ${this.obsDim} need ${size}`);
    }
    return tf.tensor2d(obs.length === size ? obs : obs.subarray(0, size), [batchSize, this.obsDim]);
  }

  /**
   * Hot path for EnvRunners: one batched forward, one readback of [dist inputs ++ values], then
   * sampling in plain JS with the caller's seeded Rng, written into the caller's arrays.
   */
  async forwardExploration(obs: Float32Array, batchSize: number, rng: Rng, out: ExplorationOutputs): Promise<void> {
    if (batchSize === 0) return;
    const data = await this.forwardPacked(obs, batchSize, true);
    const dist = this.distribution;
    const valuesOffset = batchSize * dist.inputDim;
    for (let i = 0; i < batchSize; i++) {
      out.actionLogp[i] = dist.sample(data, i, rng, out.actions);
      out.vfPreds[i] = data[valuesOffset + i]!;
    }
  }

  /** Greedy actions (argmax of logits / Gaussian means); skips the value function. */
  async forwardInference(obs: Float32Array, batchSize: number, out: InferenceOutputs): Promise<void> {
    if (batchSize === 0) return;
    const data = await this.forwardPacked(obs, batchSize, false);
    // Categorical rows are the logits; for Box the means (the first d of each row) are the greedy actions.
    for (let i = 0; i < batchSize; i++) this.distribution.greedy(data, i, out.actions);
  }

  /**
   * Distribution inputs [batchSize, inputDim] row-major, then (withValues) the values: in plain
   * JS for small batches on a CPU backend, else one TF.js forward and one readback.
   */
  private async forwardPacked(obs: Float32Array, batchSize: number, withValues: boolean): Promise<Float32Array> {
    const inputDim = this.distribution.inputDim;
    const jsMlp = await this.jsMlpFor(batchSize);
    if (jsMlp) {
      const data = new Float32Array(batchSize * inputDim + (withValues ? batchSize : 0));
      jsMlp.forward(obs, batchSize, data, withValues);
      return data;
    }
    const packed = tf.tidy(() => {
      const x = this.uploadObs(obs, batchSize);
      if (!withValues) return this.distInputs(this.linear(this.torso(x, this.piLayers), this.piHead));
      const { actionDistInputs, vfPreds } = this.forwardTrain(x);
      return tf.concat([tf.reshape(actionDistInputs, [-1]), vfPreds]);
    });
    const data = (await packed.data()) as Float32Array;
    packed.dispose();
    return data;
  }

  /** The JS forward when this batch should use it (CPU backend, small batch), refreshed to the current weights. */
  private async jsMlpFor(batchSize: number): Promise<JsMlp | null> {
    const backend = tf.getBackend();
    if (backend === 'webgpu' || backend === 'webgl' || batchSize * this.macsPerRow > JS_FORWARD_MAX_MACS) return null;
    if (this.jsMlp?.version !== this.weightsVersion) {
      const weights = await this.getWeights();
      this.jsMlp = { mlp: this.buildJsMlp(weights.arrays), version: weights.version };
    }
    return this.jsMlp.mlp;
  }

  /** A JsMlp over `arrays` (in `trainableVariables` order; biases and log-stds not copied). */
  private buildJsMlp(arrays: readonly Float32Array[]): JsMlp {
    const layer = ({ kernel, index }: Dense): JsDense =>
      jsDense(arrays[index]!, arrays[index + 1]!, kernel.shape[0], kernel.shape[1]!);
    return new JsMlp({
      activation: this.spec.model.fcnetActivation,
      piTorso: this.piLayers.map(layer),
      vfTorso: this.spec.model.vfShareLayers ? null : this.vfLayers.map(layer),
      piHead: layer(this.piHead),
      vfHead: layer(this.vfHead),
      logStd: this.logStd ? arrays[this.trainableVariables.indexOf(this.logStd)]! : null,
    });
  }

  /** Copies of every variable (one `await data()` each), with names, shapes and version. */
  getWeights(): Promise<ModuleWeights> {
    return readWeights(this.trainableVariables, this.variableNames, this.weightsVersion);
  }

  /** Checks names and shapes (throws `module/weights-mismatch`), then assigns copies. */
  setWeights(weights: ModuleWeights): void {
    const arrays = assignWeights(this.trainableVariables, this.variableNames, weights);
    this.weightsVersion = weights.version;
    this.jsMlp = { mlp: this.buildJsMlp(arrays), version: weights.version };
  }

  dispose(): void {
    for (const v of this.trainableVariables) v.dispose();
  }
}

export function makeModule(spec: RLModuleSpec): MLPModule {
  return new MLPModule(spec);
}
