/** Learner defaults that config files need without loading TF.js (declared with the config keys). */
export { DEFAULT_MAX_CONSECUTIVE_NON_FINITE_UPDATES } from '../core/shared-keys';
