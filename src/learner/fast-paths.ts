/**
 * The Learner's fast paths that have a readable version beside them, one switch each. Flip a
 * switch to run the readable version: to read the math, or to check a suspected fast-path bug
 * (the parity tests run both).
 */
export const FAST_PATHS = {
  /**
   * PPO's and IMPALA/APPO's losses as one custom op on the module's outputs with the gradient in
   * closed form (ppo-loss.ts, impala-loss.ts). false: TF.js autodiff of the same formulas, which
   * records ~300 kernels per minibatch (~40% of an Adam step on wasm; bench/NOTES.md, change 5).
   * Parity: test/unit/ppo-loss.test.ts, test/unit/impala-loss.test.ts.
   */
  fusedLosses: true,
};
