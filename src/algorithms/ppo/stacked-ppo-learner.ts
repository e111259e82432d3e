/**
 * PPO's Learner for many modules of one shape, stacked (issue 30 item 2): what M PPOLearners do,
 * in the kernels of one. Per update:
 *  1. the learner connector: ONE no-grad forward of every module over its rows and its chunks'
 *     final observations (padded to the longest), one readback, then GAE and advantage
 *     normalisation per module (ppo-learner.ts, module by module);
 *  2. epochs x minibatches of the stacked PPO loss and one StackedAdam step per minibatch
 *     (learner/stacked-learner.ts);
 *  3. each module's adaptive KL coefficient (RLlib: curr_kl_coeffs_per_module).
 * Module m's result equals its own PPOLearner's on the same batch with the same Rng draws
 * (test/unit/stacked-learner.test.ts). Its checkpoint part is a MultiRLModule's, as MultiAgentPPO
 * writes it: weights under `<module id>/`, the first module's Adam state as `optimizerState`, the
 * others' under `optimizers[<id>]`, KL coefficients as `currKlCoeff/<id>`.
 *
 * It is also a learner-worker learner (GroupLearner, learner-classes.ts: 'StackedPPO'): a
 * multi-agent run with numLearners >= 1 gives each worker its group of modules.
 */
import * as tf from '@tensorflow/tfjs';
import { generalAdvantageEstimation, normalizeAdvantages } from '../../connectors/gae';
import { RLError } from '../../core/errors';
import { idRecord } from '../../core/json';
import { Rng } from '../../core/rng';
import { requireColumn, type SampleBatch } from '../../core/sample-batch';
import type { GroupLearner, TrainBatch } from '../../learner/learner-host';
import type { LearnerState, Minibatch, UpdateContext } from '../../learner/learner-types';
import type { OptimizerState } from '../../learner/optimizer-group';
import { StackedLearner, type StackedLossOutput } from '../../learner/stacked-learner';
import type { StackedMLP } from '../../rl-module/stacked-mlp';
import type { PPOConfig } from './ppo-config';
import { PPOColumns } from './ppo-loss';
import { stackedPPOLoss } from './stacked-ppo-loss';

/** learnerState key prefix of each module's KL coefficient (MultiAgentPPO's checkpoint layout). */
export const KL_KEY_PREFIX = 'currKlCoeff/';

export class StackedPPOLearner extends StackedLearner<StackedMLP> implements GroupLearner {
  /** Adaptive KL coefficient per module. RLlib: curr_kl_coeffs_per_module (each starts at kl_coeff). */
  readonly currKlCoeffs: Float64Array;
  private klCoeffsTensor: tf.Tensor1D | null = null;

  constructor(
    module: StackedMLP,
    readonly config: PPOConfig['training'],
  ) {
    super(module, config);
    this.currKlCoeffs = new Float64Array(module.numModules).fill(config.klCoeff);
  }

  get moduleIds(): readonly string[] {
    return this.module.spec.moduleIds;
  }

  /** A stacked learner trains its modules alone; a data-parallel group of it is refused. */
  set dataParallel(shard: { readonly size: number } | null) {
    if (shard && shard.size > 1) {
      throw new RLError(
        'learner/stacked-data-parallel',
        'A stacked learner runs alone: one learner worker per group of modules.',
      );
    }
  }

  get dataParallel(): null {
    return null;
  }

  /**
   * GroupLearner's update: the batches of this stack's modules (others ignored). Stats come back
   * flat, `<module id>/<stat>`, with the total num_module_steps_trained (what a group sums).
   */
  async update(batch: TrainBatch, ctx: UpdateContext): Promise<Record<string, number>> {
    if (!('moduleBatches' in batch)) {
      throw new RLError('learner/not-multi-agent', 'A stacked learner trains module batches (a multi-agent run).');
    }
    const byModule = await this.updateModules(batch.moduleBatches, ctx);
    const flat: Record<string, number> = { num_module_steps_trained: 0 };
    for (const [id, stats] of byModule) {
      for (const [k, v] of Object.entries(stats)) flat[`${id}/${k}`] = v;
      flat.num_module_steps_trained! += stats.num_module_steps_trained ?? 0;
    }
    return flat;
  }

  /**
   * One update of every module that has rows in `batches`; stats per module id. The shuffles of
   * module after module come from `ctx.rng` in this stack's order, as M PPOLearners updated one
   * after another would draw them.
   */
  async updateModules(
    batches: Readonly<Record<string, SampleBatch>>,
    ctx: UpdateContext,
  ): Promise<Map<string, Record<string, number>>> {
    const t = this.config;
    const parts = this.moduleIds.map((id) => {
      const b = Object.hasOwn(batches, id) ? batches[id] : undefined;
      return b && b.numSteps > 0 ? b : null;
    });
    const out = new Map<string, Record<string, number>>();
    if (parts.every((b) => b === null)) return out;
    // 1. Learner connector: the old policy's outputs and V for every module in one forward, then GAE.
    const prepared = await this.connector(parts);
    // 2. Epochs x minibatches of the stacked loss.
    const rngs = parts.map((b) =>
      b ? positionedRng(ctx.rng, t.shuffleBatchPerEpoch ? t.numEpochs * (b.numSteps - 1) : 0) : null,
    );
    this.klCoeffsTensor?.dispose();
    this.klCoeffsTensor = tf.tensor1d(Float32Array.from(this.currKlCoeffs));
    const loop = { numEpochs: t.numEpochs, minibatchSize: t.minibatchSize, shuffle: t.shuffleBatchPerEpoch };
    const stats = await this.updateEpochs(prepared, loop, rngs, ctx);
    // 3. Each module's KL coefficient from its update's mean KL (RLlib: _update_module_kl_coeff).
    stats.forEach((s, m) => {
      if (!s) return;
      if (t.useKlLoss) {
        const meanKl = s['mean_kl_loss'] ?? 0;
        if (meanKl > 2 * t.klTarget) this.currKlCoeffs[m] = this.currKlCoeffs[m]! * 1.5;
        else if (meanKl < 0.5 * t.klTarget) this.currKlCoeffs[m] = this.currKlCoeffs[m]! * 0.5;
      }
      s.curr_kl_coeff = this.currKlCoeffs[m]!;
      s.num_env_steps_trained = parts[m]!.numSteps;
      out.set(this.moduleIds[m]!, s);
    });
    return out;
  }

  computeLoss(minibatch: Minibatch, mask: tf.Tensor2D, counts: tf.Tensor1D): StackedLossOutput {
    return stackedPPOLoss(this.module, minibatch, mask, counts, this.config, this.klCoeffsTensor!);
  }

  /** Old-policy forward over every module's rows and chunk ends (padded), GAE per module, padded train columns. */
  private async connector(parts: readonly (SampleBatch | null)[]) {
    const M = this.module.numModules;
    const d = this.module.obsDim;
    const k = this.module.distribution.inputDim;
    const t = this.config;
    const forwardRows = Math.max(1, ...parts.map((b) => (b ? b.numSteps + b.chunkEnds.length : 0)));
    const allObs = new Float32Array(M * forwardRows * d);
    parts.forEach((b, m) => {
      if (!b) return;
      allObs.set(b.obs.subarray(0, b.numSteps * d), m * forwardRows * d);
      allObs.set(b.finalObs.subarray(0, b.chunkEnds.length * d), (m * forwardRows + b.numSteps) * d);
    });
    const packed = tf.tidy(() => {
      const { actionDistInputs, vfPreds } = this.module.forwardNoGrad(tf.tensor3d(allObs, [M, forwardRows, d]));
      return tf.concat([tf.reshape(actionDistInputs, [-1]), tf.reshape(vfPreds, [-1])]);
    });
    const data = (await packed.data()) as Float32Array;
    packed.dispose();
    const R = Math.max(1, ...parts.map((b) => b?.numSteps ?? 0));
    const actionWidth = this.module.distribution.actionDim;
    const discrete = this.module.distribution.kind === 'categorical';
    const obs = new Float32Array(M * R * d);
    const actions = discrete ? new Int32Array(M * R) : new Float32Array(M * R * actionWidth);
    const oldLogp = new Float32Array(M * R);
    const advantagesAll = new Float32Array(M * R);
    const valueTargetsAll = new Float32Array(M * R);
    const oldDist = t.useKlLoss ? new Float32Array(M * R * k) : null;
    const rowCounts = new Int32Array(M);
    const valuesStart = M * forwardRows * k;
    parts.forEach((b, m) => {
      if (!b) return;
      const n = b.numSteps;
      rowCounts[m] = n;
      const base = m * forwardRows;
      const vfPreds = data.subarray(valuesStart + base, valuesStart + base + n);
      const bootstrapValues = data.subarray(valuesStart + base + n, valuesStart + base + n + b.chunkEnds.length);
      const { advantages, valueTargets } = generalAdvantageEstimation(b, { vfPreds, bootstrapValues }, t);
      normalizeAdvantages(advantages);
      obs.set(b.obs.subarray(0, n * d), m * R * d);
      actions.set(b.actions.subarray(0, n * actionWidth), m * R * actionWidth);
      oldLogp.set(requireColumn(b, 'actionLogp', 'The PPO loss').subarray(0, n), m * R);
      advantagesAll.set(advantages, m * R);
      valueTargetsAll.set(valueTargets, m * R);
      oldDist?.set(data.subarray(base * k, (base + n) * k), m * R * k);
    });
    const columns = {
      [PPOColumns.OBS]: obs,
      [PPOColumns.ACTIONS]: actions,
      [PPOColumns.OLD_LOGP]: oldLogp,
      ...(oldDist ? { [PPOColumns.OLD_DIST_INPUTS]: oldDist } : {}),
      [PPOColumns.ADVANTAGES]: advantagesAll,
      [PPOColumns.VALUE_TARGETS]: valueTargetsAll,
    };
    return { columns, rowCounts, rowsPerModule: R };
  }

  /** Module m's Adam state in OptimizerGroup's checkpoint layout (m/<var>, v/<var>, beta powers, step). */
  private moduleOptimizerState(m: number, moments: { m: Float32Array; v: Float32Array } | null): OptimizerState {
    const opt = this.optimizer;
    const step = opt.stepOf(m);
    const { sizes, offsets } = opt.layout();
    const names = this.module.variableNames;
    const shapes = this.module.moduleShapes;
    const cut = (flat: Float32Array): Float32Array[] =>
      sizes.map((size, i) => flat.slice(m * opt.size + offsets[i]!, m * opt.size + offsets[i]! + size));
    // A module that never stepped has no moments (as an OptimizerGroup before its first step).
    const withMoments = moments !== null && step > 0;
    return {
      names: [
        ...(withMoments ? [...names.map((n) => `m/${n}`), ...names.map((n) => `v/${n}`)] : []),
        'beta1_power',
        'beta2_power',
      ],
      shapes: [...(withMoments ? [...shapes, ...shapes].map((s) => [...s]) : []), [], []],
      arrays: [
        ...(withMoments ? [...cut(moments.m), ...cut(moments.v)] : []),
        Float32Array.of(0.9 ** (step + 1)),
        Float32Array.of(0.999 ** (step + 1)),
      ],
      step,
    };
  }

  /** The stack's checkpoint part (MultiAgentPPO's layout, see the file comment). */
  async getState(): Promise<LearnerState> {
    await this.optimizer.syncSteps();
    const moments = await this.optimizer.readMoments();
    const [first, ...rest] = this.moduleIds;
    const optimizers = idRecord<OptimizerState>();
    rest.forEach((id, i) => (optimizers[id] = this.moduleOptimizerState(i + 1, moments)));
    const learnerState: Record<string, number> = {};
    this.moduleIds.forEach((id, m) => (learnerState[`${KL_KEY_PREFIX}${id}`] = this.currKlCoeffs[m]!));
    void first;
    return {
      weights: await this.module.getWeights(),
      optimizerState: this.moduleOptimizerState(0, moments),
      ...(rest.length > 0 ? { optimizers } : {}),
      learnerState,
    };
  }

  /** Restores `getState`'s parts; a module's missing or misfit Adam state is `learner/optimizer-state-mismatch`. */
  async setState(state: LearnerState): Promise<void> {
    const opt = this.optimizer;
    const M = this.module.numModules;
    const { sizes, offsets } = opt.layout();
    const steps = new Float64Array(M);
    let moments: { m: Float32Array; v: Float32Array } | null = null;
    this.moduleIds.forEach((id, m) => {
      const s = m === 0 ? state.optimizerState : state.optimizers?.[id];
      if (!s) throw mismatch(id, 'its Adam state is missing');
      const n = sizes.length;
      const numMoments = s.arrays.length - 2;
      if (!Number.isInteger(s.step) || s.step < 0) throw mismatch(id, `step ${s.step} is not a count of Adam steps`);
      if (numMoments !== 0 && numMoments !== 2 * n)
        throw mismatch(id, `${numMoments} moment arrays, expected ${2 * n}`);
      steps[m] = s.step;
      if (numMoments === 0) return;
      moments ??= { m: new Float32Array(M * opt.size), v: new Float32Array(M * opt.size) };
      for (let i = 0; i < n; i++) {
        for (const [j, into] of [moments.m, moments.v].entries()) {
          const a = s.arrays[j * n + i]!;
          if (a.length !== sizes[i])
            throw mismatch(id, `'${s.names[j * n + i]}' has ${a.length} values, expected ${sizes[i]}`);
          into.set(a, m * opt.size + offsets[i]!);
        }
      }
    });
    this.module.setWeights(state.weights);
    opt.restore(steps, moments);
    this.moduleIds.forEach((id, m) => {
      this.currKlCoeffs[m] = state.learnerState[`${KL_KEY_PREFIX}${id}`] ?? this.config.klCoeff;
    });
    return Promise.resolve();
  }

  override dispose(): void {
    this.klCoeffsTensor?.dispose();
    this.klCoeffsTensor = null;
    super.dispose();
  }
}

function mismatch(id: string, what: string): RLError {
  return new RLError(
    'learner/optimizer-state-mismatch',
    `Optimizer state of module '${id}' does not fit this learner: ${what}. It must come from a run with the same module config.`,
  );
}

/**
 * An Rng at `rng`'s position, and `rng` moved past the `draws` integers the caller will take from
 * the copy: the copy shuffles one module's rows, `rng` goes on to the next module, as when each
 * module's learner drew its shuffles from `rng` in turn.
 */
function positionedRng(rng: Rng, draws: number): Rng {
  const copy = new Rng(0);
  copy.setState(rng.getState());
  for (let i = 0; i < draws; i++) rng.nextUint32();
  return copy;
}
