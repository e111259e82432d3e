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
  /**
   * DQN's, SAC's and PPO's whole gradient step (forward, loss, backward, clip, Adam, target
   * update) in wasm SIMD kernels over one memory (rl-module/fused, learner/fused-trainer.ts), when
   * the learner's backend is wasm or cpu; the state is copied from and back to the TF.js
   * variables once per update. false: the TF.js step (the reference; WebGPU always runs it).
   * A small net's TF.js step is ~85% kernel dispatch (bench/NOTES.md, round 3).
   * Parity: test/unit/fused-*.test.ts (gradients and updates against TF.js).
   */
  fusedMlp: true,
};
