/**
 * The embed bridge: when the app runs inside an iframe (teaching material, `<rl-trainer>`), it
 * tells the host page what happens with `window.parent.postMessage`, and takes a few commands
 * back. Every message carries `source: 'browser-rl'` so a host can tell ours from others.
 *
 * Out (to the parent):
 *   { source, type: 'ready' }                                      the page is up
 *   { source, type: 'progress', iteration, envSteps, episodeReturnMean, ... }   after every iteration
 *   { source, type: 'episode', iteration, numEpisodes, episodeReturnMean, episodeReturnMin,
 *     episodeReturnMax, episodeLenMean }                             episodes finished in that iteration
 *   { source, type: 'done', reason, criterion, iterations, error, ... }        training ended
 *   { source, type: 'error', message }                               build or training failed
 * In (from the parent): { type: 'train' | 'pause' | 'resume' | 'stop' }
 *
 * The bridge starts only when the URL says `embed=1` (a page framed without asking for it talks to
 * nobody). Commands are accepted only from the parent window. With `allow_origin=<origin>` in the
 * URL (`allow-origin` on `<rl-trainer>`) they are accepted only from that origin and every message
 * is posted to that origin alone; without it, messages go to any origin ('*'): they hold only
 * numbers and strings.
 */
import { RLError } from '../core/errors';
import * as K from '../core/metric-keys';
import type { ResultDict } from '../core/metric-keys';
import type { RunSummary, TrainerApp } from './trainer-app';

export const EMBED_SOURCE = 'browser-rl';

export type EmbedCommand = 'train' | 'pause' | 'resume' | 'stop';

export interface ProgressMessage {
  readonly type: 'progress';
  readonly iteration: number;
  readonly envSteps: number;
  readonly episodeReturnMean: number | null;
  readonly episodeLenMean: number | null;
  readonly envStepsPerSecond: number | null;
  readonly timeTotalS: number | null;
}

export interface EpisodeMessage {
  readonly type: 'episode';
  readonly iteration: number;
  readonly numEpisodes: number;
  readonly episodeReturnMean: number | null;
  readonly episodeReturnMin: number | null;
  readonly episodeReturnMax: number | null;
  readonly episodeLenMean: number | null;
}

export interface DoneMessage {
  readonly type: 'done';
  readonly reason: RunSummary['reason'];
  readonly criterion: string | null;
  readonly iterations: number;
  readonly envSteps: number | null;
  readonly episodeReturnMean: number | null;
  readonly error: string | null;
}

export type EmbedMessage =
  | { readonly type: 'ready' }
  | ProgressMessage
  | EpisodeMessage
  | DoneMessage
  | { readonly type: 'error'; readonly message: string };

/** True inside an iframe (or any window with a different parent). */
export function isEmbedded(): boolean {
  try {
    return window.parent !== window;
  } catch {
    return true;
  }
}

/**
 * The origin in `allow_origin`, normalised (`https://host:port`); throws for anything but an
 * http(s) origin, so a typo never falls back to accepting every origin.
 */
export function parseAllowOrigin(raw: string): string {
  let url: URL | null;
  try {
    url = new URL(raw);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new RLError(
      'config/allow-origin',
      `allow_origin must be an http(s) origin such as https://example.org, got '${raw}'; the embed bridge is off.`,
    );
  }
  return url.origin;
}

/** A finite number from a result, or null (JSON has no NaN). */
function num(result: ResultDict | null, key: string): number | null {
  const v = result?.[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function progressMessage(r: ResultDict): ProgressMessage {
  return {
    type: 'progress',
    iteration: num(r, K.TRAINING_ITERATION) ?? 0,
    envSteps: num(r, K.NUM_ENV_STEPS_SAMPLED_LIFETIME) ?? 0,
    episodeReturnMean: num(r, K.EPISODE_RETURN_MEAN),
    episodeLenMean: num(r, K.EPISODE_LEN_MEAN),
    envStepsPerSecond: num(r, K.NUM_ENV_STEPS_SAMPLED_PER_SECOND),
    timeTotalS: num(r, K.TIME_TOTAL_S),
  };
}

/** Episodes are reported per iteration (the runners return them in batches), over RLlib's 100-episode window. */
export function episodeMessage(r: ResultDict): EpisodeMessage | null {
  const numEpisodes = num(r, K.NUM_EPISODES) ?? 0;
  if (numEpisodes === 0) return null;
  return {
    type: 'episode',
    iteration: num(r, K.TRAINING_ITERATION) ?? 0,
    numEpisodes,
    episodeReturnMean: num(r, K.EPISODE_RETURN_MEAN),
    episodeReturnMin: num(r, K.EPISODE_RETURN_MIN),
    episodeReturnMax: num(r, K.EPISODE_RETURN_MAX),
    episodeLenMean: num(r, K.EPISODE_LEN_MEAN),
  };
}

export function doneMessage(s: RunSummary): DoneMessage {
  return {
    type: 'done',
    reason: s.reason,
    criterion: s.criterion,
    iterations: s.iterations,
    envSteps: num(s.lastResult, K.NUM_ENV_STEPS_SAMPLED_LIFETIME),
    episodeReturnMean: num(s.lastResult, K.EPISODE_RETURN_MEAN),
    error: s.error,
  };
}

export class EmbedBridge {
  private readonly unsubscribe: (() => void)[] = [];
  /** The only origin commands come from and messages go to; null: any. */
  private readonly allowOrigin: string | null;

  constructor(
    private readonly app: TrainerApp,
    private readonly onCommand: (command: EmbedCommand) => void,
    /** `allow_origin` from the URL, checked by parseAllowOrigin (throws when it is not an origin). */
    allowOrigin: string | null = null,
    private readonly target: Window = window.parent,
  ) {
    this.allowOrigin = allowOrigin === null ? null : parseAllowOrigin(allowOrigin);
  }

  /** Subscribes to results and commands, then announces itself; returns a function that stops it. */
  start(): () => void {
    this.unsubscribe.push(
      this.app.on('result', (r) => {
        this.post(progressMessage(r));
        const episodes = episodeMessage(r);
        if (episodes) this.post(episodes);
      }),
    );
    const onMessage = (event: MessageEvent<unknown>): void => {
      if (event.source !== this.target) return;
      if (this.allowOrigin !== null && event.origin !== this.allowOrigin) return;
      const type = (event.data as { type?: unknown } | null)?.type;
      if (type === 'train' || type === 'pause' || type === 'resume' || type === 'stop') this.onCommand(type);
    };
    window.addEventListener('message', onMessage);
    this.unsubscribe.push(() => window.removeEventListener('message', onMessage));
    this.post({ type: 'ready' });
    return () => this.unsubscribe.splice(0).forEach((f) => f());
  }

  done(summary: RunSummary): void {
    this.post(doneMessage(summary));
  }

  error(message: string): void {
    this.post({ type: 'error', message });
  }

  private post(message: EmbedMessage): void {
    this.target.postMessage({ source: EMBED_SOURCE, ...message }, this.allowOrigin ?? '*');
  }
}
