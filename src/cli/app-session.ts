/**
 * The runner's handle on the app in headless Chromium: opens the page, calls `window.rl` (the run
 * and its namespaces: `checkpoints.exportJson`, `sweeps.run`, ...), and
 * turns a renderer crash (a worker out of memory can take the tab down with no error event) into
 * a PageCrashedError instead of a call that never returns, so the loop can reopen and resume.
 */
import { chromium, type Browser, type ConsoleMessage, type Page } from '@playwright/test';
import type { BuiltRun, FailureEvent, ResultDict, RunSummary, TrainOptions } from '../app';
import type { TrialView, TuneEvent, TuneRunOptions } from '../app/tune-session';
import type { EnvSpec } from '../envs/types';
import type { RunDiagnostics } from '../app/run-diagnostics';
import type { SampleSummary } from '../diagnostics';
import { chromiumArgs, useChromiumSandbox } from './browser';
import {
  CHUNK_BYTES,
  FILE_BINDINGS,
  RECORDING_KEY,
  copyRecordingToFile,
  installChunkedFileReader,
  offlineFileChunk,
  offlineFileSize,
  recordAndKeep,
  recordingChunk,
  type RecordingSummary,
} from './page-files';
import { paintChart, pngFromDataUrl, type ChartDrawing } from './return-chart';

export type LearnerBackend = 'webgpu' | 'wasm' | 'cpu';

/** The page (renderer) or the whole browser went away. */
export class PageCrashedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PageCrashedError';
  }
}

/** An error thrown inside the page, with the app's error code (`config/invalid`, `device/no-webgpu`, ...). */
export class PageError extends Error {
  constructor(
    readonly code: string | null,
    message: string,
    readonly pageStack: string | null,
  ) {
    super(message);
    this.name = 'PageError';
  }
}

type CallResult =
  { ok: true; value: unknown } | { ok: false; error: { code: string | null; message: string; stack: string | null } };

export interface SessionOptions {
  readonly executablePath: string;
  readonly webgpu: boolean;
  readonly url: string;
  /** Env modules (URL paths on the app's server) to load into the page, in order, on every open. */
  readonly envModules?: readonly string[];
  /** Browser console errors/warnings and page errors, one line each. */
  readonly onConsole: (line: string) => void;
  /** Each runner failure, restart and give-up (the supervisor's log), as it happens. */
  readonly onRunnerEvent?: (event: FailureEvent) => void;
}

/** The page-side name of the binding that carries supervisor events to Node. */
const RUNNER_EVENT_BINDING = '__rlCliRunnerEvent';
/** The page-side name of the binding that carries a sweep's trial events to Node (npm run tune). */
const TUNE_EVENT_BINDING = '__rlCliTuneEvent';
/** The page-side name of the binding that carries each result of a train() call to Node. */
const RESULT_BINDING = '__rlCliResult';
/** Where the page keeps, between two calls, the result subscription of train() and the long-task watch. */
const RESULT_SUBSCRIPTION_KEY = '__rlCliResultOff';
const LONG_TASKS_KEY = '__rlCliLongTasks';

// tsx compiles with esbuild's keepNames, which wraps inner functions in `__name(...)`; functions
// passed to page.evaluate run in the page, where that helper does not exist.
const KEEP_NAMES_SHIM = 'globalThis.__name = globalThis.__name || ((fn) => fn);';

/** What the page built: its config, device and seed, and validate()'s warnings, which only the page can give (it knows the cores and the GPU). */
export type BuiltInfo = BuiltRun;

/**
 * Runs in the page: sends every new supervisor event to Node through the binding, on each runner
 * change and once a second ('restarted' is logged after the runner's last state change). A rebuilt
 * algorithm has a new log, which starts from its first event again.
 */
function forwardRunnerEvents(binding: string): void {
  const send = (window as unknown as Record<string, (e: FailureEvent) => void>)[binding];
  if (!send) return;
  let log: readonly FailureEvent[] = [];
  let sent = 0;
  const flush = (): void => {
    const now = window.rl.faults.log();
    if (now !== log) [log, sent] = [now, 0];
    for (; sent < log.length; sent++) send(log[sent]!);
  };
  window.rl.on('runners', flush);
  setInterval(flush, 1000);
}

export class AppSession {
  private browser: Browser | null = null;
  private page: Page | null = null;
  private crashed: Promise<never> = new Promise(() => {});
  /** Where the results of the train() call in progress go. */
  private onResult: ((r: ResultDict, seconds: number) => void) | null = null;

  constructor(private readonly opts: SessionOptions) {}

  /** Launches Chromium if needed and opens a fresh app page. */
  async open(): Promise<void> {
    if (!this.browser?.isConnected()) {
      this.browser = await chromium.launch({
        executablePath: this.opts.executablePath,
        args: chromiumArgs({ webgpu: this.opts.webgpu }),
        chromiumSandbox: useChromiumSandbox(),
        // The runner saves a checkpoint on Ctrl-C before closing the browser itself.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
    }
    const browser = this.browser;
    const page = await browser.newPage();
    this.page = page;
    this.crashed = new Promise<never>((_, reject) => {
      page.on('crash', () => reject(new PageCrashedError('the page crashed (renderer process died)')));
      browser.on('disconnected', () => reject(new PageCrashedError('the browser disconnected')));
    });
    this.crashed.catch(() => {}); // observed through race(); never an unhandled rejection
    page.on('console', (m) => this.console(m));
    page.on('pageerror', (e) => this.opts.onConsole(`[pageerror] ${e.message}`));
    await page.addInitScript({ content: KEEP_NAMES_SHIM });
    const onRunnerEvent = this.opts.onRunnerEvent;
    if (onRunnerEvent) await page.exposeFunction(RUNNER_EVENT_BINDING, (e: FailureEvent) => onRunnerEvent(e));
    await page.exposeFunction(FILE_BINDINGS.stat, offlineFileSize);
    await page.exposeFunction(FILE_BINDINGS.chunk, offlineFileChunk);
    await page.exposeFunction(RESULT_BINDING, (r: ResultDict, seconds: number) => this.onResult?.(r, seconds));
    await this.race(page.goto(this.opts.url));
    // A page whose scripts throw while loading (a user env in user-envs.ts) never gets window.rl;
    // main.ts sets rlBootError instead, so the failure is reported now, not after a timeout.
    await this.race(
      page.waitForFunction(() => typeof window.rl === 'object' || window.rlBootError !== undefined, null, {
        timeout: 120_000,
      }),
    );
    const boot = await this.race(page.evaluate(() => window.rlBootError ?? null));
    if (boot) throw new PageError(boot.code, boot.message, boot.stack);
    for (const url of this.opts.envModules ?? []) await this.call('envs.load', [url]);
    if (onRunnerEvent) await this.race(page.evaluate(forwardRunnerEvents, RUNNER_EVENT_BINDING));
    await this.race(page.evaluate(installChunkedFileReader, { ...FILE_BINDINGS, chunkBytes: CHUNK_BYTES }));
  }

  private console(m: ConsoleMessage): void {
    if (m.type() !== 'error' && m.type() !== 'warning') return;
    const loc = m.location();
    const where = loc.url ? ` (${loc.url.replace(this.opts.url, '')}:${loc.lineNumber})` : '';
    this.opts.onConsole(`[${m.type()}] ${m.text()}${where}`);
  }

  private get livePage(): Page {
    if (!this.page) throw new PageCrashedError('no page is open');
    return this.page;
  }

  /** Resolves like `p`, or rejects with PageCrashedError as soon as the page crashes. */
  private race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.crashed]);
  }

  /**
   * Calls `window.rl.<method>(...args)`, `method` being a run call (`step`) or a namespace's
   * (`checkpoints.exportJson`), and returns its (serialisable) value; page errors keep their code.
   */
  private async call<T>(method: string, args: unknown[]): Promise<T> {
    const out: CallResult = await this.race(
      this.livePage.evaluate(
        async ({ method, args }): Promise<CallResult> => {
          try {
            const path = method.split('.');
            let owner = window.rl as unknown as Record<string, unknown>;
            for (const key of path.slice(0, -1)) owner = owner[key] as Record<string, unknown>;
            const fn = owner[path[path.length - 1]!] as (...a: unknown[]) => unknown;
            return { ok: true, value: await fn.apply(owner, args) };
          } catch (e) {
            const err = (e ?? {}) as { code?: unknown; message?: unknown; stack?: unknown };
            return {
              ok: false,
              error: {
                code: typeof err.code === 'string' ? err.code : null,
                message: typeof err.message === 'string' ? err.message : String(e),
                stack: typeof err.stack === 'string' ? err.stack : null,
              },
            };
          }
        },
        { method, args },
      ),
    );
    if (!out.ok) throw new PageError(out.error.code, out.error.message, out.error.stack);
    return out.value as T;
  }

  build(config: unknown, backend: LearnerBackend | undefined): Promise<BuiltInfo> {
    return this.call('build', [config, backend ? { backend } : {}]);
  }

  /** The env's registry entry in the page (after the env modules loaded): its reward threshold, time limit. */
  envSpec(id: string): Promise<EnvSpec | null> {
    return this.call('envs.spec', [id]);
  }

  restoreFromJson(text: string, backend: LearnerBackend | undefined): Promise<BuiltInfo> {
    return this.call('checkpoints.restoreFromJson', [text, backend ? { backend } : {}]);
  }

  /** Policy weights (safetensors, RLlib's layout, as base64) into the built run; its config stays. */
  importWeights(base64: string, backend: LearnerBackend | undefined): Promise<{ algo: string; numTensors: number }> {
    return this.call('checkpoints.importWeights', [base64, backend ? { backend } : {}]);
  }

  /**
   * rl.sweeps.run: runs a sweep's trials in this page; each trial event reaches `onEvent` as it happens
   * (in order), the rows of every trial come back at the end.
   */
  async tune(input: unknown, opts: TuneRunOptions, onEvent: (e: TuneEvent) => void): Promise<TrialView[]> {
    const page = this.livePage;
    await page.exposeFunction(TUNE_EVENT_BINDING, onEvent);
    await this.race(
      page.evaluate((binding) => {
        const send = (window as unknown as Record<string, (e: unknown) => void>)[binding]!;
        window.rl.sweeps.on('trial', (e) => send(e));
      }, TUNE_EVENT_BINDING),
    );
    return this.call('sweeps.run', [input, opts]);
  }

  /** Ctrl-C during a sweep: every trial stops after its iteration and saves. */
  async interruptTune(): Promise<void> {
    await this.race(this.livePage.evaluate(() => window.rl.sweeps.session?.interrupt()));
  }

  /** One iteration; the page keeps the state after it, so an interrupt can still save it. */
  step(): Promise<ResultDict> {
    return this.call('step', [{ keepLastCompletedIteration: true }]);
  }

  /**
   * rl.train: trains in the page until a stop criterion. Each iteration's result reaches `onResult`
   * as it happens, with the seconds since training began on the page's clock (messages to Node
   * can arrive late and bunched on a busy machine).
   */
  async train(opts: TrainOptions, onResult: (r: ResultDict, seconds: number) => void = () => {}): Promise<RunSummary> {
    const page = this.livePage;
    this.onResult = onResult;
    await this.race(
      page.evaluate(
        ({ binding, key }) => {
          const w = window as unknown as Record<string, unknown>;
          const send = w[binding] as (r: ResultDict, seconds: number) => void;
          const t0 = performance.now();
          w[key] = window.rl.on('result', (r) => send(r, (performance.now() - t0) / 1000));
        },
        { binding: RESULT_BINDING, key: RESULT_SUBSCRIPTION_KEY },
      ),
    );
    try {
      return await this.call('train', [opts]);
    } finally {
      this.onResult = null;
      // After a crash there is nothing to unsubscribe from, and the crash is the error to report.
      const off = (key: string): void => (window as unknown as Record<string, () => void>)[key]?.();
      await this.race(page.evaluate(off, RESULT_SUBSCRIPTION_KEY)).catch(() => {});
    }
  }

  /** rl.diagnostics.sampleOnce: one sample() of the built run's runners, without training. */
  sampleOnce(numTimesteps: number): Promise<SampleSummary> {
    return this.call('diagnostics.sampleOnce', [numTimesteps]);
  }

  /** rl.dispose: stops the run and releases its workers and tensors. */
  dispose(): Promise<void> {
    return this.call('dispose', []);
  }

  /** rl.diagnostics.detectDevice: the WebGPU adapter (if any), cross-origin isolation and the cores, without building. */
  detectDevice(): Promise<Awaited<ReturnType<RunDiagnostics['detectDevice']>>> {
    return this.call('diagnostics.detectDevice', []);
  }

  /** rl.diagnostics.<name>(...args): one of the page's probes (src/diagnostics/, app/run-diagnostics.ts). */
  diagnostics<K extends keyof RunDiagnostics>(
    name: K,
    ...args: Parameters<RunDiagnostics[K]>
  ): Promise<Awaited<ReturnType<RunDiagnostics[K]>>> {
    return this.call(`diagnostics.${name}`, args);
  }

  /**
   * Watches the page's long tasks until the returned stop(), which resolves to the longest in ms
   * (the Long Tasks API reports tasks of 50 ms and more: 0 means none seen).
   */
  async watchLongTasks(): Promise<() => Promise<number>> {
    const page = this.livePage;
    await this.race(
      page.evaluate((key) => {
        const watch = { longest: 0, observer: null as PerformanceObserver | null };
        watch.observer = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) watch.longest = Math.max(watch.longest, e.duration);
        });
        watch.observer.observe({ type: 'longtask', buffered: false });
        (window as unknown as Record<string, unknown>)[key] = watch;
      }, LONG_TASKS_KEY),
    );
    return () =>
      this.race(
        page.evaluate((key) => {
          const w = window as unknown as Record<string, { longest: number; observer: PerformanceObserver } | undefined>;
          const watch = w[key];
          watch?.observer.disconnect();
          delete w[key];
          return watch?.longest ?? 0;
        }, LONG_TASKS_KEY),
      );
  }

  /** The browser's version, e.g. `131.0.6778.204` (after open()). */
  browserVersion(): string {
    return this.browser?.version() ?? 'unknown';
  }

  /**
   * Runs the built policy for `numEnvSteps` without training and writes the Parquet file to `file`
   * (copied from the page in chunks: page-files.ts); returns the recording's summary.
   */
  async recordEpisodes(numEnvSteps: number, file: string): Promise<RecordingSummary> {
    const page = this.livePage;
    const summary = await this.race(page.evaluate(recordAndKeep, { numEnvSteps, key: RECORDING_KEY }));
    const key = RECORDING_KEY;
    await copyRecordingToFile(
      {
        readChunk: (offset, length) => this.race(page.evaluate(recordingChunk, { key, offset, length })),
        drop: () => this.race(page.evaluate(recordingChunk, { key, drop: true as const })),
      },
      summary.size,
      file,
    );
    return summary;
  }

  /** Cuts the iteration in progress short (rl.stop({ midIteration: true })); resolves at once, step() then rejects. */
  interrupt(): Promise<void> {
    return this.call('stop', [{ midIteration: true }]);
  }

  exportCheckpointJson(): Promise<string> {
    return this.call('checkpoints.exportJson', []);
  }

  /** A chart laid out by return-chart.ts, painted on a canvas in the page: the PNG bytes. */
  async drawChart(drawing: ChartDrawing): Promise<Buffer> {
    return pngFromDataUrl(await this.race(this.livePage.evaluate(paintChart, drawing)));
  }

  /** Test hook: crashes the renderer through the DevTools protocol and waits for the crash event. */
  async crashPage(): Promise<void> {
    const page = this.livePage;
    const cdp = await page.context().newCDPSession(page);
    cdp.send('Page.crash').catch(() => {}); // never answers: the renderer is gone
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 30_000).unref());
    await Promise.race([this.crashed.catch(() => {}), timeout]);
  }

  /** Drops the current page (after a crash) so open() can start a fresh one. */
  async closePage(): Promise<void> {
    const page = this.page;
    this.page = null;
    await page?.close().catch(() => {});
  }

  async close(): Promise<void> {
    await this.closePage();
    await this.browser?.close().catch(() => {});
    this.browser = null;
  }
}
