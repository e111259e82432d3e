export * from './types';
export { BaseMultiAgentVectorEnv } from './base-multi-agent-env';
export { IndependentAgentsEnv, makeMultiAgentCartPole, makeMultiAgentPendulum } from './independent-agents';
export {
  isBuiltinMultiAgentEnv,
  isMultiAgentEnv,
  listMultiAgentEnvs,
  makeMultiAgentVectorEnv,
  multiAgentRegistrationStack,
  registerMultiAgentEnv,
} from './registry';
export { CoinChase, greedyCoinChaseAction } from './coin-chase';
