/**
 * Device self-checks that run TF.js (the same small computation or PPO update on several
 * backends, learner throughput). The app facade imports this module on first use only, so the
 * page and the registry load no TF.js until something asks for it.
 */
export { ppoBackendParity, tinyComputation } from './ppo/backend-parity';
export { learnerThroughput } from './ppo/learner-bench';
export { measureMultiAgentSampling } from './multi-agent/multi-agent-bench';
