/** Connectors: pure batch transforms between EnvRunner output and Learner input. */
export { computeGae, normalizeAdvantages } from './gae';
export type { GaeArgs, GaeResult } from './gae';
export { computeVtrace, vtraceFragment } from './vtrace';
export type { VtraceArgs, VtraceFragmentArgs, VtraceOutputs } from './vtrace';
