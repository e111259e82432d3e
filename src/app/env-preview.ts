/**
 * A live picture of the current policy: one page-side copy of the training env, stepped with the
 * learner module's greedy actions at a steady frame rate and drawn with the env's own render().
 * Before anything is built it shows the form's env reset with the form's seed (drawn once); once a
 * policy exists it plays it, during a run and after it ends (stop criterion or Stop) alike, until
 * the algorithm is reset.
 * It never touches the EnvRunners, so it costs training one batch-of-1 forward pass per frame.
 * (The learner yields to the page every ~40 ms of work, so frames keep coming during updates,
 * at a lower rate on wasm.)
 */
import type { VectorEnv } from '../envs';
import { makeVectorEnv } from '../envs';
import { errorMessage } from '../core/errors';
import type { TrainerApp } from './trainer-app';

export interface PreviewEnvSpec {
  readonly env: string;
  readonly envConfig: Readonly<Record<string, unknown>>;
  readonly maxEpisodeSteps: number | null;
}

/** What the preview shows: the env's initial state, the policy while it trains, or the last policy after a run. */
export type PreviewMode = 'initial' | 'training' | 'last-policy';

export interface PreviewStats {
  readonly envId: string;
  readonly mode: PreviewMode;
  /** Whether a policy drives the env (false: nothing built yet, the env stands still). */
  readonly playing: boolean;
  /** The seed the preview env was reset with (the built algorithm's, else the form's, else 0). */
  readonly seed: number;
  readonly episodeReturn: number;
  readonly episodeLength: number;
  /** Return of the last finished preview episode. */
  readonly lastReturn: number | null;
  readonly episodes: number;
  readonly error: string | null;
}

const IDLE_STATS: PreviewStats = {
  envId: '',
  mode: 'initial',
  playing: false,
  seed: 0,
  episodeReturn: 0,
  episodeLength: 0,
  lastReturn: null,
  episodes: 0,
  error: null,
};

export class EnvPreview {
  private env: VectorEnv | null = null;
  private envKey = '';
  private fallback: PreviewEnvSpec | null = null;
  private fallbackSeed: number | null = null;
  private inFlight = false;
  private lastStepMs = 0;
  private stats: PreviewStats = IDLE_STATS;
  /** With no policy the env stands still: one drawn frame is enough until the env or the canvas changes. */
  private stillFrameDrawn = false;
  /** Called after every drawn frame that changed the stats. */
  onStats: ((s: PreviewStats) => void) | null = null;

  constructor(
    private readonly app: TrainerApp,
    /** Frames (env steps) per second; Gymnasium's classic-control render_fps is 30-50. */
    private readonly fps = 30,
  ) {}

  /** The env (and seed, null: 0) to show while nothing is built: the form's choice. */
  setFallbackEnv(spec: PreviewEnvSpec | null, seed: number | null = null): void {
    this.fallback = spec;
    this.fallbackSeed = seed;
  }

  /** Starts drawing into `canvas` (sized to its CSS box); returns a function that stops it. */
  attach(canvas: HTMLCanvasElement): () => void {
    const ctx = canvas.getContext('2d');
    if (!ctx) return () => undefined;
    let visible = true;
    let raf = 0;
    const resize = (): void => {
      const dpr = Math.min(2, window.devicePixelRatio || 1);
      canvas.width = Math.max(1, Math.round(canvas.clientWidth * dpr));
      canvas.height = Math.max(1, Math.round(canvas.clientHeight * dpr));
      this.draw(ctx); // resizing clears the canvas
    };
    const sizeObserver = new ResizeObserver(resize);
    sizeObserver.observe(canvas);
    // Off screen (scrolled away, collapsed panel): no inference, no drawing.
    const viewObserver = new IntersectionObserver((entries) => {
      visible = entries.some((e) => e.isIntersecting);
    });
    viewObserver.observe(canvas);
    const frame = (now: number): void => {
      raf = requestAnimationFrame(frame);
      if (!visible || now - this.lastStepMs < 1000 / this.fps) return;
      this.lastStepMs = now;
      this.ensureEnv();
      if (!this.inFlight) void this.advance(ctx);
    };
    raf = requestAnimationFrame(frame);
    return () => {
      cancelAnimationFrame(raf);
      sizeObserver.disconnect();
      viewObserver.disconnect();
    };
  }

  /** The built algorithm's env and seed; the form's while nothing is built. */
  private current(): { spec: PreviewEnvSpec; seed: number } | null {
    const algo = this.app.status === 'building' ? null : this.app.algorithm;
    if (algo) return { spec: algo.config.environment, seed: algo.seed };
    return this.fallback ? { spec: this.fallback, seed: this.fallbackSeed ?? 0 } : null;
  }

  private ensureEnv(): void {
    const current = this.current();
    const key = current ? JSON.stringify(current) : '';
    if (key === this.envKey) return;
    this.envKey = key;
    this.env = null;
    this.stillFrameDrawn = false;
    this.stats = { ...IDLE_STATS, envId: current?.spec.env ?? '', seed: current?.seed ?? 0 };
    if (!current) return;
    const { spec, seed } = current;
    try {
      const env = makeVectorEnv(spec.env, {
        numEnvs: 1,
        seed,
        envConfig: spec.envConfig,
        maxEpisodeSteps: spec.maxEpisodeSteps ?? undefined,
      });
      env.reset(seed);
      this.env = env;
    } catch (e) {
      this.stats = { ...this.stats, error: errorMessage(e) };
    }
  }

  /** One env step with the policy's greedy action (if a policy exists), then a redraw. */
  private async advance(ctx: CanvasRenderingContext2D): Promise<void> {
    const env = this.env;
    const algo = this.app.status === 'building' ? null : this.app.algorithm;
    if (!env || !algo) {
      // Redrawing a still env 30 times a second kept ~10% of a core busy on an idle page.
      if (this.stillFrameDrawn && !this.stats.playing) return;
      this.stats = { ...this.stats, playing: false, mode: 'initial' };
      this.draw(ctx);
      this.stillFrameDrawn = true;
      return;
    }
    this.inFlight = true;
    try {
      const actions = await algo.computeActions(env.obs, 1);
      if (env !== this.env) return; // the env changed while the policy was thinking
      clipToSpace(env, actions);
      env.step(actions);
      this.afterStep(env, this.app.status === 'training' || this.app.status === 'paused' ? 'training' : 'last-policy');
    } catch (e) {
      // The algorithm was rebuilt or disposed mid-call, or a chaos env crashed: start over quietly.
      if (env === this.env) env.reset();
      this.stats = {
        ...this.stats,
        episodeReturn: 0,
        episodeLength: 0,
        error: this.app.algorithm === algo ? errorMessage(e) : null,
      };
    } finally {
      this.inFlight = false;
    }
    this.draw(ctx);
  }

  private afterStep(env: VectorEnv, mode: PreviewMode): void {
    const s = { ...this.stats, mode };
    const episodeReturn = s.episodeReturn + env.rewards[0]!;
    const done = env.terminated[0] === 1 || env.truncated[0] === 1;
    this.stats = done
      ? {
          ...s,
          playing: true,
          episodeReturn: 0,
          episodeLength: 0,
          lastReturn: episodeReturn,
          episodes: s.episodes + 1,
          error: null,
        }
      : { ...s, playing: true, episodeReturn, episodeLength: s.episodeLength + 1, error: null };
  }

  private draw(ctx: CanvasRenderingContext2D): void {
    try {
      this.env?.render(0, ctx);
    } catch {
      // A custom env without a picture: leave the canvas as it is.
    }
    this.onStats?.(this.stats);
  }
}

/** Gymnasium clips continuous actions to the Box before stepping (ClipAction); greedy means can leave it. */
function clipToSpace(env: VectorEnv, actions: Int32Array | Float32Array): void {
  const space = env.singleActionSpace;
  if (space.kind !== 'box') return;
  for (let k = 0; k < actions.length; k++) {
    const d = k % space.low.length;
    actions[k] = Math.min(space.high[d]!, Math.max(space.low[d]!, actions[k]!));
  }
}
