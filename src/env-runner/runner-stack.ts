/**
 * The multi-agent EnvRunner's modules of one shape as one StackedMLP (multiAgent.stackModules):
 * one forward per env step for all of them instead of one per module. A module's lanes are
 * padded to the stack's widest module (every module has the same number in the usual case: one
 * agent each); actions are drawn for the real lanes only, module after module, so the Rng is used
 * as M per-module forwards would use it.
 *
 * Each module is seen by the runner through `view(m)`, an InferenceModule whose weights are its
 * part of the stack: weight syncs and the group's weight check go through it unchanged.
 */
import { RLError } from '../core/errors';
import type { Rng } from '../core/rng';
import { flatDim } from '../core/spaces';
import type { MultiAgentVectorEnv } from '../envs/multi-agent/types';
import type { ModuleDescriptor } from '../rl-module/module-factory';
import type { ExplorationOutputs, InferenceModule, InferenceOutputs } from '../rl-module/rl-module';
import { StackedMLP } from '../rl-module/stacked-mlp';
import type { ModuleWeights } from '../rl-module/weights';

/** A runner's stacks: each with the runner's module indices it holds, and each module's view. */
export interface RunnerStacks {
  readonly stacks: readonly { readonly stack: RunnerStack; readonly members: readonly number[] }[];
  /** By the runner's module index. */
  readonly views: readonly InferenceModule[];
}

/**
 * The runner's modules stacked by shape (observation size and action space): module m's lanes
 * are numEnvs x its agent slots, its spaces its first slot's, its seed `seed + m` as the
 * per-module runner builds it.
 */
export function buildRunnerStacks(
  env: MultiAgentVectorEnv,
  settings: {
    readonly moduleIds: readonly string[];
    readonly moduleOfSlot: readonly number[];
    readonly module: ModuleDescriptor;
    readonly seed: number;
  },
): RunnerStacks {
  const { module } = settings;
  if (module.kind !== 'actor-critic') {
    throw new RLError(
      'multi-agent/stack-kind',
      `stackModules stacks actor-critic modules (PPO's), not '${module.kind}'.`,
    );
  }
  const classes = new Map<string, number[]>();
  settings.moduleIds.forEach((_, m) => {
    const slot = Math.max(0, settings.moduleOfSlot.indexOf(m));
    const key = JSON.stringify([flatDim(env.observationSpaces[slot]!), env.actionSpaces[slot]]);
    classes.set(key, [...(classes.get(key) ?? []), m]);
  });
  const views: InferenceModule[] = [];
  const stacks = [...classes.values()].map((members) => {
    const slot = Math.max(0, settings.moduleOfSlot.indexOf(members[0]!));
    const stack = new StackedMLP({
      observationSpace: env.observationSpaces[slot]!,
      actionSpace: env.actionSpaces[slot]!,
      model: module.model,
      moduleIds: members.map((m) => settings.moduleIds[m]!),
      seeds: members.map((m) => settings.seed + m),
    });
    const rows = members.map((m) => env.numEnvs * settings.moduleOfSlot.filter((x) => x === m).length);
    const runnerStack = new RunnerStack(stack, rows);
    members.forEach((m, k) => (views[m] = runnerStack.view(k)));
    return { stack: runnerStack, members };
  });
  return { stacks, views };
}

/** One module's place in a step: its gathered observations and where its outputs go. */
export interface StackMember {
  readonly obsIn: Float32Array;
  /** Real lanes (rows of obsIn). */
  readonly rows: number;
  readonly out: ExplorationOutputs;
}

export class RunnerStack {
  private readonly width: number;
  private readonly obs: Float32Array;

  constructor(
    readonly stack: StackedMLP,
    /** Lanes of each module of the stack, in stack order. */
    readonly rowsPerModule: readonly number[],
  ) {
    this.width = Math.max(1, ...rowsPerModule);
    this.obs = new Float32Array(stack.numModules * this.width * stack.obsDim);
  }

  /**
   * One forward for every module; writes each member's actions (and with `explore` its logp and
   * values) for its real lanes. `members` are in stack order.
   */
  async act(members: readonly StackMember[], explore: boolean, rng: Rng): Promise<void> {
    const d = this.stack.obsDim;
    const w = this.width;
    members.forEach((m, k) => this.obs.set(m.obsIn.subarray(0, m.rows * d), k * w * d));
    const rows = members.length * w;
    const data = await this.stack.forwardPacked(this.obs, rows, explore);
    const dist = this.stack.distribution;
    const values = rows * dist.inputDim;
    members.forEach((m, k) => {
      const inputs = data.subarray(k * w * dist.inputDim, (k * w + m.rows) * dist.inputDim);
      for (let i = 0; i < m.rows; i++) {
        if (!explore) {
          dist.greedy(inputs, i, m.out.actions);
          continue;
        }
        m.out.actionLogp[i] = dist.sample(inputs, i, rng, m.out.actions);
        m.out.vfPreds[i] = data[values + k * w + i]!;
      }
    });
  }

  /** Module m of the stack as an InferenceModule (its weights; forwards of it alone, for checks). */
  view(m: number): InferenceModule {
    const stack = this.stack;
    const alone = async (obs: Float32Array, batchSize: number, withValues: boolean): Promise<Float32Array> => {
      // The stack's forward takes every module: module m's rows in its block, zeros elsewhere.
      const d = stack.obsDim;
      const all = new Float32Array(stack.numModules * batchSize * d);
      all.set(obs.subarray(0, batchSize * d), m * batchSize * d);
      const data = await stack.forwardPacked(all, stack.numModules * batchSize, withValues);
      const k = stack.distribution.inputDim;
      const mine = data.slice(m * batchSize * k, (m + 1) * batchSize * k);
      if (!withValues) return mine;
      const values = data.subarray(
        stack.numModules * batchSize * k + m * batchSize,
        stack.numModules * batchSize * k + (m + 1) * batchSize,
      );
      const out = new Float32Array(batchSize * k + batchSize);
      out.set(mine);
      out.set(values, batchSize * k);
      return out;
    };
    return {
      forwardExploration: async (obs: Float32Array, batchSize: number, rng: Rng, out: ExplorationOutputs) => {
        const data = await alone(obs, batchSize, true);
        const k = stack.distribution.inputDim;
        for (let i = 0; i < batchSize; i++) {
          out.actionLogp[i] = stack.distribution.sample(data, i, rng, out.actions);
          out.vfPreds[i] = data[batchSize * k + i]!;
        }
      },
      forwardInference: async (obs: Float32Array, batchSize: number, out: InferenceOutputs) => {
        const data = await alone(obs, batchSize, false);
        for (let i = 0; i < batchSize; i++) stack.distribution.greedy(data, i, out.actions);
      },
      getWeights: () => stack.getModuleWeights(m),
      setWeights: (weights: ModuleWeights) => stack.setModuleWeights(m, weights),
      get weightsVersion() {
        return stack.weightsVersion;
      },
      set weightsVersion(v: number) {
        stack.weightsVersion = v;
      },
      trainableVariables: [],
      variableNames: stack.variableNames,
      // The stack is freed once, by the runner (RunnerStack.dispose).
      dispose: () => undefined,
    };
  }

  dispose(): void {
    this.stack.dispose();
  }
}
