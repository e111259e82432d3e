/**
 * Gymnasium's two space types, as plain JSON-serialisable data so they cross `postMessage`,
 * live in checkpoints and print in the CLI. Bounds are number arrays (not typed arrays) for the
 * same reason; `Infinity` is encoded as `null` by JSON and restored by `boxFromJson`.
 */
export interface Discrete {
  readonly kind: 'discrete';
  /** Number of actions; actions are 0..n-1. */
  readonly n: number;
}

export interface Box {
  readonly kind: 'box';
  readonly shape: readonly number[];
  readonly low: readonly number[];
  readonly high: readonly number[];
}

export type Space = Discrete | Box;

export function discrete(n: number): Discrete {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Discrete(n) needs a positive integer n, got ${n}`);
  return { kind: 'discrete', n };
}

/** Box(low, high) with `low`/`high` given per element, or as scalars broadcast over `shape`. */
export function box(low: number | readonly number[], high: number | readonly number[], shape?: readonly number[]): Box {
  const size = shape ? shape.reduce((a, b) => a * b, 1) : Array.isArray(low) ? low.length : 1;
  const lo = typeof low === 'number' ? new Array<number>(size).fill(low) : [...low];
  const hi = typeof high === 'number' ? new Array<number>(size).fill(high) : [...high];
  if (lo.length !== size || hi.length !== size) {
    throw new RangeError(`Box bounds have ${lo.length}/${hi.length} elements, shape needs ${size}`);
  }
  return { kind: 'box', shape: shape ? [...shape] : [size], low: lo, high: hi };
}

/** Number of scalars in one element of the space (1 for Discrete: one integer action). */
export function flatDim(space: Space): number {
  return space.kind === 'discrete' ? 1 : space.shape.reduce((a, b) => a * b, 1);
}

/** Size of the policy's output layer: logits for Discrete, means for Box. */
export function actionOutputDim(space: Space): number {
  return space.kind === 'discrete' ? space.n : flatDim(space);
}
