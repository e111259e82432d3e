/**
 * One factory for every RLModule an EnvRunner or a Learner builds, from a plain-data descriptor
 * that crosses postMessage inside the runner settings (RLlib: RLModuleSpec, which names the
 * module class and its model_config; here the class is a `kind`).
 */
import type { RLModuleConfig } from '../core/config';
import { RLError } from '../core/errors';
import type { Box, Space } from '../core/spaces';
import { MLPModule } from './mlp-module';
import { QModule, type QModelConfig } from './q-module';
import type { RLModule } from './rl-module';
import { SACModule, type SACModelConfig } from './sac-module';
import { StackedMLP } from './stacked-mlp';

/** Which module to build and its model config: JSON-serialisable. */
export type ModuleDescriptor =
  /** PPO's stochastic policy + value function (MLPModule). */
  | { readonly kind: 'actor-critic'; readonly model: RLModuleConfig }
  /** DQN's Q-network with an optional dueling head (QModule). */
  | { readonly kind: 'q'; readonly model: QModelConfig }
  /** SAC's squashed-Gaussian actor, twin Q-networks and log(alpha) (SACModule). */
  | { readonly kind: 'sac'; readonly model: SACModelConfig }
  /**
   * Many actor-critic modules of one shape on a leading axis (StackedMLP): module i is the
   * actor-critic module of seed `seed + seedOffsets[i]`. A multi-agent learner worker's group.
   */
  | {
      readonly kind: 'stacked-actor-critic';
      readonly model: RLModuleConfig;
      readonly moduleIds: readonly string[];
      readonly seedOffsets: readonly number[];
    };

export interface ModuleSpaces {
  readonly observationSpace: Space;
  readonly actionSpace: Space;
}

/** Builds the module a descriptor names, seeded. Throws `module/unknown-kind` for anything else. */
export function makeRLModule(descriptor: ModuleDescriptor, spaces: ModuleSpaces, seed: number): RLModule {
  const observationSpace = boxObservations(spaces.observationSpace);
  const { actionSpace } = spaces;
  switch (descriptor.kind) {
    case 'actor-critic':
      return new MLPModule({ observationSpace, actionSpace, model: descriptor.model, seed });
    case 'q':
      return new QModule({ observationSpace, actionSpace, model: descriptor.model, seed });
    case 'sac':
      return new SACModule({ observationSpace, actionSpace, model: descriptor.model, seed });
    case 'stacked-actor-critic':
      return new StackedMLP({
        observationSpace,
        actionSpace,
        model: descriptor.model,
        moduleIds: descriptor.moduleIds,
        seeds: descriptor.seedOffsets.map((offset) => seed + offset),
      });
    default: {
      const unknown: never = descriptor;
      throw new RLError(
        'module/unknown-kind',
        `Unknown module kind '${String((unknown as { kind?: unknown }).kind)}'; use 'actor-critic', 'q', 'sac' or 'stacked-actor-critic'.`,
      );
    }
  }
}

function boxObservations(space: Space): Box {
  if (space.kind !== 'box') {
    throw new RLError(
      'module/unsupported-space',
      `Observations must be a Box; got Discrete(${space.n}). Wrap the env to one-hot encode its observations.`,
    );
  }
  return space;
}
