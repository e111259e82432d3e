/**
 * The learners of a multi-agent PPO run whose modules are stacked (issue 30 item 2): groups of
 * modules, each trained by one StackedPPOLearner behind its own LearnerGroup. It replaces
 * module-learners.ts's loop of one PPOLearner per module (MultiAgentPPO picks one or the other);
 * each module trains exactly as its own PPOLearner would.
 *  - numLearners = 0: on the page, one group per shape of module (usually one for all).
 *  - numLearners = L >= 1: L learner workers, worker g training the g-th contiguous share of the
 *    trained modules (module-to-learner assignment). Groups never exchange gradients: each is a
 *    LearnerGroup of one worker, so each has the learner supervisor's fault tolerance on its own
 *    (runtime/learner-supervisor.ts): a failed worker is restarted, gets its group's weights,
 *    Adam states and KL coefficients from the page's copy after the last update, and the update
 *    it missed runs again; the other groups go on. Their failures and restarts add up in
 *    fault_tolerance/num_learner_*.
 * Each group's update gets its own Rng, drawn in group order from the algorithm's, so the groups
 * run in parallel and a run stays repeatable.
 */
import type { FaultToleranceConfig, RLModuleConfig } from '../../core/config';
import { ConfigError } from '../../core/errors';
import { Rng } from '../../core/rng';
import type { SampleBatch } from '../../core/sample-batch';
import type { Box, Space } from '../../core/spaces';
import type { BackendName } from '../../backend/tf-backend';
import type { LearnerFaultCounters } from '../../learner/learner-group';
import { LearnerGroup } from '../../learner/learner-group';
import type { LearnerApi, LearnerInfo } from '../../learner/learner-host';
import type { LearnerState, UpdateContext } from '../../learner/learner-types';
import type { ConnectLearner } from '../../learner/learner-worker-protocol';
import type { OptimizerState } from '../../learner/optimizer-group';
import { packModuleWeights, unpackModuleWeights } from '../../rl-module/multi-module-weights';
import { StackedMLP } from '../../rl-module/stacked-mlp';
import type { ModuleWeights } from '../../rl-module/weights';
import { startLearnerGroup } from '../../runtime/learner-supervisor';
import type { PPOConfig } from '../ppo/ppo-config';
import { KL_KEY_PREFIX, StackedPPOLearner } from '../ppo/stacked-ppo-learner';

/** A module a group trains: its id, its index in `policies` (its seed offset) and its spaces. */
export interface TrainedModule {
  readonly id: string;
  readonly index: number;
  readonly observationSpace: Box;
  readonly actionSpace: Space;
}

export interface StackedModuleLearnersSpec {
  readonly training: PPOConfig['training'];
  readonly model: RLModuleConfig;
  readonly seed: number;
  /** Trained modules that have agents, in `policies` order. */
  readonly modules: readonly TrainedModule[];
  readonly numLearners: number;
  readonly faultTolerance: FaultToleranceConfig;
  /** The backend each learner worker activates (null: the active one, in-process tests). */
  readonly backend: BackendName | null;
  /** Learner workers; default Web Workers (tests pass in-process hosts). */
  readonly connect: ConnectLearner<LearnerApi>;
}

/** One module's part of a checkpoint besides its weights. */
export interface ModuleTrainState {
  readonly optimizer: OptimizerState;
  readonly klCoeff: number;
}

interface Group {
  readonly group: LearnerGroup;
  readonly ids: readonly string[];
}

export class StackedModuleLearners {
  private constructor(
    private readonly groups: readonly Group[],
    private readonly remote: boolean,
    /** The trained modules, in `policies` order (checkpoints list them so). */
    readonly ids: readonly string[],
  ) {}

  /** Starts the groups; `initialWeights` holds every trained module's starting weights. */
  static async build(
    spec: StackedModuleLearnersSpec,
    initialWeights: ReadonlyMap<string, ModuleWeights>,
  ): Promise<StackedModuleLearners> {
    const shares = spec.numLearners === 0 ? byShape(spec.modules) : contiguousShares(spec.modules, spec.numLearners);
    const groups: Group[] = [];
    try {
      for (const [g, members] of shares.entries()) {
        const ids = members.map((m) => m.id);
        const group =
          spec.numLearners === 0 ? localGroup(spec, members) : await remoteGroup(spec, members, g, initialWeights);
        groups.push({ group, ids });
      }
    } catch (e) {
      for (const { group } of groups) group.stop();
      throw e;
    }
    return new StackedModuleLearners(
      groups,
      spec.numLearners > 0,
      spec.modules.map((m) => m.id),
    );
  }

  /** Learner workers (0: the groups run on the page). */
  get numLearners(): number {
    return this.remote ? this.groups.length : 0;
  }

  /** Each learner worker's backend. */
  get infos(): readonly LearnerInfo[] {
    return this.groups.flatMap(({ group }) => group.infos);
  }

  /**
   * Failures and restarts of every group's worker, summed (lifetime counts: they never go back).
   * Setting one (a restored checkpoint) puts the difference on the first group's count.
   */
  get faults(): LearnerFaultCounters {
    const counts = this.groups.map(({ group }) => group.faults);
    const total = (key: keyof LearnerFaultCounters): number => counts.reduce((n, c) => n + c[key], 0);
    const setTotal = (key: keyof LearnerFaultCounters, value: number): void => {
      if (counts[0]) counts[0][key] += value - total(key);
    };
    return {
      get numFailures() {
        return total('numFailures');
      },
      set numFailures(v: number) {
        setTotal('numFailures', v);
      },
      get numRestarts() {
        return total('numRestarts');
      },
      set numRestarts(v: number) {
        setTotal('numRestarts', v);
      },
    };
  }

  /** Whether a group trains module `id`. */
  owns(id: string): boolean {
    return this.groups.some((g) => g.ids.includes(id));
  }

  /**
   * One update of every group on its modules' batches (RLlib: LearnerGroup.update with a
   * MultiAgentBatch); stats per module id. Remote groups run in parallel, page groups in turn.
   */
  async update(
    batches: Readonly<Record<string, SampleBatch>>,
    ctx: UpdateContext,
  ): Promise<Map<string, Record<string, number>>> {
    const run = async ({ group, ids }: Group, rng: Rng): Promise<Map<string, Record<string, number>>> => {
      const mine: Record<string, SampleBatch> = {};
      for (const id of ids) if (Object.hasOwn(batches, id)) mine[id] = batches[id]!;
      if (Object.keys(mine).length === 0) return new Map();
      return splitStats(await group.update({ moduleBatches: mine }, { ...ctx, rng }));
    };
    const parts = this.remote
      ? await Promise.all(this.groups.map((g) => run(g, new Rng(ctx.rng.nextUint32()))))
      : await sequential(this.groups, (g) => run(g, ctx.rng));
    return new Map(parts.flatMap((m) => [...m]));
  }

  /** Every trained module's current weights. */
  async getWeights(): Promise<Map<string, ModuleWeights>> {
    const out = new Map<string, ModuleWeights>();
    for (const { group } of this.groups)
      for (const [id, w] of unpackModuleWeights(await group.getWeights())) out.set(id, w);
    return out;
  }

  /** Every trained module's weights, Adam state and KL coefficient (a checkpoint's learner part). */
  async getStates(): Promise<{ weights: Map<string, ModuleWeights>; states: Map<string, ModuleTrainState> }> {
    const weights = new Map<string, ModuleWeights>();
    const states = new Map<string, ModuleTrainState>();
    for (const { group, ids } of this.groups) {
      const state = await group.getState();
      for (const [id, w] of unpackModuleWeights(state.weights)) weights.set(id, w);
      ids.forEach((id, i) => {
        const optimizer = i === 0 ? state.optimizerState : state.optimizers?.[id];
        if (optimizer)
          states.set(id, { optimizer, klCoeff: state.learnerState[`${KL_KEY_PREFIX}${id}`] ?? Number.NaN });
      });
    }
    return { weights, states };
  }

  /** Gives every group its modules' weights and states (a restored checkpoint). */
  async setStates(
    weights: ReadonlyMap<string, ModuleWeights>,
    states: ReadonlyMap<string, ModuleTrainState>,
  ): Promise<void> {
    for (const { group, ids } of this.groups) {
      const byModule = new Map(ids.map((id) => [id, weights.get(id)!]));
      const [first, ...rest] = ids;
      const optimizers: Record<string, OptimizerState> = {};
      for (const id of rest) optimizers[id] = states.get(id)!.optimizer;
      const learnerState: Record<string, number> = {};
      for (const id of ids) learnerState[`${KL_KEY_PREFIX}${id}`] = states.get(id)!.klCoeff;
      const state: LearnerState = {
        weights: packModuleWeights(byModule, 0),
        optimizerState: states.get(first!)!.optimizer,
        ...(rest.length > 0 ? { optimizers } : {}),
        learnerState,
      };
      await group.setState(state);
    }
  }

  stop(): void {
    for (const { group } of this.groups) group.stop();
  }
}

async function sequential<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await fn(item));
  return out;
}

/** A group's flat stats (`<module id>/<stat>`) by module. */
function splitStats(flat: Readonly<Record<string, number>>): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const [key, value] of Object.entries(flat)) {
    const slash = key.indexOf('/');
    if (slash <= 0) continue; // the group total (num_module_steps_trained)
    const id = key.slice(0, slash);
    const stats = out.get(id) ?? {};
    stats[key.slice(slash + 1)] = value;
    out.set(id, stats);
  }
  return out;
}

/** Modules grouped by shape, each group in `policies` order (the page's stacks). */
function byShape(modules: readonly TrainedModule[]): TrainedModule[][] {
  const classes = new Map<string, TrainedModule[]>();
  for (const m of modules) {
    const key = JSON.stringify([m.observationSpace.shape, m.actionSpace]);
    classes.set(key, [...(classes.get(key) ?? []), m]);
  }
  return [...classes.values()];
}

/** numLearners contiguous, near-equal shares of the trained modules; each must be of one shape. */
function contiguousShares(modules: readonly TrainedModule[], numLearners: number): TrainedModule[][] {
  if (numLearners > modules.length) {
    throw new ConfigError([
      {
        path: 'learners.numLearners',
        message: `numLearners (${numLearners}) is more than the trained modules with agents (${modules.length}); use at most ${modules.length}.`,
        severity: 'error',
      },
    ]);
  }
  const base = Math.floor(modules.length / numLearners);
  const extra = modules.length % numLearners;
  const shares: TrainedModule[][] = [];
  let at = 0;
  for (let g = 0; g < numLearners; g++) {
    const share = modules.slice(at, at + base + (g < extra ? 1 : 0));
    at += share.length;
    if (byShape(share).length > 1) {
      throw new ConfigError([
        {
          path: 'learners.numLearners',
          message:
            `learner worker ${g} would train modules of different shapes (${share.map((m) => m.id).join(', ')}); a worker ` +
            `trains one stack, so map agents of one shape to its modules, or set numLearners to 0.`,
          severity: 'error',
        },
      ]);
    }
    shares.push(share);
  }
  return shares;
}

function localGroup(spec: StackedModuleLearnersSpec, members: readonly TrainedModule[]): LearnerGroup {
  const first = members[0]!;
  const stack = new StackedMLP({
    observationSpace: first.observationSpace,
    actionSpace: first.actionSpace,
    model: spec.model,
    moduleIds: members.map((m) => m.id),
    seeds: members.map((m) => spec.seed + m.index),
  });
  return LearnerGroup.local(new StackedPPOLearner(stack, spec.training));
}

async function remoteGroup(
  spec: StackedModuleLearnersSpec,
  members: readonly TrainedModule[],
  g: number,
  initialWeights: ReadonlyMap<string, ModuleWeights>,
): Promise<LearnerGroup> {
  const first = members[0]!;
  const weights = packModuleWeights(new Map(members.map((m) => [m.id, initialWeights.get(m.id)!])), 0);
  return startLearnerGroup(
    {
      numLearners: 1,
      init: {
        learner: 'StackedPPO',
        config: spec.training,
        module: {
          kind: 'stacked-actor-critic',
          model: spec.model,
          moduleIds: members.map((m) => m.id),
          seedOffsets: members.map((m) => m.index),
        },
        observationSpace: first.observationSpace,
        actionSpace: first.actionSpace,
        seed: spec.seed,
        backend: spec.backend,
      },
      validateInSync: false,
      // One learner per group: nothing to average, so no shared buffer.
      useSharedMemory: false,
      // Worker g: its own name and messages (`Learner g crashed`), and its own entry in a test fleet.
      connect: (rank) => spec.connect(g + rank),
      faultTolerance: spec.faultTolerance,
    },
    weights,
  );
}
