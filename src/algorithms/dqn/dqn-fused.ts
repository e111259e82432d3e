/**
 * DQN's loss and its gradient on the fused path (FAST_PATHS.fusedMlp): the same computation as
 * dqn-loss.ts (read that file for the math and its sources), written out over the fused nets
 * (rl-module/fused) instead of TF.js ops, with the backward pass by hand:
 *
 *   dL/dQ(s_i, a_i) = w_i L'(td_i) / B,  L' = clamp(td, -1, 1) (Huber, delta 1) or 2 td (squared)
 *   dueling, Q = V + A - mean_a A:  dA_j = dQ_j - mean_k dQ_k,  dV = sum_k dQ_k
 *
 * then through the heads into the encoder's output (the two heads' input gradients add up) and
 * through the encoder. The TD target needs no gradient, so its forward passes keep nothing.
 * test/unit/dqn-fused.test.ts checks the gradients against TF.js autodiff of dqn-loss.ts.
 */
import type { FusedTrainer } from '../../learner/fused-trainer';
import type { FusedLossResult } from '../../learner/fused-update';
import type { Region } from '../../rl-module/fused/arena';
import { FusedStack, placeLayers, type Matrix } from '../../rl-module/fused/fused-stack';
import type { LayerRef, QModule } from '../../rl-module/q-module';
import type { ReplayBatch } from '../../replay';
import type { DQNLossConfig } from './dqn-loss';

export interface DQNFusedStep extends FusedLossResult {
  /** |TD error| per row (valid until the next step). */
  readonly tdErrors: Float32Array;
}

export class DQNFusedLoss {
  private readonly encoder: FusedStack;
  private readonly af: FusedStack;
  private readonly vf: FusedStack | null;
  private readonly obsDim: number;
  private readonly numActions: number;
  private rows = 0;
  private obs!: Region;
  private nextObs!: Region;
  /** Q of every action [rows, A], then dL/dA; dL/dV [rows]; dL/d(features) [rows, F]. */
  private q!: Region;
  private dV!: Region;
  private dFeatures!: Region;
  private tdErrors = new Float32Array(0);
  private nextActions = new Int32Array(0);

  constructor(
    private readonly trainer: FusedTrainer,
    module: QModule,
    private readonly config: DQNLossConfig,
  ) {
    const { encoder, af, vf } = module.layers;
    this.obsDim = module.observationDim;
    this.numActions = module.numActions;
    const arena = trainer.arena;
    const fused = (refs: readonly LayerRef[]) => placeLayers(refs, trainer.offsets);
    this.encoder = new FusedStack(arena, fused(encoder), this.obsDim);
    this.af = new FusedStack(arena, fused(af), this.encoder.outDim);
    this.vf = vf.length ? new FusedStack(arena, fused(vf), this.encoder.outDim) : null;
  }

  /** Buffers for `rows` rows, all allocated before any view of the memory is taken. */
  private reserve(rows: number): void {
    if (rows <= this.rows) return;
    this.rows = rows;
    for (const stack of [this.encoder, this.af, this.vf]) stack?.reserve(rows);
    const arena = this.trainer.arena;
    this.obs = arena.alloc(rows * this.obsDim);
    this.nextObs = arena.alloc(rows * this.obsDim);
    this.q = arena.alloc(rows * this.numActions);
    this.dV = arena.alloc(rows);
    this.dFeatures = arena.alloc(rows * this.encoder.outDim);
    this.tdErrors = new Float32Array(rows);
    this.nextActions = new Int32Array(rows);
  }

  /** Q-values [rows, A] of `x` on the parameters at `params`, into this.q (the stacks keep their activations). */
  private qValues(params: number, x: Matrix, rows: number): { features: Matrix; a: Matrix; v: Matrix | null } {
    const features = this.encoder.forward(params, x, rows);
    const a = this.af.forward(params, features, rows);
    const v = this.vf ? this.vf.forward(params, features, rows) : null;
    const f = this.trainer.arena.f32;
    const n = this.numActions;
    const q = this.q.ptr >> 2;
    for (let r = 0; r < rows; r++) {
      const ar = (a.ptr >> 2) + r * a.ld;
      let mean = 0;
      if (v) for (let j = 0; j < n; j++) mean += f[ar + j]!;
      mean /= n;
      const base = v ? f[(v.ptr >> 2) + r * v.ld]! - mean : 0;
      for (let j = 0; j < n; j++) f[q + r * n + j] = f[ar + j]! + base;
    }
    return { features, a, v };
  }

  /** One step's loss and gradient (into the trainer's G) on `batch`; the caller zeroed G. */
  step(batch: ReplayBatch): DQNFusedStep {
    const rows = batch.batchSize;
    this.reserve(rows);
    const t = this.trainer;
    const f = t.arena.f32;
    const n = this.numActions;
    f.set(batch.obs.subarray(0, rows * this.obsDim), this.obs.ptr >> 2);
    f.set(batch.nextObs.subarray(0, rows * this.obsDim), this.nextObs.ptr >> 2);
    const q = this.q.ptr >> 2;
    const next: Matrix = { ptr: this.nextObs.ptr, ld: this.obsDim };
    const argmax = (r: number): number => {
      let best = 0;
      for (let j = 1; j < n; j++) if (f[q + r * n + j]! > f[q + r * n + best]!) best = j;
      return best;
    };
    // The TD target, held fixed: the online net picks a' (double Q), the target net values it.
    if (this.config.doubleQ) {
      this.qValues(t.paramsPtr, next, rows);
      for (let r = 0; r < rows; r++) this.nextActions[r] = argmax(r);
    }
    this.qValues(t.targetParamsPtr, next, rows);
    const targets = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const a = this.config.doubleQ ? this.nextActions[r]! : argmax(r);
      targets[r] = batch.rewards[r]! + batch.discounts[r]! * (1 - batch.terminateds[r]!) * f[q + r * n + a]!;
    }
    // Q(s, a), kept for the backward pass; dL/dQ replaces Q in place.
    const obs: Matrix = { ptr: this.obs.ptr, ld: this.obsDim };
    const { features, v } = this.qValues(t.paramsPtr, obs, rows);
    const huber = this.config.tdErrorLossFn === 'huber';
    let [loss, qSum, qMax, qMin, tdSum] = [0, 0, -Infinity, Infinity, 0];
    for (let r = 0; r < rows; r++) {
      const action = batch.actions[r]!;
      const qa = f[q + r * n + action]!;
      const td = qa - targets[r]!;
      const abs = Math.abs(td);
      const w = batch.weights[r]!;
      loss += w * (huber ? (abs <= 1 ? 0.5 * td * td : abs - 0.5) : td * td);
      qSum += qa;
      qMax = Math.max(qMax, qa);
      qMin = Math.min(qMin, qa);
      tdSum += abs;
      this.tdErrors[r] = abs;
      for (let j = 0; j < n; j++) f[q + r * n + j] = 0;
      f[q + r * n + action] = (w * (huber ? Math.max(-1, Math.min(1, td)) : 2 * td)) / rows;
    }
    this.backward(rows, obs, features, v);
    return {
      rows,
      loss: loss / rows,
      stats: { qf_loss: loss / rows, qf_mean: qSum / rows, qf_max: qMax, qf_min: qMin, td_error_mean: tdSum / rows },
      tdErrors: this.tdErrors.subarray(0, rows),
    };
  }

  /** dL/dQ (in this.q) back through the dueling heads and the encoder into G. */
  private backward(rows: number, obs: Matrix, features: Matrix, v: Matrix | null): void {
    const t = this.trainer;
    const f = t.arena.f32;
    const n = this.numActions;
    const q = this.q.ptr >> 2;
    if (this.vf && v) {
      const dv = this.dV.ptr >> 2;
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let j = 0; j < n; j++) sum += f[q + r * n + j]!;
        f[dv + r] = sum;
        for (let j = 0; j < n; j++) f[q + r * n + j] = f[q + r * n + j]! - sum / n;
      }
    }
    const hasEncoder = this.encoder.layers.length > 0;
    const dFeatures: Matrix = { ptr: this.dFeatures.ptr, ld: this.encoder.outDim };
    const { paramsPtr: p } = t;
    const g = t.G.ptr;
    this.af.backward(p, g, features, rows, this.q.ptr, hasEncoder ? dFeatures : null);
    if (this.vf) this.vf.backward(p, g, features, rows, this.dV.ptr, hasEncoder ? dFeatures : null, true);
    if (hasEncoder) this.encoder.backward(p, g, obs, rows, this.dFeatures.ptr, null);
  }
}
