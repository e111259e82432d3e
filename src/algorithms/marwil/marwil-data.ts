/**
 * The recorded rows as MARWIL trains on them: RLlib's dataset iteration (each training iteration
 * draws dataset_num_iters_per_learner batches of train_batch_size_per_learner rows, in a
 * shuffled order that is redrawn after every full pass), and the value targets its GAE connector
 * computes with lambda_ = 1: discounted returns to the end of each recorded episode segment,
 * bootstrapped with V(new_obs) where the segment was truncated or cut, never where it terminated.
 */
import type { Rng } from '../../core/rng';
import type { EpisodeTable } from '../../offline/episode-table';

export class MARWILDataset {
  /** Discounted reward sum from each row to its segment's end, without the bootstrap. */
  private readonly returnsToEnd: Float32Array;
  /** gamma^(rows from this row to past its segment's end): the bootstrap value's weight. */
  private readonly bootstrapDiscount: Float32Array;
  /** Index (into `endRows`) of the segment each row belongs to. */
  private readonly segmentOf: Int32Array;
  /** Last row of each segment whose return is bootstrapped (not terminated). */
  readonly bootstrapRows: Int32Array;
  private readonly bootstrapSlot: Int32Array;
  private readonly order: Int32Array;
  private cursor: number;

  constructor(
    readonly table: EpisodeTable,
    readonly gamma: number,
  ) {
    const n = table.numRows;
    this.returnsToEnd = new Float32Array(n);
    this.bootstrapDiscount = new Float32Array(n);
    this.segmentOf = new Int32Array(n);
    const ends: number[] = [];
    for (let i = 0; i < n; i++) {
      const last = i + 1 === n || table.epsId[i + 1] !== table.epsId[i] || table.terminateds[i] || table.truncateds[i];
      if (last) ends.push(i);
    }
    const bootstrapRows: number[] = [];
    const slot = new Int32Array(ends.length).fill(-1);
    ends.forEach((e, k) => {
      if (!table.terminateds[e]) {
        slot[k] = bootstrapRows.length;
        bootstrapRows.push(e);
      }
    });
    let start = 0;
    ends.forEach((end, k) => {
      let g = 0;
      let discount = 1;
      for (let i = end; i >= start; i--) {
        g = table.rewards[i]! + gamma * g;
        discount *= gamma;
        this.returnsToEnd[i] = g;
        this.bootstrapDiscount[i] = slot[k]! >= 0 ? discount : 0;
        this.segmentOf[i] = k;
      }
      start = end + 1;
    });
    this.bootstrapRows = Int32Array.from(bootstrapRows);
    this.bootstrapSlot = slot;
    this.order = Int32Array.from({ length: n }, (_, i) => i);
    this.cursor = n; // shuffled on first use
  }

  get numRows(): number {
    return this.table.numRows;
  }

  /** new_obs of every bootstrapped segment end, for one value forward pass. */
  bootstrapObs(): Float32Array {
    const d = this.table.obsDim;
    const out = new Float32Array(this.bootstrapRows.length * d);
    this.bootstrapRows.forEach((row, k) => out.set(this.table.newObs.subarray(row * d, (row + 1) * d), k * d));
    return out;
  }

  /** Value target of `row` given V(new_obs) of each bootstrapped segment end (bootstrapObs order). */
  valueTarget(row: number, bootstrapValues: Float32Array): number {
    const k = this.bootstrapSlot[this.segmentOf[row]!]!;
    return this.returnsToEnd[row]! + (k >= 0 ? this.bootstrapDiscount[row]! * bootstrapValues[k]! : 0);
  }

  /** The next `count` row indices of the shuffled pass; a new pass is drawn when one runs out. */
  nextRows(count: number, rng: Rng): Int32Array {
    const out = new Int32Array(count);
    for (let j = 0; j < count; j++) {
      if (this.cursor >= this.order.length) {
        for (let i = this.order.length - 1; i > 0; i--) {
          const k = rng.integer(i + 1);
          const t = this.order[i]!;
          this.order[i] = this.order[k]!;
          this.order[k] = t;
        }
        this.cursor = 0;
      }
      out[j] = this.order[this.cursor++]!;
    }
    return out;
  }

  /** obs and actions of the given rows, as train-batch columns. */
  gather(rows: Int32Array): { obs: Float32Array; actions: Int32Array | Float32Array } {
    const { obsDim, actionDim, actionKind } = this.table;
    const width = actionKind === 'discrete' ? 1 : actionDim;
    const obs = new Float32Array(rows.length * obsDim);
    const actions = actionKind === 'discrete' ? new Int32Array(rows.length) : new Float32Array(rows.length * width);
    rows.forEach((r, j) => {
      obs.set(this.table.obs.subarray(r * obsDim, (r + 1) * obsDim), j * obsDim);
      actions.set(this.table.actions.subarray(r * width, (r + 1) * width), j * width);
    });
    return { obs, actions };
  }
}
