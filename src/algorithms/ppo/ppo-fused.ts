/**
 * PPO's loss and its gradient on the fused path (FAST_PATHS.fusedMlp): ppo-loss.ts's `lossTerms`
 * (read it for the math and sources) per row in plain JS, over the module's outputs from the
 * fused nets, and the backward pass through the heads and torsos. The distribution terms and
 * their gradients w.r.t. the distribution inputs are distributions.ts's `policyTerms`:
 *
 *   Categorical (logits z, p = softmax z): d log p_a/dz = onehot(a) - p, dH/dz_j = -p_j (log p_j + H),
 *     dKL(old||new)/dz = p - p_old
 *   Gaussian (mean m, log-std s): d log p/dm = z / sigma, d log p/ds = z^2 - 1, dH/ds = 1,
 *     dKL/dm = (m - m_old) / sigma^2, dKL/ds = 1 - (sigma_old^2 + (m_old - m)^2) / sigma^2
 *
 * The Gaussian's log-std is one variable broadcast to every row, so its gradient is the column
 * sum. test/unit/fused-ppo.test.ts checks the gradients against TF.js autodiff of the loss.
 */
import type { BatchForward } from '../../learner/batch-columns';
import type { FusedTrainer } from '../../learner/fused-trainer';
import type { FusedLossResult } from '../../learner/fused-update';
import type { Region } from '../../rl-module/fused/arena';
import { FusedStack, placeLayers, type Matrix } from '../../rl-module/fused/fused-stack';
import type { MLPModule } from '../../rl-module/mlp-module';
import type { PPOLossConfig } from './ppo-loss';

const LOG_2PI = Math.log(2 * Math.PI);

/** The train batch's columns, whole (minibatches are gathered from them by row index). */
export interface PPOFusedColumns {
  readonly obs: Float32Array;
  readonly actions: Int32Array | Float32Array;
  readonly oldLogp: Float32Array;
  /** Only with the KL term. */
  readonly oldDistInputs: Float32Array | null;
  readonly advantages: Float32Array;
  readonly valueTargets: Float32Array;
}

export class PPOFusedLoss {
  private readonly piTorso: FusedStack;
  private readonly vfTorso: FusedStack | null;
  private readonly piHead: FusedStack;
  private readonly vfHead: FusedStack;
  private readonly obsDim: number;
  private readonly categorical: boolean;
  /** Distribution inputs per row, and actions per row (1 for categorical). */
  private readonly inputDim: number;
  private readonly actionDim: number;
  /** Float offset of the log-std in P (Gaussian only). */
  private readonly logStdAt: number;
  private rows = 0;
  private obs!: Region;
  private dPiOut!: Region;
  private dV!: Region;
  private dPiFeatures!: Region;
  private dVfFeatures!: Region;

  constructor(
    private readonly trainer: FusedTrainer,
    module: MLPModule,
  ) {
    const { piTorso, vfTorso, piHead, vfHead, logStdIndex } = module.layers;
    const at = (refs: Parameters<typeof placeLayers>[0]) => placeLayers(refs, trainer.offsets);
    const arena = trainer.arena;
    this.obsDim = module.observationDim;
    this.piTorso = new FusedStack(arena, at(piTorso), this.obsDim);
    this.vfTorso = vfTorso ? new FusedStack(arena, at(vfTorso), this.obsDim) : null;
    this.piHead = new FusedStack(arena, at([piHead]), this.piTorso.outDim);
    this.vfHead = new FusedStack(arena, at([vfHead]), (this.vfTorso ?? this.piTorso).outDim);
    const dist = module.distribution;
    this.categorical = dist.kind === 'categorical';
    this.inputDim = dist.inputDim;
    this.actionDim = dist.actionDim;
    this.logStdAt = logStdIndex === null ? -1 : trainer.offsets[logStdIndex]!;
  }

  private reserve(rows: number): void {
    if (rows <= this.rows) return;
    this.rows = rows;
    const arena = this.trainer.arena;
    for (const s of [this.piTorso, this.vfTorso, this.piHead, this.vfHead]) s?.reserve(rows);
    this.obs = arena.alloc(rows * this.obsDim);
    this.dPiOut = arena.alloc(rows * this.piHead.outDim);
    this.dV = arena.alloc(rows);
    this.dPiFeatures = arena.alloc(rows * this.piTorso.outDim);
    this.dVfFeatures = arena.alloc(rows * (this.vfTorso ?? this.piTorso).outDim);
  }

  /** Policy-head outputs and values of the rows in this.obs (the stacks keep their activations). */
  private forwardRows(rows: number): { piFeatures: Matrix; vfFeatures: Matrix; piOut: Matrix; v: Matrix } {
    const p = this.trainer.paramsPtr;
    const x: Matrix = { ptr: this.obs.ptr, ld: this.obsDim };
    const piFeatures = this.piTorso.forward(p, x, rows);
    const vfFeatures = this.vfTorso ? this.vfTorso.forward(p, x, rows) : piFeatures;
    return {
      piFeatures,
      vfFeatures,
      piOut: this.piHead.forward(p, piFeatures, rows),
      v: this.vfHead.forward(p, vfFeatures, rows),
    };
  }

  /**
   * The old policy's distribution inputs and values for GAE (learner/batch-columns.ts's
   * forwardBatch on the fused nets): the batch's rows, then each chunk's bootstrap observation.
   * Call after the trainer's syncIn.
   */
  forwardBatch(obs: Float32Array, numSteps: number, finalObs: Float32Array, numChunks: number): BatchForward {
    const total = numSteps + numChunks;
    this.reserve(total);
    const f = this.trainer.arena.f32;
    f.set(obs.subarray(0, numSteps * this.obsDim), this.obs.ptr >> 2);
    f.set(finalObs.subarray(0, numChunks * this.obsDim), (this.obs.ptr >> 2) + numSteps * this.obsDim);
    const { piOut, v } = this.forwardRows(total);
    const values = f.slice(v.ptr >> 2, (v.ptr >> 2) + total);
    const distInputs = new Float32Array(numSteps * this.inputDim);
    const out = this.piHead.outDim;
    for (let r = 0; r < numSteps; r++) {
      for (let j = 0; j < out; j++) distInputs[r * this.inputDim + j] = f[(piOut.ptr >> 2) + r * out + j]!;
      for (let j = out; j < this.inputDim; j++)
        distInputs[r * this.inputDim + j] = f[(this.trainer.P.ptr >> 2) + this.logStdAt + j - out]!;
    }
    return { distInputs, vfPreds: values.slice(0, numSteps), bootstrapValues: values.slice(numSteps) };
  }

  /** One minibatch (the rows `indices` of `cols`): the loss and its gradient into G (zeroed by the caller). */
  step(cols: PPOFusedColumns, indices: Int32Array, cfg: PPOLossConfig): FusedLossResult {
    const rows = indices.length;
    this.reserve(rows);
    const f = this.trainer.arena.f32;
    const o = this.obsDim;
    const obs = this.obs.ptr >> 2;
    for (let r = 0; r < rows; r++) {
      const src = indices[r]! * o;
      for (let j = 0; j < o; j++) f[obs + r * o + j] = cols.obs[src + j]!;
    }
    const { piFeatures, vfFeatures, piOut, v } = this.forwardRows(rows);
    const stats = this.lossAndOutputGrads(cols, indices, cfg, piOut, v);
    this.backward(rows, piFeatures, vfFeatures);
    return stats;
  }

  /** Per-row loss terms in float64; writes dL/d(policy head outputs), dL/dV and the log-std's gradient. */
  private lossAndOutputGrads(
    cols: PPOFusedColumns,
    indices: Int32Array,
    cfg: PPOLossConfig,
    piOut: Matrix,
    v: Matrix,
  ): FusedLossResult {
    const f = this.trainer.arena.f32;
    const rows = indices.length;
    const out = this.piHead.outDim;
    const n = this.inputDim;
    const inputs = new Float64Array(n);
    const dLogp = new Float64Array(n);
    const dEntropy = new Float64Array(n);
    const dKl = new Float64Array(n);
    const logStdGrad = new Float64Array(this.categorical ? 0 : this.actionDim);
    const dOut = this.dPiOut.ptr >> 2;
    const dv = this.dV.ptr >> 2;
    let [surrogateSum, vfSum, vfUnclippedSum, entropySum, klSum, approxKlSum, clipped] = [0, 0, 0, 0, 0, 0, 0];
    let [ySum, ySq, eSum, eSq] = [0, 0, 0, 0];
    for (let r = 0; r < rows; r++) {
      const i = indices[r]!;
      for (let j = 0; j < out; j++) inputs[j] = f[(piOut.ptr >> 2) + r * out + j]!;
      for (let j = out; j < n; j++) inputs[j] = f[(this.trainer.P.ptr >> 2) + this.logStdAt + j - out]!;
      const terms = this.categorical
        ? categoricalTerms(inputs, cols.actions[i]!, cols.oldDistInputs, i, dLogp, dEntropy, dKl)
        : gaussianTerms(inputs, cols.actions, i, this.actionDim, cols.oldDistInputs, dLogp, dEntropy, dKl);
      const logRatio = terms.logp - cols.oldLogp[i]!;
      const ratio = Math.exp(logRatio);
      const adv = cols.advantages[i]!;
      const unclipped = adv * ratio;
      const surrogate = Math.min(unclipped, adv * Math.min(1 + cfg.clipParam, Math.max(1 - cfg.clipParam, ratio)));
      const dLossDLogp = unclipped <= surrogate ? -unclipped / rows : 0;
      const target = cols.valueTargets[i]!;
      const pred = f[(v.ptr >> 2) + r * v.ld]!;
      const err = pred - target;
      const sq = err * err;
      f[dv + r] = sq <= cfg.vfClipParam ? (2 * cfg.vfLossCoeff * err) / rows : 0;
      for (let j = 0; j < n; j++) {
        let g = dLogp[j]! * dLossDLogp - (cfg.entropyCoeff / rows) * dEntropy[j]!;
        if (cfg.useKlLoss) g += (cfg.klCoeff / rows) * dKl[j]!;
        if (j < out) f[dOut + r * out + j] = g;
        else logStdGrad[j - out] = logStdGrad[j - out]! + g;
      }
      surrogateSum += surrogate;
      vfSum += Math.min(sq, cfg.vfClipParam);
      vfUnclippedSum += sq;
      entropySum += terms.entropy;
      klSum += terms.kl;
      approxKlSum += ratio - 1 - logRatio;
      if (Math.abs(ratio - 1) > cfg.clipParam) clipped++;
      ySum += target;
      ySq += target * target;
      eSum += target - pred;
      eSq += (target - pred) * (target - pred);
    }
    const g = this.trainer.G.ptr >> 2;
    logStdGrad.forEach((x, j) => (f[g + this.logStdAt + j] = f[g + this.logStdAt + j]! + x));
    const policyLoss = -surrogateSum / rows;
    const vfLoss = vfSum / rows;
    const entropy = entropySum / rows;
    const meanKl = cfg.useKlLoss ? klSum / rows : 0;
    let loss = policyLoss + cfg.vfLossCoeff * vfLoss - cfg.entropyCoeff * entropy;
    if (cfg.useKlLoss) loss += cfg.klCoeff * meanKl;
    // RLlib's explained_variance: max(-1, 1 - Var[y - pred] / Var[y]); -1 for a constant y.
    const yVar = ySq / rows - (ySum / rows) ** 2;
    const eVar = eSq / rows - (eSum / rows) ** 2;
    return {
      rows,
      loss,
      stats: {
        policy_loss: policyLoss,
        vf_loss: vfLoss,
        vf_loss_unclipped: vfUnclippedSum / rows,
        vf_explained_var: yVar > 0 ? Math.max(-1, 1 - eVar / yVar) : -1,
        entropy,
        mean_kl_loss: meanKl,
        curr_kl_coeff: cfg.klCoeff,
        approx_kl: approxKlSum / rows,
        clip_frac: clipped / rows,
        total_loss: loss,
      },
    };
  }

  /** dL/d(head outputs) back through the heads and torsos into G. */
  private backward(rows: number, piFeatures: Matrix, vfFeatures: Matrix): void {
    const t = this.trainer;
    const [p, g] = [t.paramsPtr, t.G.ptr];
    const x: Matrix = { ptr: this.obs.ptr, ld: this.obsDim };
    const hidden = this.piTorso.layers.length > 0;
    const dPi: Matrix = { ptr: this.dPiFeatures.ptr, ld: this.piTorso.outDim };
    this.piHead.backward(p, g, piFeatures, rows, this.dPiOut.ptr, hidden ? dPi : null);
    if (this.vfTorso) {
      const dVf: Matrix = { ptr: this.dVfFeatures.ptr, ld: this.vfTorso.outDim };
      this.vfHead.backward(p, g, vfFeatures, rows, this.dV.ptr, hidden ? dVf : null);
      if (hidden) this.vfTorso.backward(p, g, x, rows, this.dVfFeatures.ptr, null);
    } else {
      // A shared torso: the value head's input gradient adds to the policy head's.
      this.vfHead.backward(p, g, vfFeatures, rows, this.dV.ptr, hidden ? dPi : null, true);
    }
    if (hidden) this.piTorso.backward(p, g, x, rows, this.dPiFeatures.ptr, null);
  }
}

interface RowTerms {
  readonly logp: number;
  readonly entropy: number;
  readonly kl: number;
}

/** Categorical logp, entropy, KL(old || new) of one row, and their gradients w.r.t. the logits. */
function categoricalTerms(
  z: Float64Array,
  action: number,
  oldInputs: Float32Array | null,
  row: number,
  dLogp: Float64Array,
  dEntropy: Float64Array,
  dKl: Float64Array,
): RowTerms {
  const n = z.length;
  const lse = logSumExp(z, (j) => z[j]!);
  let entropy = 0;
  for (let j = 0; j < n; j++) {
    const lp = z[j]! - lse;
    entropy -= Math.exp(lp) * lp;
  }
  let kl = 0;
  const oldLse = oldInputs ? logSumExp(z, (j) => oldInputs[row * n + j]!) : 0;
  for (let j = 0; j < n; j++) {
    const lp = z[j]! - lse;
    const p = Math.exp(lp);
    dLogp[j] = (j === action ? 1 : 0) - p;
    dEntropy[j] = -p * (lp + entropy);
    if (oldInputs) {
      const oldLp = oldInputs[row * n + j]! - oldLse;
      const oldP = Math.exp(oldLp);
      kl += oldP * (oldLp - lp);
      dKl[j] = p - oldP;
    }
  }
  return { logp: z[action]! - lse, entropy, kl };
}

function logSumExp(z: Float64Array, at: (j: number) => number): number {
  let max = -Infinity;
  for (let j = 0; j < z.length; j++) max = Math.max(max, at(j));
  let sum = 0;
  for (let j = 0; j < z.length; j++) sum += Math.exp(at(j) - max);
  return max + Math.log(sum);
}

/** Diagonal-Gaussian logp, entropy, KL(old || new) of one row, and their gradients w.r.t. [means, log-stds]. */
function gaussianTerms(
  inputs: Float64Array,
  actions: Int32Array | Float32Array,
  row: number,
  d: number,
  oldInputs: Float32Array | null,
  dLogp: Float64Array,
  dEntropy: Float64Array,
  dKl: Float64Array,
): RowTerms {
  let [logp, entropy, kl] = [0, 0, 0];
  for (let j = 0; j < d; j++) {
    const mean = inputs[j]!;
    const logStd = inputs[d + j]!;
    const std = Math.exp(logStd);
    const z = (actions[row * d + j]! - mean) / std;
    logp += -0.5 * z * z - logStd - 0.5 * LOG_2PI;
    entropy += logStd + 0.5 * (LOG_2PI + 1);
    dLogp[j] = z / std;
    dLogp[d + j] = z * z - 1;
    dEntropy[j] = 0;
    dEntropy[d + j] = 1;
    if (oldInputs) {
      const oldMean = oldInputs[row * 2 * d + j]!;
      const oldLogStd = oldInputs[row * 2 * d + d + j]!;
      const variance = std * std;
      const numerator = Math.exp(2 * oldLogStd) + (oldMean - mean) ** 2;
      kl += logStd - oldLogStd + numerator / (2 * variance) - 0.5;
      dKl[j] = (mean - oldMean) / variance;
      dKl[d + j] = 1 - numerator / variance;
    }
  }
  return { logp, entropy, kl };
}
