/**
 * MultiAgentEnvRunner: steps one multi-agent vector env with one inference module per module id
 * and returns one SampleBatch per module (RLlib's MultiAgentEnvRunner, over typed arrays).
 *
 * Per step: ONE batched forward per module over every lane (copy, agent slot) mapped to it, then
 * one env step. Lanes whose agent is not alive are computed too (fixed shapes, no gathers of a
 * varying size) and not staged. Env steps count copies stepped; agent steps count agents that acted.
 */
import { idRecord } from '../core/json';
import { ConfigError, RLError } from '../core/errors';
import { Rng } from '../core/rng';
import { flatDim, type Space } from '../core/spaces';
import type { SampleBatch } from '../core/sample-batch';
import { takeTurn, turnDue } from '../core/yield';
import { makeMultiAgentVectorEnv, type MultiAgentVectorEnv } from '../envs/multi-agent';
import { makeRLModule, type ModuleDescriptor } from '../rl-module/module-factory';
import { unpackModuleWeights } from '../rl-module/multi-module-weights';
import type { ExplorationOutputs, InferenceModule } from '../rl-module/rl-module';
import type { ModuleWeights } from '../rl-module/weights';
import type { EnvRunnerMetrics } from './env-runner-config';
import { ModuleStaging } from './multi-agent-staging';
import { buildRunnerStacks, type RunnerStacks } from './runner-stack';
import type { SampleResult } from './protocol';

/** Episode ids are unique per run: worker index in the high part, a counter below (as EnvRunner). */
const EPISODE_ID_STRIDE = 1e9;
/** Give the thread a turn this often while sampling, so health-probe pings (and the page) get through. */
const YIELD_EVERY_MS = 20;

export interface MultiAgentEnvRunnerSettings {
  readonly env: string;
  readonly envConfig: Readonly<Record<string, unknown>>;
  readonly maxEpisodeSteps: number | null;
  /** Copies of the multi-agent env. RLlib: num_envs_per_env_runner. */
  readonly numEnvs: number;
  readonly rolloutFragmentLength: number;
  readonly explore: boolean;
  readonly seed: number;
  /** Module ids (RLlib: policies), in a fixed order. */
  readonly moduleIds: readonly string[];
  /** Index into moduleIds of each agent slot's module (the policy mapping, resolved per slot). */
  readonly moduleOfSlot: readonly number[];
  readonly module: ModuleDescriptor;
  /** 0 = the local runner on the page, 1..N remote (EnvRunnerGroup); default 0. */
  readonly workerIndex?: number;
  /** The agents this runner steps, when agents are split across runners (envs with independent agents). */
  readonly agentIds?: readonly string[];
  /** One forward per step for all modules of one shape (runner-stack.ts). */
  readonly stackModules?: boolean;
}

/** What one sample call measured. Episode returns are per env episode (all agents summed), as RLlib. */
export interface MultiAgentRunnerMetrics {
  readonly numEnvSteps: number;
  readonly numAgentSteps: number;
  readonly agentStepsByModule: Record<string, number>;
  readonly episodeReturns: number[];
  readonly episodeLengths: number[];
  readonly agentEpisodeReturns: Record<string, number[]>;
  readonly moduleEpisodeReturns: Record<string, number[]>;
  readonly inferenceMs: number;
  readonly envStepMs: number;
  readonly sampleMs: number;
}

interface ModuleLanes {
  readonly id: string;
  readonly module: InferenceModule;
  /** Env lane index (copy * maxAgents + slot) of each of this module's lanes. */
  readonly lanes: Int32Array;
  readonly obsDim: number;
  readonly obsIn: Float32Array;
  readonly out: ExplorationOutputs;
  readonly staging: ModuleStaging;
}

export class MultiAgentEnvRunner {
  readonly env: MultiAgentVectorEnv;
  readonly modules: readonly ModuleLanes[];
  /** The modules' stacks with stackModules (null: one forward per module). */
  private readonly stacks: RunnerStacks | null;
  private readonly rng: Rng;
  private readonly envActions: Int32Array;
  private weightsSeq = -1;
  private episodeCounter = 0;
  /** Per lane: the agent's current episode id, return, and whether it acted in this env episode. */
  private readonly agentEpisodeIds: Float64Array;
  private readonly agentReturns: Float64Array;
  private readonly participated: Uint8Array;
  private readonly envReturns: Float64Array;
  private readonly envLengths: Int32Array;

  constructor(readonly settings: MultiAgentEnvRunnerSettings) {
    this.env = makeMultiAgentVectorEnv(settings.env, {
      numEnvs: settings.numEnvs,
      seed: settings.seed,
      maxEpisodeSteps: settings.maxEpisodeSteps,
      envConfig: settings.envConfig,
      agentIds: settings.agentIds,
    });
    const env = this.env;
    if (settings.moduleOfSlot.length !== env.maxAgents) {
      throw new RLError(
        'multi-agent/mapping',
        `moduleOfSlot has ${settings.moduleOfSlot.length} entries, env has ${env.maxAgents} agents`,
      );
    }
    const lanes = env.numEnvs * env.maxAgents;
    this.rng = new Rng(settings.seed * 7919 + 31);
    this.envActions = new Int32Array(lanes * env.actionStride);
    this.agentEpisodeIds = new Float64Array(lanes);
    this.agentReturns = new Float64Array(lanes);
    this.participated = new Uint8Array(lanes);
    this.envReturns = new Float64Array(env.numEnvs);
    this.envLengths = new Int32Array(env.numEnvs);
    // stackModules: each module is a view of one StackedMLP per shape (runner-stack.ts).
    this.stacks = settings.stackModules === true ? buildRunnerStacks(env, settings) : null;
    this.modules = settings.moduleIds.map((id, m) => this.buildModuleLanes(id, m, this.stacks?.views[m]));
    this.episodeCounter = (settings.workerIndex ?? 0) * EPISODE_ID_STRIDE;
    env.reset(settings.seed);
    for (let l = 0; l < lanes; l++) this.agentEpisodeIds[l] = this.episodeCounter++;
  }

  private buildModuleLanes(id: string, m: number, view: InferenceModule | undefined): ModuleLanes {
    const env = this.env;
    const slots = this.settings.moduleOfSlot.flatMap((mod, slot) => (mod === m ? [slot] : []));
    const lanes = new Int32Array(env.numEnvs * slots.length);
    let k = 0;
    for (let e = 0; e < env.numEnvs; e++) for (const s of slots) lanes[k++] = e * env.maxAgents + s;
    const first = slots[0] ?? 0;
    const observationSpace = env.observationSpaces[first]!;
    const actionSpace = env.actionSpaces[first]!;
    for (const slot of slots) {
      const o = env.observationSpaces[slot]!;
      const a = env.actionSpaces[slot]!;
      const sameAction = a.kind === 'discrete' && actionSpace.kind === 'discrete' && a.n === actionSpace.n;
      if (flatDim(o) !== flatDim(observationSpace) || !sameAction) {
        throw new ConfigError([
          {
            path: 'multiAgent.policyMappingFn',
            message:
              `module '${id}' gets agents '${env.agentIds[first]}' and '${env.agentIds[slot]}', whose observation or ` +
              `action spaces differ; one module needs one pair of spaces, so map them to different modules.`,
            severity: 'error',
          },
        ]);
      }
    }
    if (actionSpace.kind !== 'discrete') {
      throw new RLError(
        'multi-agent/action-space',
        `Module '${id}': multi-agent PPO supports Discrete actions only so far.`,
      );
    }
    const n = lanes.length;
    const obsDim = flatDim(observationSpace);
    return {
      id,
      module: view ?? makeRLModule(this.settings.module, { observationSpace, actionSpace }, this.settings.seed + m),
      lanes,
      obsDim,
      obsIn: new Float32Array(n * obsDim),
      out: { actions: new Int32Array(n), actionLogp: new Float32Array(n), vfPreds: new Float32Array(n) },
      staging: new ModuleStaging(n, obsDim),
    };
  }

  /** Observation and action space of module `m` (its first agent slot's). */
  moduleSpaces(m: number): { observationSpace: Space; actionSpace: Space } {
    const slot = Math.max(0, this.settings.moduleOfSlot.indexOf(m));
    return { observationSpace: this.env.observationSpaces[slot]!, actionSpace: this.env.actionSpaces[slot]! };
  }

  /** Every module's weights in one object (packModuleWeights), as the EnvRunnerGroup syncs them. */
  setPackedWeights(packed: ModuleWeights, seq: number): boolean {
    return this.setWeights(Object.fromEntries(unpackModuleWeights(packed)), seq);
  }

  setWeights(weights: Readonly<Record<string, ModuleWeights>>, seq: number): boolean {
    if (seq <= this.weightsSeq) return false;
    for (const m of this.modules) {
      const w = weights[m.id];
      if (w) m.module.setWeights(w);
    }
    this.weightsSeq = seq;
    return true;
  }

  async sample(): Promise<{ batches: Record<string, SampleBatch>; metrics: MultiAgentRunnerMetrics }> {
    const t0 = performance.now();
    const env = this.env;
    const steps = this.settings.rolloutFragmentLength;
    const metrics = emptyMetrics(this.settings.moduleIds, env.agentIds);
    for (const m of this.modules) m.staging.ensureCapacity(steps);
    for (let t = 0; t < steps; t++) {
      if (turnDue(YIELD_EVERY_MS)) await takeTurn();
      const tInfer = performance.now();
      if (this.stacks) await this.actStacked(this.stacks, t);
      else for (const m of this.modules) await this.actModule(m, t);
      const tEnv = performance.now();
      metrics.inferenceMs += tEnv - tInfer;
      env.step(this.envActions);
      metrics.envStepMs += performance.now() - tEnv;
      for (const m of this.modules) metrics.agentStepsByModule[m.id]! += this.recordModuleStep(m, t);
      this.recordEnvStep(metrics);
    }
    const batches = idRecord<SampleBatch>();
    for (const m of this.modules) {
      this.gatherObs(m);
      batches[m.id] = m.staging.toBatch(steps, m.obsIn, this.weightsSeq);
    }
    metrics.numEnvSteps = steps * env.numEnvs;
    metrics.numAgentSteps = Object.values(metrics.agentStepsByModule).reduce((a, b) => a + b, 0);
    metrics.sampleMs = performance.now() - t0;
    return { batches, metrics };
  }

  /**
   * sample() as an EnvRunnerGroup takes it: module batches, the env-level metrics every algorithm
   * reads, and the agent / module counts in `metrics.multiAgent`. `batch` is empty: the data is
   * per module.
   */
  async sampleResult(): Promise<SampleResult> {
    const { batches, metrics: m } = await this.sample();
    const workerIndex = this.settings.workerIndex ?? 0;
    const metrics: EnvRunnerMetrics = {
      workerIndex,
      numEnvSteps: m.numEnvSteps,
      numEpisodes: m.episodeReturns.length,
      episodeReturns: m.episodeReturns,
      episodeLengths: m.episodeLengths,
      envStepMs: m.envStepMs,
      inferenceMs: m.inferenceMs,
      sampleMs: m.sampleMs,
      numSubEnvRestarts: 0,
      numEnvStepsLost: 0,
      numEpisodesLost: 0,
      weightsSeq: this.weightsSeq,
      multiAgent: {
        numAgentSteps: m.numAgentSteps,
        agentStepsByModule: m.agentStepsByModule,
        agentEpisodeReturns: m.agentEpisodeReturns,
        moduleEpisodeReturns: m.moduleEpisodeReturns,
      },
    };
    const first = this.modules[0]!;
    return { batch: emptyBatch(first.obsDim, workerIndex, this.weightsSeq), metrics, moduleBatches: batches };
  }

  /** Greedy actions of the first module for given observations (the group's weight check). */
  async computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array> {
    const actions = new Int32Array(batchSize);
    await this.modules[0]!.module.forwardInference(obs, batchSize, { actions });
    return actions;
  }

  /** One batched forward for all of a module's lanes; stages acting lanes, scatters actions. */
  private async actModule(m: ModuleLanes, t: number): Promise<void> {
    const n = m.lanes.length;
    this.gatherObs(m);
    if (this.settings.explore) await m.module.forwardExploration(m.obsIn, n, this.rng, m.out);
    else await m.module.forwardInference(m.obsIn, n, m.out);
    this.stageModule(m, t);
  }

  /** One forward per stack for all its modules' lanes, then each module staged as actModule does. */
  private async actStacked(stacks: RunnerStacks, t: number): Promise<void> {
    for (const m of this.modules) this.gatherObs(m);
    for (const { stack, members } of stacks.stacks) {
      const lanes = members.map((m) => ({
        obsIn: this.modules[m]!.obsIn,
        rows: this.modules[m]!.lanes.length,
        out: this.modules[m]!.out,
      }));
      await stack.act(lanes, this.settings.explore, this.rng);
    }
    for (const m of this.modules) this.stageModule(m, t);
  }

  /** Stages the lanes of `m` that act at t and scatters its actions into the env's action array. */
  private stageModule(m: ModuleLanes, t: number): void {
    const env = this.env;
    const n = m.lanes.length;
    const st = m.staging;
    const d = m.obsDim;
    for (let j = 0; j < n; j++) {
      const lane = m.lanes[j]!;
      const k = t * n + j;
      const action = m.out.actions[j]!;
      this.envActions[lane * env.actionStride] = action;
      if (!env.alive[lane]) {
        st.status[k] = 0;
        continue;
      }
      st.status[k] = 1;
      st.obs.set(m.obsIn.subarray(j * d, j * d + d), k * d);
      st.actions[k] = action;
      st.actionLogp[k] = this.settings.explore ? m.out.actionLogp[j]! : 0;
      st.vfPreds[k] = this.settings.explore ? m.out.vfPreds[j]! : 0;
      st.episodeIds[k] = this.agentEpisodeIds[lane]!;
      this.participated[lane] = 1;
    }
  }

  /** Rewards and flags of the lanes that acted at t; returns how many acted. */
  private recordModuleStep(m: ModuleLanes, t: number): number {
    const env = this.env;
    const n = m.lanes.length;
    const st = m.staging;
    const d = m.obsDim;
    let acted = 0;
    for (let j = 0; j < n; j++) {
      const k = t * n + j;
      if (!st.status[k]) continue;
      acted++;
      const lane = m.lanes[j]!;
      const reward = env.rewards[lane]!;
      st.rewards[k] = reward;
      this.agentReturns[lane] = this.agentReturns[lane]! + reward;
      const term = env.terminated[lane] === 1;
      if (term || env.truncated[lane] === 1) {
        st.status[k] = term ? 2 : 3;
        const from = lane * env.obsStride;
        for (let i = 0; i < d; i++) st.finalObsRows[k * d + i] = env.finalObs[from + i]!;
        this.agentEpisodeIds[lane] = this.newEpisodeId();
      }
    }
    return acted;
  }

  /** Env-episode bookkeeping per copy: lengths, summed returns, per-agent and per-module returns. */
  private recordEnvStep(metrics: MultiAgentRunnerMetrics): void {
    const env = this.env;
    const a = env.maxAgents;
    for (let e = 0; e < env.numEnvs; e++) {
      let r = 0;
      for (let s = 0; s < a; s++) r += env.rewards[e * a + s]!;
      this.envReturns[e] = this.envReturns[e]! + r;
      this.envLengths[e] = this.envLengths[e]! + 1;
      if (!env.terminatedAll[e] && !env.truncatedAll[e]) continue;
      metrics.episodeReturns.push(this.envReturns[e]!);
      metrics.episodeLengths.push(this.envLengths[e]!);
      const byModule = new Map<string, number>();
      for (let s = 0; s < a; s++) {
        const lane = e * a + s;
        if (!this.participated[lane]) continue;
        const ret = this.agentReturns[lane]!;
        metrics.agentEpisodeReturns[env.agentIds[s]!]!.push(ret);
        const mod = this.settings.moduleIds[this.settings.moduleOfSlot[s]!]!;
        byModule.set(mod, (byModule.get(mod) ?? 0) + ret);
        this.agentReturns[lane] = 0;
        this.participated[lane] = 0;
      }
      for (const [mod, ret] of byModule) metrics.moduleEpisodeReturns[mod]!.push(ret);
      this.envReturns[e] = 0;
      this.envLengths[e] = 0;
    }
  }

  private gatherObs(m: ModuleLanes): void {
    const stride = this.env.obsStride;
    const d = m.obsDim;
    const obs = this.env.obs;
    for (let j = 0; j < m.lanes.length; j++) {
      const from = m.lanes[j]! * stride;
      for (let i = 0; i < d; i++) m.obsIn[j * d + i] = obs[from + i]!;
    }
  }

  private newEpisodeId(): number {
    return this.episodeCounter++;
  }

  stop(): void {
    for (const m of this.modules) m.module.dispose();
    for (const { stack } of this.stacks?.stacks ?? []) stack.dispose();
  }
}

/** A batch with no rows (a multi-agent SampleResult's `batch`: its data is in moduleBatches). */
function emptyBatch(obsDim: number, workerIndex: number, weightsSeq: number): SampleBatch {
  return {
    numSteps: 0,
    obsDim,
    actionDim: 1,
    obs: new Float32Array(0),
    actions: new Int32Array(0),
    rewards: new Float32Array(0),
    terminateds: new Uint8Array(0),
    truncateds: new Uint8Array(0),
    chunkStarts: new Int32Array(1),
    chunkEnds: new Uint8Array(0),
    chunkEpisodeIds: new Float64Array(0),
    chunkEnvIndices: new Int32Array(0),
    finalObs: new Float32Array(0),
    workerIndex,
    weightsSeq,
  };
}

function emptyMetrics(
  moduleIds: readonly string[],
  agentIds: readonly string[],
): MultiAgentRunnerMetrics & {
  numEnvSteps: number;
  numAgentSteps: number;
  inferenceMs: number;
  envStepMs: number;
  sampleMs: number;
} {
  return {
    numEnvSteps: 0,
    numAgentSteps: 0,
    agentStepsByModule: Object.fromEntries(moduleIds.map((id) => [id, 0])),
    episodeReturns: [],
    episodeLengths: [],
    agentEpisodeReturns: Object.fromEntries(agentIds.map((id) => [id, []])),
    moduleEpisodeReturns: Object.fromEntries(moduleIds.map((id) => [id, []])),
    inferenceMs: 0,
    envStepMs: 0,
    sampleMs: 0,
  };
}
