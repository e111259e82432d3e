/**
 * SAC's three losses and their gradients on the fused path (FAST_PATHS.fusedMlp): sac-loss.ts's
 * computation (read it for the math and sources) over the fused nets, with the backward pass by
 * hand. Each loss reaches only its own group's variables, so all three write into one gradient
 * vector. With u = mean + std eps, a = tanh(u), log pi = sum_j [-eps^2/2 - logStd - log(2 pi)/2
 * - 2 (log 2 - u - softplus(-2u))]:
 *
 *   critic  dL/dQ_k(s, a_replay) = w clamp(Q_k - y, -1, 1) / B         (Huber; y held fixed)
 *   actor   dL/dlogpi = alpha / B,  dL/dQ_min(s, a) = -1 / B  (to the critic that is the min,
 *           Q1 on ties, as tf.minimum), through the frozen critic to a;
 *           dL/du = dL/da (1 - a^2) + dL/dlogpi 2a;  dL/dmean = dL/du;
 *           dL/dlogStd = (dL/du std eps - dL/dlogpi) where logStd is inside [-20, 2], else 0
 *   alpha   dL/dlog_alpha = -(mean log pi + target entropy)
 *
 * test/unit/fused-sac.test.ts checks the gradients against TF.js autodiff of sac-loss.ts.
 */
import type { FusedTrainer } from '../../learner/fused-trainer';
import type { FusedLossResult } from '../../learner/fused-update';
import type { Region } from '../../rl-module/fused/arena';
import { FusedStack, placeLayers, type Matrix } from '../../rl-module/fused/fused-stack';
import type { SACModule } from '../../rl-module/sac-module';
import { LOG_STD_MAX, LOG_STD_MIN } from '../../rl-module/squashed-gaussian';
import type { SACLossConfig } from './sac-loss';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** One replay batch in the layout the loss reads (actions already in [-1, 1]). */
export interface SACFusedBatch {
  readonly rows: number;
  readonly obs: Float32Array;
  readonly nextObs: Float32Array;
  readonly actions: Float32Array;
  readonly rewards: Float32Array;
  readonly discounts: Float32Array;
  readonly weights: Float32Array;
  readonly eps: Float32Array;
  readonly epsNext: Float32Array;
}

export interface SACFusedStep extends FusedLossResult {
  readonly tdErrors: Float32Array;
}

const softplus = (x: number): number => (x > 20 ? x : Math.log1p(Math.exp(x)));

export class SACFusedLoss {
  private readonly pi: FusedStack;
  private readonly critics: FusedStack[];
  private readonly obsDim: number;
  private readonly d: number;
  /** Float offset of log_alpha in P. */
  private readonly logAlphaAt: number;
  private rows = 0;
  private obs!: Region;
  /** [obs, action] rows for the critics, then their input gradient. */
  private x!: Region;
  private dx!: Region;
  private dDist!: Region;
  private dq!: Region;
  private tdErrors = new Float32Array(0);

  constructor(
    private readonly trainer: FusedTrainer,
    module: SACModule,
    private readonly config: SACLossConfig,
  ) {
    const { pi, qf, qfTwin } = module.layers;
    this.obsDim = module.obsDim;
    this.d = module.actionDim;
    const arena = trainer.arena;
    this.pi = new FusedStack(arena, placeLayers(pi, trainer.offsets), this.obsDim);
    const qIn = this.obsDim + this.d;
    this.critics = [qf, ...(qfTwin.length ? [qfTwin] : [])].map(
      (refs) => new FusedStack(arena, placeLayers(refs, trainer.offsets), qIn),
    );
    this.logAlphaAt = trainer.offsets.at(-1)!;
  }

  private reserve(rows: number): void {
    if (rows <= this.rows) return;
    this.rows = rows;
    const arena = this.trainer.arena;
    for (const stack of [this.pi, ...this.critics]) stack.reserve(rows);
    this.obs = arena.alloc(rows * this.obsDim);
    this.x = arena.alloc(rows * (this.obsDim + this.d));
    this.dx = arena.alloc(rows * (this.obsDim + this.d));
    this.dDist = arena.alloc(rows * 2 * this.d);
    this.dq = arena.alloc(rows);
    this.tdErrors = new Float32Array(rows);
  }

  /** Copies obs into the critics' input rows, the action columns after them. */
  private setObs(obs: Float32Array, rows: number): void {
    const f = this.trainer.arena.f32;
    const [o, w] = [this.obsDim, this.obsDim + this.d];
    const x = this.x.ptr >> 2;
    for (let r = 0; r < rows; r++) for (let j = 0; j < o; j++) f[x + r * w + j] = obs[r * o + j]!;
  }

  /**
   * Samples the squashed Gaussian from the actor's outputs at `dist` with noise `eps`: actions
   * into the critics' input rows, log pi per row into `logp`; returns nothing else (the actor
   * backward recomputes what it needs from `dist`).
   */
  private sample(dist: Matrix, eps: Float32Array, rows: number, logp: Float64Array): void {
    const f = this.trainer.arena.f32;
    const { d } = this;
    const w = this.obsDim + d;
    const x = this.x.ptr >> 2;
    for (let r = 0; r < rows; r++) {
      let lp = 0;
      for (let j = 0; j < d; j++) {
        const mean = f[(dist.ptr >> 2) + r * dist.ld + j]!;
        const logStd = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, f[(dist.ptr >> 2) + r * dist.ld + d + j]!));
        const e = eps[r * d + j]!;
        const u = mean + Math.exp(logStd) * e;
        f[x + r * w + this.obsDim + j] = Math.tanh(u);
        lp += -0.5 * e * e - logStd - HALF_LOG_2PI - 2 * (Math.LN2 - u - softplus(-2 * u));
      }
      logp[r] = lp;
    }
  }

  /** Q_k of the critics' input rows on the parameters at `params`, as a float view (valid until the next forward). */
  private q(k: number, params: number, rows: number): Float32Array {
    const out = this.critics[k]!.forward(params, { ptr: this.x.ptr, ld: this.obsDim + this.d }, rows);
    return this.trainer.arena.f32.subarray(out.ptr >> 2, (out.ptr >> 2) + rows);
  }

  /** One step's three losses and their gradients (into the trainer's G, zeroed by the caller). */
  step(b: SACFusedBatch): SACFusedStep {
    const rows = b.rows;
    this.reserve(rows);
    const t = this.trainer;
    const f = t.arena.f32;
    const { d } = this;
    const twin = this.critics.length === 2;
    const logAlpha = f[(t.P.ptr >> 2) + this.logAlphaAt]!;
    const alpha = Math.fround(Math.exp(logAlpha));

    // The soft TD target y, no gradient: a' ~ pi(s'), min of the target critics, minus alpha log pi.
    f.set(b.nextObs.subarray(0, rows * this.obsDim), this.obs.ptr >> 2);
    const nextDist = this.pi.forward(t.paramsPtr, { ptr: this.obs.ptr, ld: this.obsDim }, rows);
    this.setObs(b.nextObs, rows);
    const logpNext = new Float64Array(rows);
    this.sample(nextDist, b.epsNext, rows, logpNext);
    const y = Float64Array.from(this.q(0, t.targetParamsPtr, rows));
    if (twin) this.q(1, t.targetParamsPtr, rows).forEach((q, r) => (y[r] = Math.min(y[r]!, q)));
    for (let r = 0; r < rows; r++) y[r] = b.rewards[r]! + b.discounts[r]! * (y[r]! - alpha * logpNext[r]!);

    // Critic losses on the replayed actions (Huber), their gradients to each critic's parameters.
    this.setObs(b.obs, rows);
    const x = this.x.ptr >> 2;
    const width = this.obsDim + d;
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < d; j++) f[x + r * width + this.obsDim + j] = b.actions[r * d + j]!;
    const qfLosses: number[] = [];
    this.tdErrors.fill(0);
    this.critics.forEach((critic, k) => {
      const q = this.q(k, t.paramsPtr, rows);
      const dq = this.dq.ptr >> 2;
      let loss = 0;
      for (let r = 0; r < rows; r++) {
        const td = q[r]! - y[r]!;
        const abs = Math.abs(td);
        loss += b.weights[r]! * (abs <= 1 ? 0.5 * td * td : abs - 0.5);
        this.tdErrors[r] = this.tdErrors[r]! + (twin ? 0.5 * abs : abs);
        f[dq + r] = (b.weights[r]! * Math.max(-1, Math.min(1, td))) / rows;
      }
      qfLosses.push(loss / rows);
      critic.backward(t.paramsPtr, t.G.ptr, { ptr: this.x.ptr, ld: width }, rows, this.dq.ptr, null);
    });

    // The actor's loss through the frozen critics at a~ = tanh(mean + std eps).
    f.set(b.obs.subarray(0, rows * this.obsDim), this.obs.ptr >> 2);
    const dist = this.pi.forward(t.paramsPtr, { ptr: this.obs.ptr, ld: this.obsDim }, rows);
    const logp = new Float64Array(rows);
    this.sample(dist, b.eps, rows, logp);
    const q1 = Float64Array.from(this.q(0, t.paramsPtr, rows));
    const q2 = twin ? Float64Array.from(this.q(1, t.paramsPtr, rows)) : null;
    const qMin = q2 ? q1.map((q, r) => Math.min(q, q2[r]!)) : q1;
    let [policyLoss, logpSum, qSum, qMax, qMin_] = [0, 0, 0, -Infinity, Infinity];
    for (let r = 0; r < rows; r++) {
      policyLoss += alpha * logp[r]! - qMin[r]!;
      logpSum += logp[r]!;
      qSum += qMin[r]!;
      qMax = Math.max(qMax, qMin[r]!);
      qMin_ = Math.min(qMin_, qMin[r]!);
    }
    // dL/da from the critic that is the min (tf.minimum: the first on ties), into dx's action columns.
    const dx = this.dx.ptr >> 2;
    f.fill(0, dx, dx + rows * width);
    this.critics.forEach((critic, k) => {
      const dq = this.dq.ptr >> 2;
      for (let r = 0; r < rows; r++) {
        const chosen = !q2 || (k === 0 ? q1[r]! <= q2[r]! : q1[r]! > q2[r]!);
        f[dq + r] = chosen ? -1 / rows : 0;
      }
      // Each critic's stack still holds its activations from its pass on a~.
      critic.backward(
        t.paramsPtr,
        null,
        { ptr: this.x.ptr, ld: width },
        rows,
        this.dq.ptr,
        { ptr: this.dx.ptr, ld: width },
        true,
      );
    });
    this.actorBackward(dist, b.eps, rows, alpha / rows, width);

    // The temperature: d/dlog_alpha of -log_alpha (mean log pi + target entropy).
    const meanLogp = logpSum / rows;
    const gAlpha = -(meanLogp + this.config.targetEntropy);
    f[(t.G.ptr >> 2) + this.logAlphaAt] = gAlpha;
    const alphaLoss = -logAlpha * (meanLogp + this.config.targetEntropy);
    const loss = policyLoss / rows + qfLosses.reduce((a, c) => a + c, 0) + alphaLoss;
    let tdSum = 0;
    for (let r = 0; r < rows; r++) tdSum += this.tdErrors[r]!;
    return {
      rows,
      loss,
      stats: {
        policy_loss: policyLoss / rows,
        qf_loss: qfLosses[0]!,
        ...(twin ? { qf_twin_loss: qfLosses[1]! } : {}),
        alpha_loss: alphaLoss,
        alpha_value: alpha,
        log_alpha_value: logAlpha,
        target_entropy: this.config.targetEntropy,
        logps: meanLogp,
        entropy: -meanLogp,
        qf_mean: qSum / rows,
        qf_max: qMax,
        qf_min: qMin_,
        td_error_mean: tdSum / rows,
      },
      tdErrors: this.tdErrors.subarray(0, rows),
    };
  }

  /** dL/d(mean, logStd) from dL/da (dx's action columns) and dL/dlogpi, then back through the actor. */
  private actorBackward(dist: Matrix, eps: Float32Array, rows: number, dLogp: number, width: number): void {
    const t = this.trainer;
    const f = t.arena.f32;
    const { d } = this;
    const dx = this.dx.ptr >> 2;
    const out = this.dDist.ptr >> 2;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < d; j++) {
        const mean = f[(dist.ptr >> 2) + r * dist.ld + j]!;
        const raw = f[(dist.ptr >> 2) + r * dist.ld + d + j]!;
        const logStd = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, raw));
        const e = eps[r * d + j]!;
        const std = Math.exp(logStd);
        const a = Math.tanh(mean + std * e);
        const du = f[dx + r * width + this.obsDim + j]! * (1 - a * a) + dLogp * 2 * a;
        f[out + r * 2 * d + j] = du;
        const inside = raw >= LOG_STD_MIN && raw <= LOG_STD_MAX;
        f[out + r * 2 * d + d + j] = inside ? du * std * e - dLogp : 0;
      }
    }
    this.pi.backward(t.paramsPtr, t.G.ptr, { ptr: this.obs.ptr, ld: this.obsDim }, rows, this.dDist.ptr, null);
  }
}
