/**
 * The modules of a multi-agent run and their Learners (RLlib: a MultiRLModule, and the Learner's
 * per-module optimizers and `compute_loss_for_module`). Every module has a learner-side copy;
 * each module that trains (in policiesToTrain, with agents mapped to it) has its own Learner of
 * the algorithm's class, so its own optimizer state, KL coefficient or target network.
 *
 * `update` is the ONE place where a training step loops over modules: one learner update per
 * module, one after another. Stacking modules of the same shape into one batched kernel (issue
 * 30, part B) replaces that loop and nothing else. Checkpoint parts (`getStates`, `setStates`) are
 * per module too, so their cost grows linearly with the number of modules.
 */
import { RLError } from '../../core/errors';
import { idRecord } from '../../core/json';
import type { Learner, LearnerState, OptimizerState } from '../../learner/learner';
import { packModuleWeights, unpackModuleWeights } from '../../rl-module/multi-module-weights';
import type { RLModule } from '../../rl-module/rl-module';
import type { ModuleWeights } from '../../rl-module/weights';
import type { ModuleCheckpoint } from '../checkpoint';

export class ModuleLearners<L extends Learner> {
  constructor(
    /** Every module by id, in `policies` order: the Learner's copy (runners build their own). */
    readonly modules: ReadonlyMap<string, RLModule>,
    /** One Learner per trained module (RLlib: policies_to_train), holding that module. */
    readonly learners: ReadonlyMap<string, L>,
  ) {
    for (const [id, learner] of learners) {
      if (modules.get(id) !== learner.module) {
        throw new RLError('multi-agent/learner-module', `The learner of module '${id}' must train that module.`);
      }
    }
  }

  /**
   * One update of every trained module that has a batch: `step(learner, batch, id)` per module, in
   * `policies` order. Modules without a batch (no agent acted) are skipped.
   */
  async update<B, R>(
    batches: ReadonlyMap<string, B>,
    step: (learner: L, batch: B, moduleId: string) => Promise<R>,
  ): Promise<Map<string, R>> {
    const out = new Map<string, R>();
    for (const [id, learner] of this.learners) {
      const batch = batches.get(id);
      if (batch !== undefined) out.set(id, await step(learner, batch, id));
    }
    return out;
  }

  /** Every module's weights in one object (`<module id>/<name>`), as runners and checkpoints carry them. */
  async packedWeights(version = 0): Promise<ModuleWeights> {
    const byModule = new Map<string, ModuleWeights>();
    for (const [id, module] of this.modules) byModule.set(id, await module.getWeights());
    return packModuleWeights(byModule, version);
  }

  /** Each trained module's learner state without its weights (those travel packed). */
  async getStates(): Promise<Record<string, ModuleCheckpoint>> {
    const out = idRecord<ModuleCheckpoint>();
    for (const [id, learner] of this.learners) {
      const { optimizerState, optimizers, learnerState, targetNetworks } = await learner.getState();
      out[id] = {
        optimizerState,
        ...(optimizers ? { optimizers } : {}),
        learnerState,
        ...(targetNetworks ? { algorithmState: { targetNetworks } } : {}),
      };
    }
    return out;
  }

  /**
   * Restores every module's weights and every trained module's learner state. A module this run
   * has and the checkpoint lacks, or one the checkpoint has and this run does not, is an RLError
   * naming them (before anything is changed).
   */
  async setStates(packed: ModuleWeights, states: Readonly<Record<string, ModuleCheckpoint>>): Promise<void> {
    const saved = unpackModuleWeights(packed);
    checkCheckpointFits([...this.modules.keys()], [...this.learners.keys()], saved, states);
    for (const [id, module] of this.modules) {
      const learner = this.learners.get(id);
      if (!learner) {
        module.setWeights(saved.get(id)!);
        continue;
      }
      const s = states[id]!;
      const state: LearnerState = {
        weights: saved.get(id)!,
        optimizerState: s.optimizerState,
        ...(s.optimizers ? { optimizers: s.optimizers } : {}),
        learnerState: s.learnerState,
        ...(s.algorithmState?.targetNetworks ? { targetNetworks: s.algorithmState.targetNetworks } : {}),
      };
      await learner.setState(state);
    }
  }

  /** Frees every module (a learner frees its own module and optimizer). */
  dispose(): void {
    for (const [id, module] of this.modules) {
      const learner = this.learners.get(id);
      if (learner) learner.dispose();
      else module.dispose();
    }
  }
}

/**
 * A `checkpoint/mismatch` naming every module that does not fit (before anything is changed): a
 * module this run has and the checkpoint lacks, one it has that this run does not, a trained module
 * without its learner state, learner state for a module this run does not train.
 */
export function checkCheckpointFits(
  moduleIds: readonly string[],
  trainedIds: readonly string[],
  saved: ReadonlyMap<string, ModuleWeights>,
  states: Readonly<Record<string, ModuleCheckpoint>>,
): void {
  const missing = moduleIds.filter((id) => !saved.has(id));
  const extra = [...saved.keys()].filter((id) => !moduleIds.includes(id));
  const noState = trainedIds.filter((id) => !Object.hasOwn(states, id));
  const strayState = Object.keys(states).filter((id) => !trainedIds.includes(id));
  const problems = [
    missing.length > 0 ? `it lacks the weights of module(s) ${list(missing)}` : '',
    extra.length > 0 ? `it has module(s) ${list(extra)} that this run does not (policies: ${list(moduleIds)})` : '',
    noState.length > 0 ? `it lacks the learner state of trained module(s) ${list(noState)}` : '',
    strayState.length > 0 ? `it has learner state for module(s) ${list(strayState)} that this run does not train` : '',
  ].filter(Boolean);
  if (problems.length > 0) {
    throw new RLError('checkpoint/mismatch', `The checkpoint does not fit this run's modules: ${problems.join('; ')}.`);
  }
}

/** A top-level optimizer state with nothing in it: a multi-agent checkpoint keeps its optimizers per module. */
export const NO_OPTIMIZER_STATE: OptimizerState = { names: [], shapes: [], arrays: [], step: 0 };

/** At most 10 ids, then how many more: a message about 1,000 modules stays readable. */
function list(ids: readonly string[]): string {
  const shown = ids.slice(0, 10).join(', ');
  return ids.length > 10 ? `${shown} and ${ids.length - 10} more` : shown;
}
