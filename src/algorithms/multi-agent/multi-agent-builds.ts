/**
 * The multi-agent class of each algorithm that has one, by RLlib's name: what `withMultiAgent`
 * (multi-agent-load.ts) builds for a config whose env is a multi-agent env.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import type { Algorithm } from '../algorithm';
import type { A2CConfig } from '../a2c/a2c-config';
import type { APPOConfig } from '../appo/appo-config';
import type { DQNConfig } from '../dqn/dqn-config';
import type { IMPALAConfig } from '../impala/impala-config';
import type { MultiAgentPPOConfig } from '../ppo/ppo-config';
import type { SACConfig } from '../sac/sac-config';
import { MultiAgentAPPO, MultiAgentIMPALA } from './multi-agent-async';
import { MultiAgentDQN, MultiAgentSAC } from './multi-agent-off-policy';
import { MultiAgentA2C, MultiAgentPPO } from './multi-agent-on-policy';
import type { MultiAgentBuildOptions } from './multi-agent-setup';

type Build = (config: AlgorithmConfigBase, opts?: MultiAgentBuildOptions) => Promise<Algorithm>;

// Each entry is called with a validated config of its own algorithm (the key is config.algo).
export const MULTI_AGENT_BUILDS: Readonly<Record<string, Build>> = {
  PPO: (c, o) => MultiAgentPPO.build(c as MultiAgentPPOConfig, o),
  A2C: (c, o) => MultiAgentA2C.build(c as A2CConfig, o),
  DQN: (c, o) => MultiAgentDQN.build(c as DQNConfig, o),
  SAC: (c, o) => MultiAgentSAC.build(c as SACConfig, o),
  IMPALA: (c, o) => MultiAgentIMPALA.build(c as IMPALAConfig, o),
  APPO: (c, o) => MultiAgentAPPO.build(c as APPOConfig, o),
};
