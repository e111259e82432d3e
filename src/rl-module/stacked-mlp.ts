/**
 * Many actor-critic MLPs of one shape as one module with a leading module axis (issue 30: "many
 * modules cost like one big one"). Every variable of MLPModule becomes a stack: kernels
 * [M, in, out], biases [M, 1, out], Box log-stds [M, 1, d]. The train forward takes observations
 * [M, B, obsDim] and returns distribution inputs [M, B, k] and values [M, B]: one batched matMul
 * per layer for all M modules (stacked-dense.ts) where M MLPModules would dispatch M times.
 *
 * Module m is MLPModule's module with seed `seeds[m]`, variable for variable: same names, same
 * initial weights (MLPModule's draw order, replayed here), same forward. Its weights in and out are
 * a MultiRLModule's (multi-module-weights.ts: `<module id>/<variable>`), so checkpoints, runner
 * syncs and learner snapshots read the same whether the modules were stacked or not.
 *
 * Rows of the runner-facing forwards (`forwardExploration`, `forwardInference`) are module-major:
 * rows [m B, (m + 1) B) are module m's, B = batchSize / M. Small batches on a CPU backend run in
 * plain JS, one JsMlp per module over the host copy of the weights (MLPModule's rule: dispatch, not
 * arithmetic, is what a TF.js forward of a few rows costs there); the rest is one TF.js forward.
 */
import * as tf from '@tensorflow/tfjs';
import type { RLModuleConfig } from '../core/config';
import { RLError } from '../core/errors';
import { Rng } from '../core/rng';
import { actionOutputDim, flatDim, type Box, type Space } from '../core/spaces';
import { distributionFor, type ActionDistribution } from './distributions';
import { JsMlp, jsDense, type JsDense } from './js-mlp';
import { packModuleWeights, unpackModuleWeights } from './multi-module-weights';
import type { ExplorationOutputs, InferenceOutputs, RLModule } from './rl-module';
import { stackedDense, stackedDenseForward, type StackedDenseParams } from './stacked-dense';
import { checkWeights, orthogonal, type ModuleWeights } from './weights';

export interface StackedMLPSpec {
  readonly observationSpace: Box;
  readonly actionSpace: Space;
  readonly model: RLModuleConfig;
  /** Module ids in stack order (the `<id>/` of the packed weights). */
  readonly moduleIds: readonly string[];
  /** Module m starts from the weights MLPModule draws from seeds[m]. */
  readonly seeds: readonly number[];
}

interface Layer extends StackedDenseParams {
  readonly inDim: number;
  readonly outDim: number;
  /** Position of the kernel in `trainableVariables` (the bias follows it). */
  readonly index: number;
}

/** MLPModule's JS-forward threshold: rows x multiply-adds per row of one module. */
const JS_FORWARD_MAX_MACS = 100_000;

export type StackedTrainOutputs = { actionDistInputs: tf.Tensor3D; vfPreds: tf.Tensor2D };

export class StackedMLP implements RLModule<StackedTrainOutputs> {
  readonly numModules: number;
  readonly distribution: ActionDistribution;
  readonly obsDim: number;
  /** Stacked variables ([M, ...]), in MLPModule's variable order. */
  readonly trainableVariables: tf.Variable[] = [];
  /** MLPModule's variable names (`pi/fc_0/kernel`, ...); each stack holds that variable of every module. */
  readonly variableNames: string[] = [];
  /** One module's shape of each variable (the stack's without its leading axis, biases flat). */
  readonly moduleShapes: number[][] = [];
  weightsVersion = 0;

  private readonly piLayers: Layer[] = [];
  private readonly vfLayers: Layer[] = [];
  private readonly piHead: Layer;
  private readonly vfHead: Layer;
  private readonly logStd: tf.Variable | null = null;
  private readonly macsPerRow: number;
  /** Host copy of every stack: what setModuleWeights writes and the JS forward reads. */
  private readonly host: Float32Array[] = [];
  /** Whether the host copy is behind the variables (a Learner stepped them). */
  private hostStale = false;
  /** Whether the variables are behind the host copy (setModuleWeights since the last upload). */
  private deviceStale = false;
  private jsMlps: { readonly mlps: JsMlp[]; readonly version: number } | null = null;

  constructor(readonly spec: StackedMLPSpec) {
    const { observationSpace, actionSpace, model, moduleIds, seeds } = spec;
    if (moduleIds.length === 0 || seeds.length !== moduleIds.length) {
      throw new RangeError(`StackedMLP needs one seed per module (${moduleIds.length} ids, ${seeds.length} seeds)`);
    }
    this.numModules = moduleIds.length;
    this.obsDim = flatDim(observationSpace);
    this.distribution = distributionFor(actionSpace);
    const initial = initialWeights(spec);
    const tower = (prefix: string, into: Layer[]): number => {
      let inDim = this.obsDim;
      model.fcnetHiddens.forEach((units, i) => {
        into.push(this.layer(`${prefix}/fc_${i}`, inDim, units, initial));
        inDim = units;
      });
      return inDim;
    };
    const piDim = tower(model.vfShareLayers ? 'encoder' : 'pi', this.piLayers);
    const vfDim = model.vfShareLayers ? piDim : tower('vf', this.vfLayers);
    this.piHead = this.layer('pi/out', piDim, actionOutputDim(actionSpace), initial);
    this.vfHead = this.layer('vf/out', vfDim, 1, initial);
    if (actionSpace.kind === 'box') {
      const d = flatDim(actionSpace);
      this.logStd = this.variable('pi/log_std', [d], [this.numModules, 1, d], initial);
    }
    this.macsPerRow = [...this.piLayers, ...this.vfLayers, this.piHead, this.vfHead].reduce(
      (sum, l) => sum + l.inDim * l.outDim,
      0,
    );
  }

  private variable(name: string, moduleShape: number[], shape: number[], initial: InitialWeights): tf.Variable {
    const values = initial.stack(this.trainableVariables.length, moduleShape);
    // A copy: the cpu backend would keep the host array itself as the variable's storage.
    const init = tf.tensor(values.slice(), shape);
    const v = tf.variable(init, true);
    init.dispose();
    this.trainableVariables.push(v);
    this.variableNames.push(name);
    this.moduleShapes.push(moduleShape);
    this.host.push(values);
    return v;
  }

  private layer(name: string, inDim: number, outDim: number, initial: InitialWeights): Layer {
    const index = this.trainableVariables.length;
    const M = this.numModules;
    const kernel = this.variable(`${name}/kernel`, [inDim, outDim], [M, inDim, outDim], initial);
    const bias = this.variable(`${name}/bias`, [outDim], [M, 1, outDim], initial);
    return { kernel, bias, inDim, outDim, index };
  }

  /** [M, B, obsDim] from a flat module-major array of M * B rows. */
  private asStack(obs: tf.Tensor): tf.Tensor3D {
    return obs.rank === 3 ? (obs as tf.Tensor3D) : tf.reshape(obs, [this.numModules, -1, this.obsDim]);
  }

  private torso(x: tf.Tensor3D, layers: readonly Layer[], taped: boolean): tf.Tensor3D {
    const act = this.spec.model.fcnetActivation;
    return layers.reduce((h, l, i) => (taped ? stackedDense(h, l, act, i > 0) : stackedDenseForward(h, l, act)), x);
  }

  private head(features: tf.Tensor3D, head: Layer, taped: boolean): tf.Tensor3D {
    const hidden = this.spec.model.fcnetHiddens.length > 0;
    return taped ? stackedDense(features, head, 'linear', hidden) : stackedDenseForward(features, head, 'linear');
  }

  private distInputs(piOut: tf.Tensor3D): tf.Tensor3D {
    if (!this.logStd) return piOut;
    const logStds = tf.broadcastTo<tf.Rank.R3>(this.logStd, piOut.shape);
    return tf.concat([piOut, logStds], 2);
  }

  private forward(obs: tf.Tensor, taped: boolean): StackedTrainOutputs {
    this.flush();
    const x = this.asStack(obs);
    const piFeatures = this.torso(x, this.piLayers, taped);
    const vfFeatures = this.spec.model.vfShareLayers ? piFeatures : this.torso(x, this.vfLayers, taped);
    const actionDistInputs = this.distInputs(this.head(piFeatures, this.piHead, taped));
    const vf = this.head(vfFeatures, this.vfHead, taped);
    return { actionDistInputs, vfPreds: tf.reshape<tf.Rank.R2>(vf, [vf.shape[0], vf.shape[1]]) };
  }

  /** Tensors, for training (observations [M, B, obsDim]); the caller tidies. */
  forwardTrain(obs: tf.Tensor): StackedTrainOutputs {
    return this.forward(obs, true);
  }

  /** The same outputs without the tape (the learner connector's no-grad forward). */
  forwardNoGrad(obs: tf.Tensor): StackedTrainOutputs {
    return this.forward(obs, false);
  }

  async forwardExploration(obs: Float32Array, batchSize: number, rng: Rng, out: ExplorationOutputs): Promise<void> {
    if (batchSize === 0) return;
    const data = await this.forwardPacked(obs, batchSize, true);
    const dist = this.distribution;
    const valuesOffset = batchSize * dist.inputDim;
    // Module-major rows, so the draws come in the order M per-module forwards would make them.
    for (let i = 0; i < batchSize; i++) {
      out.actionLogp[i] = dist.sample(data, i, rng, out.actions);
      out.vfPreds[i] = data[valuesOffset + i]!;
    }
  }

  async forwardInference(obs: Float32Array, batchSize: number, out: InferenceOutputs): Promise<void> {
    if (batchSize === 0) return;
    const data = await this.forwardPacked(obs, batchSize, false);
    for (let i = 0; i < batchSize; i++) this.distribution.greedy(data, i, out.actions);
  }

  /**
   * Distribution inputs [batchSize, inputDim] then (withValues) the values, module-major, for a
   * caller that samples itself (an EnvRunner whose modules have padding rows it must not draw for).
   */
  async forwardPacked(obs: Float32Array, batchSize: number, withValues: boolean): Promise<Float32Array> {
    const M = this.numModules;
    if (batchSize % M !== 0) {
      throw new RangeError(`StackedMLP: ${batchSize} rows do not split evenly over ${M} modules`);
    }
    const rows = batchSize / M;
    const size = batchSize * this.obsDim;
    if (obs.length < size) throw new RangeError(`obs has ${obs.length} values, ${batchSize} rows need ${size}`);
    const inputDim = this.distribution.inputDim;
    const mlps = await this.jsMlpsFor(rows);
    if (mlps) {
      const data = new Float32Array(batchSize * inputDim + (withValues ? batchSize : 0));
      const part = new Float32Array(rows * inputDim + (withValues ? rows : 0));
      for (let m = 0; m < M; m++) {
        mlps[m]!.forward(obs.subarray(m * rows * this.obsDim, (m + 1) * rows * this.obsDim), rows, part, withValues);
        data.set(part.subarray(0, rows * inputDim), m * rows * inputDim);
        if (withValues) data.set(part.subarray(rows * inputDim), batchSize * inputDim + m * rows);
      }
      return data;
    }
    const packed = tf.tidy(() => {
      const x = tf.tensor3d(obs.length === size ? obs : obs.subarray(0, size), [M, rows, this.obsDim]);
      const { actionDistInputs, vfPreds } = this.forward(x, false);
      const dist = tf.reshape(actionDistInputs, [-1]);
      return withValues ? tf.concat([dist, tf.reshape(vfPreds, [-1])]) : dist;
    });
    try {
      return (await packed.data()) as Float32Array;
    } finally {
      packed.dispose();
    }
  }

  /** One JsMlp per module over the host copy, when this batch should use them. */
  private async jsMlpsFor(rowsPerModule: number): Promise<JsMlp[] | null> {
    const backend = tf.getBackend();
    if (backend === 'webgpu' || backend === 'webgl' || rowsPerModule * this.macsPerRow > JS_FORWARD_MAX_MACS) {
      return null;
    }
    await this.syncHost();
    if (this.jsMlps?.version !== this.weightsVersion) {
      const mlps = Array.from({ length: this.numModules }, (_, m) => this.buildJsMlp(m));
      this.jsMlps = { mlps, version: this.weightsVersion };
    }
    return this.jsMlps.mlps;
  }

  private buildJsMlp(m: number): JsMlp {
    const layer = (l: Layer): JsDense =>
      jsDense(this.moduleSlice(l.index, m), this.moduleSlice(l.index + 1, m), l.inDim, l.outDim);
    const logStdIndex = this.logStd ? this.trainableVariables.indexOf(this.logStd) : -1;
    return new JsMlp({
      activation: this.spec.model.fcnetActivation,
      piTorso: this.piLayers.map(layer),
      vfTorso: this.spec.model.vfShareLayers ? null : this.vfLayers.map(layer),
      piHead: layer(this.piHead),
      vfHead: layer(this.vfHead),
      logStd: logStdIndex >= 0 ? this.moduleSlice(logStdIndex, m) : null,
    });
  }

  /** Module m's part of variable i in the host copy (a view). */
  private moduleSlice(i: number, m: number): Float32Array {
    const size = this.host[i]!.length / this.numModules;
    return this.host[i]!.subarray(m * size, (m + 1) * size);
  }

  /** Marks the host copy stale: the Learner calls it after stepping the variables. */
  markTrained(): void {
    this.hostStale = true;
    this.weightsVersion += 1;
  }

  /** Reads the variables into the host copy when a Learner changed them (one readback per stack). */
  private async syncHost(): Promise<void> {
    if (!this.hostStale) return;
    const values = await Promise.all(this.trainableVariables.map((v) => v.data()));
    values.forEach((a, i) => this.host[i]!.set(a));
    this.hostStale = false;
  }

  /** Uploads the host copy after setModuleWeights (one assign per stack). */
  private flush(): void {
    if (!this.deviceStale) return;
    this.trainableVariables.forEach((v, i) => {
      const value = tf.tensor(this.host[i]!.slice(), v.shape);
      v.assign(value);
      value.dispose();
    });
    this.deviceStale = false;
  }

  /** Module m's weights (copies), with MLPModule's names and shapes. */
  async getModuleWeights(m: number): Promise<ModuleWeights> {
    await this.syncHost();
    return {
      version: this.weightsVersion,
      names: [...this.variableNames],
      shapes: this.moduleShapes.map((s) => [...s]),
      arrays: this.trainableVariables.map((_, i) => this.moduleSlice(i, m).slice()),
    };
  }

  /** Checks names and shapes against MLPModule's (module/weights-mismatch), then writes module m's part. */
  setModuleWeights(m: number, weights: ModuleWeights): void {
    if (this.hostStale) {
      // The other modules' host rows are behind their variables, and the upload would undo their training.
      throw new RLError(
        'module/stale-stack',
        'StackedMLP.setModuleWeights after training: set every module (setWeights), or read the weights first.',
      );
    }
    this.writeModule(m, weights);
    this.weightsVersion = weights.version;
  }

  private writeModule(m: number, weights: ModuleWeights): void {
    checkWeights(weights, this.variableNames, this.moduleShapes);
    weights.arrays.forEach((a, i) => this.moduleSlice(i, m).set(a));
    this.deviceStale = true;
    // The JS forward holds transposed copies of the host rows: rebuild them on the next forward.
    // (Not by version alone: a sync may carry the same version every time, e.g. packed weights at 0.)
    this.jsMlps = null;
  }

  /** Every module's weights, packed as a MultiRLModule's (`<module id>/<variable>`). */
  async getWeights(): Promise<ModuleWeights> {
    const byModule = new Map<string, ModuleWeights>();
    for (const [m, id] of this.spec.moduleIds.entries()) byModule.set(id, await this.getModuleWeights(m));
    return packModuleWeights(byModule, this.weightsVersion);
  }

  /** Packed weights that hold every module of the stack (others are ignored); a missing one is `module/weights-mismatch`. */
  setWeights(packed: ModuleWeights): void {
    const byModule = unpackModuleWeights(packed);
    const missing = this.spec.moduleIds.filter((id) => !byModule.has(id));
    if (missing.length > 0) {
      throw new RLError(
        'module/weights-mismatch',
        `Weights do not fit this stack of ${this.numModules} modules: module(s) ${missing.slice(0, 5).join(', ')} missing.`,
      );
    }
    // Checked first, so a misfit module leaves every module as it was.
    for (const w of byModule.values()) checkWeights(w, this.variableNames, this.moduleShapes);
    // Every row of the host copy is written, so whatever training made it stale is overwritten too.
    this.spec.moduleIds.forEach((id, m) => this.writeModule(m, byModule.get(id)!));
    this.hostStale = false;
    this.weightsVersion = packed.version;
  }

  dispose(): void {
    for (const v of this.trainableVariables) v.dispose();
  }
}

/**
 * Every module's initial weights, drawn as MLPModule draws them (one Rng per module seed, kernels
 * in variable order: orthogonal with gain sqrt 2 for hidden layers, 0.01 for the policy head, 1 for
 * the value head; zero biases and log-stds), stacked module-major per variable.
 */
interface InitialWeights {
  stack(variable: number, moduleShape: readonly number[]): Float32Array;
}

function initialWeights(spec: StackedMLPSpec): InitialWeights {
  const { observationSpace, actionSpace, model } = spec;
  const obsDim = flatDim(observationSpace);
  // The kernels of one module in MLPModule's order: [inDim, outDim, gain] each.
  const kernels: [number, number, number][] = [];
  const tower = (): number => {
    let inDim = obsDim;
    for (const units of model.fcnetHiddens) {
      kernels.push([inDim, units, Math.SQRT2]);
      inDim = units;
    }
    return inDim;
  };
  const piDim = tower();
  const vfDim = model.vfShareLayers ? piDim : tower();
  kernels.push([piDim, actionOutputDim(actionSpace), 0.01], [vfDim, 1, 1.0]);
  const perModule = spec.seeds.map((seed) => {
    const rng = new Rng(seed);
    return kernels.map(([i, o, gain]) => orthogonal(i, o, gain, rng));
  });
  // Variable index -> kernel index: kernels sit at even positions (each followed by its bias).
  return {
    stack(variable: number, moduleShape: readonly number[]): Float32Array {
      const size = moduleShape.reduce((a, b) => a * b, 1);
      const out = new Float32Array(size * perModule.length);
      if (variable % 2 === 0 && variable / 2 < kernels.length) {
        perModule.forEach((ks, m) => out.set(ks[variable / 2]!, m * size));
      }
      return out;
    },
  };
}
