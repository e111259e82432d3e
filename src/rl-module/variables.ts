/**
 * Module variables <-> ModuleWeights, the same for every RLModule: a checked, copied assignment
 * and a copied read (one `await data()` per variable; never a synchronous readback, which is slow
 * and was seen returning wrong values on WebGPU).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModuleWeights } from './weights';
import { checkWeights } from './weights';

/** Copies of every variable, with names, shapes and version. */
export async function readWeights(
  variables: readonly tf.Variable[],
  names: readonly string[],
  version: number,
): Promise<ModuleWeights> {
  const arrays = await Promise.all(variables.map(async (v) => new Float32Array((await v.data()) as Float32Array)));
  return { version, names: [...names], shapes: variables.map((v) => [...v.shape]), arrays };
}

/**
 * Checks names and shapes (throws `module/weights-mismatch`), then assigns copies and returns them.
 * Copies, because the cpu backend would otherwise keep the caller's arrays as the variables'
 * storage; a module's JS forward may share the returned ones, since neither writes to them.
 */
export function assignWeights(
  variables: readonly tf.Variable[],
  names: readonly string[],
  weights: ModuleWeights,
): Float32Array[] {
  checkWeights(
    weights,
    names,
    variables.map((v) => v.shape),
  );
  const arrays = weights.arrays.map((a) => new Float32Array(a));
  variables.forEach((v, i) => {
    const value = tf.tensor(arrays[i]!, v.shape);
    v.assign(value);
    value.dispose();
  });
  return arrays;
}
