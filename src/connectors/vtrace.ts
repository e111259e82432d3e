/**
 * V-trace (Espeholt et al. 2018, "IMPALA: Scalable Distributed Deep-RL with Importance Weighted
 * Actor-Learner Architectures", section 4.1): n-step value targets and policy-gradient advantages
 * corrected for the lag between the policy that sampled (behaviour, mu) and the one being
 * trained (target, pi), with truncated importance weights.
 *
 * RLlib: rllib/algorithms/impala/torch/vtrace_torch_v2.py `vtrace_torch` (same recursion, same
 * clipping of rho, c and the policy-gradient rho). Three entry points:
 *  - `vtraceOnBatch`: the learner connector, on a SampleBatch and the learner's estimates;
 *  - `vtraceFragment`: one time-major trajectory, RLlib's arguments (discounts carry the
 *    termination: gamma * (1 - terminated));
 *  - `computeVtrace`: every chunk of a SampleBatch-layout batch (beside `computeGae`), bootstrapping
 *    from V(finalObs) on cuts and truncation, never on termination.
 * Accumulates in float64 (JS numbers), stores float32.
 */
import { ChunkEnd, type SampleBatch } from '../core/sample-batch';

export interface VtraceFragmentArgs {
  /** T: log mu(a_t|x_t), the sampling (behaviour) policy's log-probs. RLlib: behaviour_action_log_probs. */
  readonly behaviourLogp: Float32Array;
  /** T: log pi(a_t|x_t) under the policy being trained. RLlib: target_action_log_probs. */
  readonly targetLogp: Float32Array;
  /** T: r_t. */
  readonly rewards: Float32Array;
  /** T: V(x_t). */
  readonly values: Float32Array;
  /** V(x_T), the value after the last step (ignored where the last discount is 0). */
  readonly bootstrapValue: number;
  /** T: gamma * (1 - terminated_t) (APPO folds GAE's lambda in as well). */
  readonly discounts: Float32Array;
  /** rho-bar: clip of the importance weight in the value target. RLlib: vtrace_clip_rho_threshold (1.0). */
  readonly clipRhoThreshold: number;
  /** Clip of the weight in the policy-gradient advantage. RLlib: vtrace_clip_pg_rho_threshold (1.0). */
  readonly clipPgRhoThreshold: number;
}

export interface VtraceOutputs {
  /** V-trace value targets v_s. RLlib: vs. */
  readonly vs: Float32Array;
  /** rho_s^pg * (r_s + gamma_s * v_{s+1} - V(x_s)). RLlib: pg_advantages. */
  readonly pgAdvantages: Float32Array;
}

/**
 * One trajectory, written into `out` at `offset` (so `computeVtrace` needs no per-chunk arrays).
 * v_s - V(x_s) = delta_s + gamma_s * c_s * (v_{s+1} - V(x_{s+1})), delta_s = rho_s (r_s + gamma_s V(x_{s+1}) - V(x_s)),
 * rho_s = min(rhoBar, pi/mu), c_s = min(1, pi/mu) (the paper's c-bar is 1, as in RLlib).
 */
function vtraceInto(
  args: VtraceFragmentArgs,
  from: number,
  to: number,
  bootstrapValue: number,
  out: { vs: Float32Array; pgAdvantages: Float32Array },
): void {
  const { behaviourLogp, targetLogp, rewards, values, discounts, clipRhoThreshold, clipPgRhoThreshold } = args;
  // Backward pass 1: v_s - V(x_s).
  let nextVsMinusV = 0;
  let nextValue = bootstrapValue;
  for (let t = to - 1; t >= from; t--) {
    const rho = Math.exp(targetLogp[t]! - behaviourLogp[t]!);
    const discount = discounts[t]!;
    const value = values[t]!;
    const delta = Math.min(clipRhoThreshold, rho) * (rewards[t]! + discount * nextValue - value);
    nextVsMinusV = delta + discount * Math.min(1, rho) * nextVsMinusV;
    out.vs[t] = value + nextVsMinusV;
    nextValue = value;
  }
  // Pass 2: advantages against v_{s+1} (the bootstrap value after the last step).
  for (let t = from; t < to; t++) {
    const rho = Math.exp(targetLogp[t]! - behaviourLogp[t]!);
    const vsNext = t + 1 < to ? out.vs[t + 1]! : bootstrapValue;
    out.pgAdvantages[t] = Math.min(clipPgRhoThreshold, rho) * (rewards[t]! + discounts[t]! * vsNext - values[t]!);
  }
}

function checkLengths(name: string, n: number, columns: Record<string, { length: number }>): void {
  for (const [key, col] of Object.entries(columns)) {
    if (col.length !== n) throw new RangeError(`${name}: ${key} has ${col.length} rows, rewards has ${n}`);
  }
}

/** V-trace over one time-major trajectory (RLlib's `vtrace_torch` for one batch column). */
export function vtraceFragment(args: VtraceFragmentArgs): VtraceOutputs {
  const n = args.rewards.length;
  checkLengths('vtraceFragment', n, {
    behaviourLogp: args.behaviourLogp,
    targetLogp: args.targetLogp,
    values: args.values,
    discounts: args.discounts,
  });
  const out = { vs: new Float32Array(n), pgAdvantages: new Float32Array(n) };
  vtraceInto(args, 0, n, args.bootstrapValue, out);
  return out;
}

export interface VtraceArgs {
  readonly behaviourLogp: Float32Array;
  readonly targetLogp: Float32Array;
  readonly rewards: Float32Array;
  /** numSteps: V(x_t) under the policy being trained. */
  readonly values: Float32Array;
  /** numChunks + 1 row offsets (SampleBatch.chunkStarts). */
  readonly chunkStarts: Int32Array;
  /** numChunks: why each chunk ended (ChunkEnd). */
  readonly chunkEnds: Uint8Array;
  /** numChunks: V(the observation after the chunk's last step); ignored for terminated chunks. */
  readonly bootstrapValues: Float32Array;
  /** RLlib: gamma (times lambda_ for APPO's V-GAE, IMPACT section 3.1). */
  readonly discount: number;
  readonly clipRhoThreshold: number;
  readonly clipPgRhoThreshold: number;
}

/**
 * V-trace per chunk of a SampleBatch. A chunk is one episode's consecutive steps in one sub-env,
 * so it is a trajectory: discounts are `discount` except 0 on a terminated chunk's last step;
 * the bootstrap value after a cut or a truncation is V(finalObs) (Pardo et al. 2018).
 */
export function computeVtrace(args: VtraceArgs): VtraceOutputs {
  const { rewards, chunkStarts, chunkEnds, bootstrapValues, discount } = args;
  const n = rewards.length;
  const numChunks = chunkEnds.length;
  checkLengths('computeVtrace', n, {
    behaviourLogp: args.behaviourLogp,
    targetLogp: args.targetLogp,
    values: args.values,
  });
  if (chunkStarts.length !== numChunks + 1 || bootstrapValues.length !== numChunks) {
    throw new RangeError(
      `computeVtrace: ${numChunks} chunks need ${numChunks + 1} chunkStarts and ${numChunks} bootstrapValues ` +
        `(got ${chunkStarts.length} and ${bootstrapValues.length})`,
    );
  }
  const discounts = new Float32Array(n).fill(discount);
  const out = { vs: new Float32Array(n), pgAdvantages: new Float32Array(n) };
  const fragment: VtraceFragmentArgs = { ...args, bootstrapValue: 0, discounts };
  for (let c = 0; c < numChunks; c++) {
    const start = chunkStarts[c]!;
    const end = chunkStarts[c + 1]!;
    if (end < start || end > n) {
      throw new RangeError(`computeVtrace: chunk ${c} has rows [${start}, ${end}) outside [0, ${n})`);
    }
    if (end === start) continue;
    const terminated = chunkEnds[c] === ChunkEnd.TERMINATED;
    if (terminated) discounts[end - 1] = 0;
    vtraceInto(fragment, start, end, terminated ? 0 : bootstrapValues[c]!, out);
  }
  return out;
}

/**
 * The V-trace learner connector (RLlib's IMPALA and APPO learners compute it on every train
 * batch, without gradient, before their update): value targets and policy-gradient advantages per
 * row of `batch`, from the learner's log-probs and values (`batch.actionLogp` is mu's).
 */
export function vtraceOnBatch(
  batch: Pick<SampleBatch, 'rewards' | 'chunkStarts' | 'chunkEnds'>,
  estimates: Pick<VtraceArgs, 'behaviourLogp' | 'targetLogp' | 'values' | 'bootstrapValues'>,
  cfg: Pick<VtraceArgs, 'discount' | 'clipRhoThreshold' | 'clipPgRhoThreshold'>,
): VtraceOutputs {
  return computeVtrace({
    ...estimates,
    rewards: batch.rewards,
    chunkStarts: batch.chunkStarts,
    chunkEnds: batch.chunkEnds,
    discount: cfg.discount,
    clipRhoThreshold: cfg.clipRhoThreshold,
    clipPgRhoThreshold: cfg.clipPgRhoThreshold,
  });
}
