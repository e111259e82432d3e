/**
 * A2C and RLlib: RLlib's new API stack has no A2C (RLlib deprecated its A2C and moved it out to
 * rllib_contrib; its A2CConfig was an old-stack config on top of A3CConfig). So the export
 * refuses A2C runs with that reason rather than write a config no Ray release can run: the
 * shared keys here go to new-stack setters (env_runners, learners) that no Ray with A2CConfig
 * has. The key table (a2c-config.ts) still names each key as old-stack A2CConfig did (rllib/algorithms/a2c/a2c.py,
 * a3c/a3c.py), for readers and the key map, and the weights use PPO's module names, so a policy
 * saved from RLlib's DefaultPPOTorchRLModule (the closest new-stack module) imports into an A2C run.
 */
import { ACTOR_CRITIC_WEIGHTS } from '../rllib/actor-critic-layout';
import type { RLlibMapping } from '../rllib/rllib-mapping';

export const A2C_EXPORT_REFUSED =
  "A2C runs cannot be exported to RLlib: RLlib's new API stack has no A2C (RLlib deprecated A2C and " +
  'moved it out to rllib_contrib), and the exported file targets the new stack. Train the setup with ' +
  '--algo ppo (numEpochs 1, minibatchSize equal to trainBatchSizePerLearner is the closest PPO) and export that run; ' +
  "the A2C key names of RLlib's old-stack A2CConfig are listed in the README.";

export const A2C_RLLIB: Omit<RLlibMapping, 'keys'> = {
  configClass: 'A2CConfig',
  importFrom: 'ray.rllib.algorithms.a2c',
  exportRefused: A2C_EXPORT_REFUSED,
  ...ACTOR_CRITIC_WEIGHTS,
};
