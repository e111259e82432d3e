/**
 * MultiAgentEnvRunner: steps one multi-agent vector env with one inference module per module id
 * and returns one SampleBatch per module (RLlib's MultiAgentEnvRunner, over typed arrays).
 *
 * Per step: ONE batched forward per module over every lane (copy, agent slot) mapped to it, then
 * one env step. Lanes whose agent is not alive are computed too (fixed shapes, no gathers of a
 * varying size) and not staged. Env steps count copies stepped; agent steps count agents that acted.
 * Modules act in Discrete or Box action spaces (one pair of spaces per module). With batchMode
 * 'complete_episodes' (RLlib's, as the single-agent EnvRunner does it) every copy is reset at the
 * start of a call, the call runs until the env episodes that ended hold rolloutFragmentLength x
 * numEnvs env steps, and only those episodes' steps are returned and counted.
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
import type { EnvRunnerMetrics, ExplorationState } from './env-runner-config';
import {
  emptyBatch,
  emptyMetrics,
  ModuleStaging,
  sameSpaces,
  type MultiAgentRunnerMetrics,
} from './multi-agent-staging';
import { buildRunnerStacks, type RunnerStacks } from './runner-stack';

export type { MultiAgentRunnerMetrics } from './multi-agent-staging';
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
  /** RLlib's batch_mode; default 'truncate_episodes'. */
  readonly batchMode?: 'truncate_episodes' | 'complete_episodes';
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

interface ModuleLanes {
  readonly id: string;
  readonly module: InferenceModule;
  /** Env lane index (copy * maxAgents + slot) of each of this module's lanes. */
  readonly lanes: Int32Array;
  readonly obsDim: number;
  /** Scalars per action: 1 for Discrete, the Box size otherwise. */
  readonly actionDim: number;
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
  private readonly envActions: Int32Array | Float32Array;
  private weightsSeq = -1;
  private episodeCounter = 0;
  /** Per lane: the agent's current episode id, return, and whether it acted in this env episode. */
  private readonly agentEpisodeIds: Float64Array;
  private readonly agentReturns: Float64Array;
  private readonly participated: Uint8Array;
  private readonly envReturns: Float64Array;
  private readonly envLengths: Int32Array;
  /** complete_episodes: per copy, the last step of this call at which its env episode ended (-1: none). */
  private readonly lastEndT: Int32Array;

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
    const discrete = env.actionSpaces.every((a) => a.kind === 'discrete');
    this.envActions = discrete ? new Int32Array(lanes * env.actionStride) : new Float32Array(lanes * env.actionStride);
    this.agentEpisodeIds = new Float64Array(lanes);
    this.agentReturns = new Float64Array(lanes);
    this.participated = new Uint8Array(lanes);
    this.envReturns = new Float64Array(env.numEnvs);
    this.envLengths = new Int32Array(env.numEnvs);
    this.lastEndT = new Int32Array(env.numEnvs);
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
      if (
        !sameSpaces(env.observationSpaces[slot]!, observationSpace) ||
        !sameSpaces(env.actionSpaces[slot]!, actionSpace)
      ) {
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
    const n = lanes.length;
    const obsDim = flatDim(observationSpace);
    const discrete = actionSpace.kind === 'discrete';
    const actionDim = flatDim(actionSpace);
    return {
      id,
      module: view ?? makeRLModule(this.settings.module, { observationSpace, actionSpace }, this.settings.seed + m),
      lanes,
      obsDim,
      actionDim,
      obsIn: new Float32Array(n * obsDim),
      out: {
        actions: discrete ? new Int32Array(n) : new Float32Array(n * actionDim),
        actionLogp: new Float32Array(n),
        vfPreds: new Float32Array(n),
      },
      staging: new ModuleStaging(n, obsDim, actionDim, discrete),
    };
  }

  /** Observation and action space of module `m` (its first agent slot's). */
  moduleSpaces(m: number): { observationSpace: Space; actionSpace: Space } {
    const slot = Math.max(0, this.settings.moduleOfSlot.indexOf(m));
    return { observationSpace: this.env.observationSpaces[slot]!, actionSpace: this.env.actionSpaces[slot]! };
  }

  /**
   * Every module's weights in one object (packModuleWeights), as the EnvRunnerGroup syncs them, and
   * the exploration state sent with them (DQN's epsilon, the same for every module).
   */
  setPackedWeights(packed: ModuleWeights, seq: number, exploration?: ExplorationState): boolean {
    return this.setWeights(Object.fromEntries(unpackModuleWeights(packed)), seq, exploration);
  }

  setWeights(weights: Readonly<Record<string, ModuleWeights>>, seq: number, exploration?: ExplorationState): boolean {
    if (seq <= this.weightsSeq) return false;
    for (const m of this.modules) {
      const w = weights[m.id];
      if (w) m.module.setWeights(w);
      if (exploration?.epsilon !== undefined) m.module.setEpsilon?.(exploration.epsilon);
    }
    this.weightsSeq = seq;
    return true;
  }

  async sample(): Promise<{ batches: Record<string, SampleBatch>; metrics: MultiAgentRunnerMetrics }> {
    const t0 = performance.now();
    const env = this.env;
    const fragment = this.settings.rolloutFragmentLength;
    const complete = this.settings.batchMode === 'complete_episodes';
    const metrics = emptyMetrics(this.settings.moduleIds, env.agentIds);
    if (complete) this.resetAll();
    this.lastEndT.fill(-1);
    let completedEnvSteps = 0;
    let t = 0;
    for (; complete ? completedEnvSteps < fragment * env.numEnvs : t < fragment; t++) {
      if (turnDue(YIELD_EVERY_MS)) await takeTurn();
      for (const m of this.modules) m.staging.ensureCapacity(t + 1);
      const tInfer = performance.now();
      if (this.stacks) await this.actStacked(this.stacks, t);
      else for (const m of this.modules) await this.actModule(m, t);
      const tEnv = performance.now();
      metrics.inferenceMs += tEnv - tInfer;
      env.step(this.envActions);
      metrics.envStepMs += performance.now() - tEnv;
      for (const m of this.modules) this.recordModuleStep(m, t);
      completedEnvSteps += this.recordEnvStep(metrics, t);
    }
    const batches = idRecord<SampleBatch>();
    for (const m of this.modules) {
      this.gatherObs(m);
      const keepUntil = complete ? this.keepUntil(m) : undefined;
      const batch = m.staging.toBatch(t, m.obsIn, this.weightsSeq, keepUntil);
      batches[m.id] = batch;
      metrics.agentStepsByModule[m.id] = batch.numSteps;
    }
    metrics.numEnvSteps = complete ? completedEnvSteps : t * env.numEnvs;
    metrics.numAgentSteps = Object.values(metrics.agentStepsByModule).reduce((a, b) => a + b, 0);
    metrics.sampleMs = performance.now() - t0;
    return { batches, metrics };
  }

  /** complete_episodes: per module lane, the last step kept (its copy's last episode end). */
  private keepUntil(m: ModuleLanes): Int32Array {
    const out = new Int32Array(m.lanes.length);
    for (let j = 0; j < m.lanes.length; j++) out[j] = this.lastEndT[Math.floor(m.lanes[j]! / this.env.maxAgents)]!;
    return out;
  }

  /** Starts every copy afresh (complete_episodes): episodes in progress are dropped, ids renewed. */
  private resetAll(): void {
    this.env.reset();
    this.agentReturns.fill(0);
    this.participated.fill(0);
    this.envReturns.fill(0);
    this.envLengths.fill(0);
    for (let l = 0; l < this.agentEpisodeIds.length; l++) this.agentEpisodeIds[l] = this.newEpisodeId();
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
  async computeActions(obs: Float32Array, batchSize: number): Promise<Int32Array | Float32Array> {
    const first = this.modules[0]!;
    const size = batchSize * first.actionDim;
    const actions = first.out.actions instanceof Int32Array ? new Int32Array(size) : new Float32Array(size);
    await first.module.forwardInference(obs, batchSize, { actions });
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
    const a = m.actionDim;
    const stride = env.actionStride;
    for (let j = 0; j < n; j++) {
      const lane = m.lanes[j]!;
      const k = t * n + j;
      for (let i = 0; i < a; i++) this.envActions[lane * stride + i] = m.out.actions[j * a + i]!;
      if (!env.alive[lane]) {
        st.status[k] = 0;
        continue;
      }
      st.status[k] = 1;
      st.obs.set(m.obsIn.subarray(j * d, j * d + d), k * d);
      for (let i = 0; i < a; i++) st.actions[k * a + i] = m.out.actions[j * a + i]!;
      st.actionLogp[k] = this.settings.explore ? m.out.actionLogp[j]! : 0;
      st.vfPreds[k] = this.settings.explore ? m.out.vfPreds[j]! : 0;
      st.episodeIds[k] = this.agentEpisodeIds[lane]!;
      this.participated[lane] = 1;
    }
  }

  /** Rewards and flags of the lanes that acted at t. */
  private recordModuleStep(m: ModuleLanes, t: number): void {
    const env = this.env;
    const n = m.lanes.length;
    const st = m.staging;
    const d = m.obsDim;
    for (let j = 0; j < n; j++) {
      const k = t * n + j;
      if (!st.status[k]) continue;
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
  }

  /**
   * Env-episode bookkeeping per copy: lengths, summed returns, per-agent and per-module returns.
   * Returns the env steps of the episodes that ended at step t.
   */
  private recordEnvStep(metrics: MultiAgentRunnerMetrics, t: number): number {
    let ended = 0;
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
      ended += this.envLengths[e]!;
      this.lastEndT[e] = t;
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
    return ended;
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
