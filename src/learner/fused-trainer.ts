/**
 * The fused path's optimizer state (FAST_PATHS.fusedMlp): a copy of a module's variables, their
 * gradient, each optimizer group's Adam moments and the target network, as flat float vectors in
 * one Arena, and the Adam step of every group on them, with FlatAdam's arithmetic and checks
 * (global-norm clip, a step skipped when loss + norm or the update is not finite or the update
 * is over 1000x the weights' norm).
 *
 * TF.js stays the owner of the state: `syncIn` copies the variables, the moments, the Adam step
 * counts and the target variables in at the start of an update (skipped when they still hold
 * what `writeBack` wrote: the same tensors, the same optimizer revision), and `writeBack` copies
 * them out at its end. So checkpoints, weight syncs, restores and the TF.js path all read and
 * write the variables as before, and a run can switch paths between any two updates.
 *
 * Layout: the parameter vector P is the module's variables concatenated in `trainableVariables`
 * order (kernels row-major, as TF.js stores them); G, M and V have the same layout. A group's
 * variables must be one contiguous run of that order (SAC's 'qf', 'policy' and 'alpha' are), so
 * its Adam step is one kernel call on its slice, and its FlatAdam moments are that slice.
 */
import * as tf from '@tensorflow/tfjs';
import type { Region } from '../rl-module/fused/arena';
import { Arena } from '../rl-module/fused/arena';
import { FAST_PATHS } from './fast-paths';
import { MAX_STEP_TO_WEIGHT_RATIO } from './flat-adam';
import type { OptimizerGroup } from './optimizer-group';
import type { TargetNetwork } from './target-network';
import type { TrainableModule } from './learner-types';

const CPU_BACKENDS = new Set(['wasm', 'cpu']);

interface GroupSlice {
  readonly group: OptimizerGroup;
  /** First parameter (float index in P) and number of parameters. */
  readonly start: number;
  readonly size: number;
  /** max(||w||^2, 1) * 1000^2 at the start of the update (FlatAdam.boundStepsByWeights). */
  bound2: number;
  /** Steps applied and tried since syncIn. */
  applied: number;
  tried: number;
}

/** Where a target variable's copy lives in T and its online variable in P (float offsets). */
interface TargetSlice {
  readonly t: number;
  readonly p: number;
  readonly size: number;
}

/** One step's outcome over every group. */
export interface FusedStepResult {
  /** Every group applied its step (a step counts as applied only then, as in Learner). */
  readonly applied: boolean;
  /** Pre-clip global norms: gradient_global_norm (first group), <group>/gradient_global_norm. */
  readonly norms: Record<string, number>;
}

/** Whether FlatAdam state can live in slices of P: every group's variables one contiguous run. */
function contiguousSlices(module: TrainableModule, groups: readonly OptimizerGroup[], offsets: number[]) {
  return groups.map((group) => {
    const idx = group.indices;
    const ok = idx.every((v, i) => i === 0 || v === idx[i - 1]! + 1);
    if (!ok) return null;
    const first = idx[0]!;
    const last = idx.at(-1)!;
    const start = offsets[first]!;
    const size = offsets[last]! + module.trainableVariables[last]!.size - start;
    return { group, start, size, bound2: 0, applied: 0, tried: 0 };
  });
}

export class FusedTrainer {
  readonly P: Region;
  readonly G: Region;
  private readonly M: Region;
  private readonly V: Region;
  /** adamCheck's second result. */
  private readonly scratch: Region;
  /** The target copies, in the target network's variable order; null without one. */
  readonly T: Region | null;
  /** Float offset of each module variable in P. */
  readonly offsets: readonly number[];
  private readonly slices: GroupSlice[];
  private readonly targetSlices: TargetSlice[];
  /** What writeBack left in TF.js; syncIn skips reading what is unchanged. */
  private written: { vars: object[]; targets: object[]; revisions: number[] } | null = null;
  /** T changed since the last writeBack. */
  private targetDirty = false;

  private constructor(
    readonly arena: Arena,
    private readonly module: TrainableModule,
    slices: GroupSlice[],
    private readonly target: TargetNetwork | null,
    offsets: number[],
    size: number,
  ) {
    this.offsets = offsets;
    this.slices = slices;
    this.P = arena.alloc(size);
    this.G = arena.alloc(size);
    this.M = arena.alloc(size);
    this.V = arena.alloc(size);
    this.scratch = arena.alloc(4);
    this.targetSlices = target ? mergeSlices(targetLayout(module, target, offsets)) : [];
    const tSize = target ? target.variables.reduce((s, v) => s + v.size, 0) : 0;
    this.T = target ? arena.alloc(tSize) : null;
  }

  /**
   * A trainer for `module`'s groups (and target network), or null where the fused path cannot
   * run them: no kernels, a group whose variables are not contiguous, or a 'norm' / 'value' clip
   * (FlatAdam's global-norm clip and no clip are what the kernels do).
   */
  static create(
    module: TrainableModule,
    groups: readonly OptimizerGroup[],
    target: TargetNetwork | null,
  ): FusedTrainer | null {
    // The kernels run on the CPU: they replace TF.js where its backend is there too.
    if (!FAST_PATHS.fusedMlp || !CPU_BACKENDS.has(tf.getBackend())) return null;
    const arena = Arena.create();
    if (!arena) return null;
    if (groups.some((g) => g.config.gradClip !== null && g.config.gradClipBy !== 'global_norm')) return null;
    const offsets: number[] = [];
    let size = 0;
    for (const v of module.trainableVariables) {
      offsets.push(size);
      size += v.size;
    }
    const slices = contiguousSlices(module, groups, offsets);
    if (slices.some((s) => s === null)) return null;
    const trainer = new FusedTrainer(arena, module, slices as GroupSlice[], target, offsets, size);
    // The target forward runs the online layers' offsets on T: it must mirror one run of P.
    return trainer.targetSlices.length > 1 ? null : trainer;
  }

  /** Byte address of P, G or T, for the fused nets. */
  get paramsPtr(): number {
    return this.P.ptr;
  }

  /**
   * Byte address from which a layer's P offset reaches its target copy (the target network
   * mirrors one contiguous run of P: all of it for DQN, the critics for SAC).
   */
  get targetParamsPtr(): number {
    const first = this.targetSlices[0];
    if (!this.T || !first) throw new RangeError('FusedTrainer has no target network');
    return this.T.ptr + 4 * (first.t - first.p);
  }

  /** Copies variables, moments and target in from TF.js unless they are what writeBack left. */
  syncIn(): void {
    const vars = this.module.trainableVariables;
    const w = this.written;
    const f = this.arena.f32;
    if (!w || vars.some((v, i) => v.dataId !== w.vars[i])) {
      vars.forEach((v, i) => f.set(v.dataSync(), (this.P.ptr >> 2) + this.offsets[i]!));
    }
    if (this.target && (!w || this.target.variables.some((v, i) => v.dataId !== w.targets[i]))) {
      let at = this.T!.ptr >> 2;
      for (const v of this.target.variables) {
        f.set(v.dataSync(), at);
        at += v.size;
      }
    }
    this.slices.forEach((s, i) => {
      s.applied = 0;
      s.tried = 0;
      s.bound2 = Math.max(this.sumSquares(this.P, s.start, s.size), 1) * MAX_STEP_TO_WEIGHT_RATIO ** 2;
      if (w && s.group.optimizer.revision === w.revisions[i]) return;
      const moments = s.group.optimizer.readMomentsSync();
      const at = s.start;
      if (moments) {
        f.set(moments.m, (this.M.ptr >> 2) + at);
        f.set(moments.v, (this.V.ptr >> 2) + at);
      } else {
        f.fill(0, (this.M.ptr >> 2) + at, (this.M.ptr >> 2) + at + s.size);
        f.fill(0, (this.V.ptr >> 2) + at, (this.V.ptr >> 2) + at + s.size);
      }
    });
  }

  /** Zeroes the gradient vector (the fused nets add into it). */
  zeroGrads(): void {
    const start = this.G.ptr >> 2;
    this.arena.f32.fill(0, start, start + this.G.length);
  }

  /**
   * One Adam step of every group on G (clipped by the group's global norm), each skipped when
   * loss + its norm or its update is not finite, or the update is too large for the weights.
   */
  applyGroups(loss: number): FusedStepResult {
    const k = this.arena.kernels;
    const norms: Record<string, number> = {};
    let applied = true;
    this.slices.forEach((s, i) => {
      const opt = s.group.optimizer;
      const { gradClip } = s.group.config;
      const norm = Math.sqrt(this.sumSquares(this.G, s.start, s.size));
      norms[i === 0 ? 'gradient_global_norm' : `${s.group.name}/gradient_global_norm`] = norm;
      const scale = gradClip === null ? 1 : Math.fround(gradClip / Math.max(Math.fround(norm + 1e-6), gradClip));
      const t = opt.step + s.applied + 1;
      const stepSize = opt.learningRate / (1 - opt.beta1 ** t);
      const sqrtBc2 = Math.sqrt(1 - opt.beta2 ** t);
      const [g, m, v] = [this.G, this.M, this.V].map((r) => r.ptr + 4 * s.start) as [number, number, number];
      const out = this.scratch.ptr;
      const sum = k.adamCheck(g, m, v, s.size, scale, opt.beta1, opt.beta2, stepSize, sqrtBc2, opt.epsilon, out);
      const sq = this.arena.f32[out >> 2]!;
      s.tried++;
      const total = sq > s.bound2 ? Number.NaN : Math.fround(loss + norm) + sum;
      if (!Number.isFinite(total)) {
        applied = false;
        return;
      }
      k.adamApply(
        this.P.ptr + 4 * s.start,
        g,
        m,
        v,
        s.size,
        scale,
        opt.beta1,
        opt.beta2,
        stepSize,
        sqrtBc2,
        opt.epsilon,
      );
      s.applied++;
    });
    return { applied, norms };
  }

  /** target = tau online + (1 - tau) target (tau 1: an exact copy), over the target network. */
  targetUpdate(tau: number): void {
    this.targetDirty = true;
    const f = this.arena.f32;
    const p = this.P.ptr >> 2;
    const t = this.T!.ptr >> 2;
    for (const s of this.targetSlices) {
      if (tau === 1) f.copyWithin(t + s.t, p + s.p, p + s.p + s.size);
      else this.arena.kernels.polyak(this.T!.ptr + 4 * s.t, this.P.ptr + 4 * s.p, s.size, tau);
    }
  }

  /**
   * Copies P, the moments and the applied step counts (and T, when a target update ran) back
   * into TF.js, and remembers what it wrote.
   */
  writeBack(): void {
    const f = this.arena.f32;
    const vars = this.module.trainableVariables;
    tf.tidy(() => {
      vars.forEach((v, i) => {
        const at = (this.P.ptr >> 2) + this.offsets[i]!;
        v.assign(tf.tensor(f.slice(at, at + v.size), v.shape));
      });
      if (this.target && this.targetDirty) {
        let at = this.T!.ptr >> 2;
        for (const v of this.target.variables) {
          v.assign(tf.tensor(f.slice(at, at + v.size), v.shape));
          at += v.size;
        }
      }
    });
    for (const s of this.slices) {
      const m = f.slice((this.M.ptr >> 2) + s.start, (this.M.ptr >> 2) + s.start + s.size);
      const v = f.slice((this.V.ptr >> 2) + s.start, (this.V.ptr >> 2) + s.start + s.size);
      const opt = s.group.optimizer;
      if (s.tried > 0) opt.restoreFlat(opt.step + s.applied, m, v);
      s.applied = 0;
      s.tried = 0;
    }
    this.targetDirty = false;
    this.written = {
      vars: vars.map((v) => v.dataId),
      targets: this.target ? this.target.variables.map((v) => v.dataId) : [],
      revisions: this.slices.map((s) => s.group.optimizer.revision),
    };
  }

  /** Drops what syncIn may skip (call after anything outside writes the variables in place). */
  invalidate(): void {
    this.written = null;
  }

  private sumSquares(r: Region, start: number, size: number): number {
    return this.arena.kernels.sumSquares(r.ptr + 4 * start, size);
  }
}

/** Each target variable's place in T and its online variable's in P, matched by name. */
function targetLayout(module: TrainableModule, target: TargetNetwork, offsets: number[]): TargetSlice[] {
  let t = 0;
  return target.variables.map((v, i) => {
    const index = module.variableNames.indexOf(target.variableNames[i]!);
    if (index < 0) throw new RangeError(`target variable ${target.variableNames[i]} is not a module variable`);
    const slice = { t, p: offsets[index]!, size: v.size };
    t += v.size;
    return slice;
  });
}

/** Adjacent slices that are adjacent in both vectors, joined (one kernel call each). */
function mergeSlices(slices: TargetSlice[]): TargetSlice[] {
  const out: TargetSlice[] = [];
  for (const s of slices) {
    const last = out.at(-1);
    if (last && last.t + last.size === s.t && last.p + last.size === s.p) {
      out[out.length - 1] = { t: last.t, p: last.p, size: last.size + s.size };
    } else {
      out.push({ ...s });
    }
  }
  return out;
}
