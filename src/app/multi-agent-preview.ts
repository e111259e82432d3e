/**
 * The live picture of a multi-agent run: one page-side copy of the multi-agent env, every alive
 * agent acting with its module's greedy action (one forward per module per frame), drawn as ONE
 * selected agent sees it (the env's render(copy, ctx, slot): CoinChase draws the grid with that
 * player marked, MultiAgentCartPole that agent's cart). The numbers are that agent's.
 * Like EnvPreview it never touches the EnvRunners; before a build it shows the env's first state.
 */
import { errorMessage } from '../core/errors';
import { makeMultiAgentVectorEnv, type MultiAgentVectorEnv } from '../envs/multi-agent';
import type { PreviewEnvSpec, PreviewMode } from './env-preview';
import type { TrainerApp } from './trainer-app';

/** What the preview needs of a multi-agent algorithm (MultiAgentPPO has it; duck-typed: no TF.js here). */
interface MultiAgentPolicy {
  readonly moduleOfAgent: Readonly<Record<string, string>>;
  computeModuleActions(moduleId: string, obs: Float32Array, batchSize: number): Promise<Int32Array | Float32Array>;
}

function asMultiAgent(algo: unknown): MultiAgentPolicy | null {
  return algo !== null && typeof algo === 'object' && 'computeModuleActions' in algo && 'moduleOfAgent' in algo
    ? (algo as MultiAgentPolicy)
    : null;
}

export interface MultiAgentPreviewStats {
  readonly envId: string;
  readonly mode: PreviewMode;
  readonly playing: boolean;
  readonly agentIds: readonly string[];
  /** The agent drawn and counted. */
  readonly agent: string;
  readonly module: string | null;
  readonly alive: boolean;
  readonly episodeReturn: number;
  readonly episodeLength: number;
  readonly lastReturn: number | null;
  readonly error: string | null;
}

export class MultiAgentPreview {
  private env: MultiAgentVectorEnv | null = null;
  private envKey = '';
  private fallback: PreviewEnvSpec | null = null;
  private slot = 0;
  private inFlight = false;
  private lastStepMs = 0;
  private stats: MultiAgentPreviewStats | null = null;
  onStats: ((s: MultiAgentPreviewStats) => void) | null = null;

  constructor(
    private readonly app: TrainerApp,
    private readonly fps = 15,
  ) {}

  setFallbackEnv(spec: PreviewEnvSpec | null): void {
    this.fallback = spec;
  }

  /** Draws agent `agentId` from now on (unknown ids are ignored). */
  selectAgent(agentId: string): void {
    const slot = this.env?.agentIds.indexOf(agentId) ?? -1;
    if (slot < 0 || slot === this.slot) return;
    this.slot = slot;
    this.update({ agent: agentId, episodeReturn: 0, episodeLength: 0, lastReturn: null });
  }

  attach(canvas: HTMLCanvasElement): () => void {
    const ctx = canvas.getContext('2d');
    if (!ctx) return () => undefined;
    let raf = 0;
    const resize = (): void => {
      const dpr = Math.min(2, window.devicePixelRatio || 1);
      canvas.width = Math.max(1, Math.round(canvas.clientWidth * dpr));
      canvas.height = Math.max(1, Math.round(canvas.clientHeight * dpr));
      this.draw(ctx);
    };
    const sizeObserver = new ResizeObserver(resize);
    sizeObserver.observe(canvas);
    const frame = (now: number): void => {
      raf = requestAnimationFrame(frame);
      if (now - this.lastStepMs < 1000 / this.fps) return;
      this.lastStepMs = now;
      this.ensureEnv();
      if (!this.inFlight) void this.advance(ctx);
    };
    raf = requestAnimationFrame(frame);
    return () => {
      cancelAnimationFrame(raf);
      sizeObserver.disconnect();
    };
  }

  private current(): { spec: PreviewEnvSpec; seed: number } | null {
    const algo = this.app.status === 'building' ? null : this.app.algorithm;
    if (algo) return { spec: algo.config.environment, seed: algo.seed };
    return this.fallback ? { spec: this.fallback, seed: 0 } : null;
  }

  private ensureEnv(): void {
    const current = this.current();
    const key = current ? JSON.stringify(current) : '';
    if (key === this.envKey) return;
    this.envKey = key;
    this.env = null;
    if (!current) return;
    try {
      const env = makeMultiAgentVectorEnv(current.spec.env, {
        numEnvs: 1,
        seed: current.seed,
        envConfig: current.spec.envConfig,
        maxEpisodeSteps: current.spec.maxEpisodeSteps,
      });
      env.reset(current.seed);
      this.env = env;
      this.slot = Math.min(this.slot, env.maxAgents - 1);
      this.stats = null;
      this.update({ envId: current.spec.env, agentIds: env.agentIds, agent: env.agentIds[this.slot]! });
    } catch (e) {
      this.update({ envId: current.spec.env, error: errorMessage(e) });
    }
  }

  /** One env step: per module, one greedy forward over the alive agents mapped to it. */
  private async advance(ctx: CanvasRenderingContext2D): Promise<void> {
    const env = this.env;
    const policy = asMultiAgent(this.app.status === 'building' ? null : this.app.algorithm);
    if (!env || !policy) {
      this.update({ playing: false, mode: 'initial', module: null });
      this.draw(ctx);
      return;
    }
    this.inFlight = true;
    try {
      const size = env.maxAgents * env.actionStride;
      const discrete = env.actionSpaces.every((a) => a.kind === 'discrete');
      const actions = discrete ? new Int32Array(size) : new Float32Array(size);
      const byModule = new Map<string, number[]>();
      for (const [slot, id] of env.agentIds.entries()) {
        const mod = policy.moduleOfAgent[id];
        if (mod !== undefined && env.alive[slot]) byModule.set(mod, [...(byModule.get(mod) ?? []), slot]);
      }
      for (const [mod, slots] of byModule) {
        const d = env.observationSpaces[slots[0]!]!.shape.reduce((a, b) => a * b, 1);
        const obs = new Float32Array(slots.length * d);
        slots.forEach((s, j) => obs.set(env.obs.subarray(s * env.obsStride, s * env.obsStride + d), j * d));
        const a = await policy.computeModuleActions(mod, obs, slots.length);
        // Box actions: a row of actionDim numbers per agent.
        const width = a.length / slots.length;
        slots.forEach((s, j) => actions.set(a.subarray(j * width, (j + 1) * width), s * env.actionStride));
      }
      if (env !== this.env) return;
      const wasAlive = env.alive[this.slot] === 1;
      env.step(actions);
      this.afterStep(env, wasAlive, policy);
    } catch (e) {
      if (env === this.env) env.reset();
      this.update({ episodeReturn: 0, episodeLength: 0, error: errorMessage(e) });
    } finally {
      this.inFlight = false;
    }
    this.draw(ctx);
  }

  private afterStep(env: MultiAgentVectorEnv, wasAlive: boolean, policy: MultiAgentPolicy): void {
    const s = this.stats!;
    const mode: PreviewMode =
      this.app.status === 'training' || this.app.status === 'paused' ? 'training' : 'last-policy';
    const agent = env.agentIds[this.slot]!;
    const episodeReturn = s.episodeReturn + (wasAlive ? env.rewards[this.slot]! : 0);
    const ended = env.terminatedAll[0] === 1 || env.truncatedAll[0] === 1;
    this.update({
      mode,
      playing: true,
      agent,
      module: policy.moduleOfAgent[agent] ?? null,
      alive: env.alive[this.slot] === 1,
      episodeReturn: ended ? 0 : episodeReturn,
      episodeLength: ended ? 0 : s.episodeLength + 1,
      lastReturn: ended ? episodeReturn : s.lastReturn,
      error: null,
    });
  }

  private update(patch: Partial<MultiAgentPreviewStats>): void {
    this.stats = {
      envId: '',
      mode: 'initial',
      playing: false,
      agentIds: [],
      agent: '',
      module: null,
      alive: true,
      episodeReturn: 0,
      episodeLength: 0,
      lastReturn: null,
      error: null,
      ...this.stats,
      ...patch,
    };
  }

  private draw(ctx: CanvasRenderingContext2D): void {
    try {
      this.env?.render(0, ctx, this.slot);
    } catch {
      // An env without a picture: leave the canvas as it is.
    }
    if (this.stats) this.onStats?.(this.stats);
  }
}
