/** Connectors: pure batch transforms between EnvRunner output and Learner input (no TF.js). */
export { computeGae, generalAdvantageEstimation, normalizeAdvantages } from './gae';
export type { BatchValues, GaeArgs, GaeResult } from './gae';
export { computeVtrace, vtraceFragment, vtraceOnBatch } from './vtrace';
export type { VtraceArgs, VtraceFragmentArgs, VtraceOutputs } from './vtrace';
