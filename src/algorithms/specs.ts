/**
 * The registered algorithms, as specs (no TF.js: each spec loads its implementation on demand).
 * Adding an algorithm is one import and one entry here; the first entry is the default.
 */
import { APPO_SPEC } from './appo/appo-spec';
import { A2C_SPEC } from './a2c/a2c-spec';
import { DQN_SPEC } from './dqn/dqn-spec';
import { BC_SPEC } from './bc/bc-spec';
import { MARWIL_SPEC } from './marwil/marwil-spec';
import { IMPALA_SPEC } from './impala/impala-spec';
import { PPO_SPEC } from './ppo/ppo-spec';
import { SAC_SPEC } from './sac/sac-spec';
import type { AlgorithmSpec, AnyAlgorithmConfig } from './spec';

export const ALGORITHM_SPECS: readonly AlgorithmSpec<AnyAlgorithmConfig>[] = [
  PPO_SPEC,
  DQN_SPEC,
  SAC_SPEC,
  IMPALA_SPEC,
  APPO_SPEC,
  A2C_SPEC,
  BC_SPEC,
  MARWIL_SPEC,
];
