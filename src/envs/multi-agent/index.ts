export * from './types';
export { BaseMultiAgentVectorEnv } from './base-multi-agent-env';
export { MultiAgentCartPole } from './multi-agent-cartpole';
export { isMultiAgentEnv, listMultiAgentEnvs, makeMultiAgentVectorEnv, registerMultiAgentEnv } from './registry';
export { CoinChase, greedyCoinChaseAction } from './coin-chase';
