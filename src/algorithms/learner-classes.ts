/**
 * The learners a learner worker can host (learner.worker.ts; in-process hosts in tests), by the
 * name `setupLearnerGroup` passes: the algorithms whose learner runs data-parallel
 * (numLearners >= 1). Each is imported on first use, so a worker loads only its own.
 */
import { RLError } from '../core/errors';
import type { MakeLearner } from '../learner/learner-host';
import { MLPModule } from '../rl-module/mlp-module';
import type { RLModule } from '../rl-module/rl-module';
import { StackedMLP } from '../rl-module/stacked-mlp';
import type { PPOConfig } from './ppo/ppo-config';

function actorCritic(module: RLModule, algo: string): MLPModule {
  if (module instanceof MLPModule) return module;
  module.dispose();
  throw new RLError('learner/module-kind', `A ${algo} learner needs an actor-critic module.`);
}

const LEARNER_CLASSES: Readonly<Record<string, MakeLearner>> = {
  PPO: async (_name, module, config) => {
    const { PPOLearner } = await import('./ppo/ppo-learner');
    return new PPOLearner(actorCritic(module, 'PPO'), config as PPOConfig['training']);
  },
  // A multi-agent run's group of modules, stacked (numLearners >= 1: one group per learner worker).
  StackedPPO: async (_name, module, config) => {
    const { StackedPPOLearner } = await import('./ppo/stacked-ppo-learner');
    if (!(module instanceof StackedMLP)) {
      module.dispose();
      throw new RLError('learner/module-kind', 'A stacked PPO learner needs a stacked actor-critic module.');
    }
    return new StackedPPOLearner(module, config as PPOConfig['training']);
  },
};

export const makeLearner: MakeLearner = (name, module, config) => {
  const make = Object.hasOwn(LEARNER_CLASSES, name) ? LEARNER_CLASSES[name] : undefined;
  if (!make) {
    module.dispose();
    const known = Object.keys(LEARNER_CLASSES).join(', ');
    return Promise.reject(new RLError('learner/unknown', `No learner '${name}' runs in a learner worker (${known}).`));
  }
  return make(name, module, config);
};
