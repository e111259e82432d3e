/** Learner defaults that config files need without loading TF.js (the UI imports them). */

/**
 * Default of `training.maxConsecutiveNonFiniteUpdates`, in Adam steps. An update is
 * numEpochs x minibatches steps (PPO's defaults: 30 x 32), so one update that diverges stops
 * training at its end; 10 in a row is far beyond a transient outlier minibatch.
 */
export const DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES = 10;
