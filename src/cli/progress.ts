/**
 * Terminal output: a header (config summary and device), a progress line per iteration (rewritten
 * in place with \r on a TTY, plain lines otherwise), and a final summary. With --json the results go
 * to stdout one per line and everything human-readable goes to stderr; --quiet keeps only the
 * summary and errors.
 */
import type { DeviceInfo, ResultDict } from '../app';
import { getSpec, type AnyAlgorithmConfig } from '../algorithms/registry';
import type { StopCriteria } from '../algorithms/stop-criteria';
import { describeMultiAgent, type MultiAgentConfig } from '../algorithms/multi-agent/multi-agent-config';
import { isMultiAgentEnv } from '../envs/multi-agent/registry';
import {
  MODULE_EPISODE_RETURNS_MEAN,
  NUM_AGENT_STEPS_SAMPLED_LIFETIME,
} from '../algorithms/multi-agent/multi-agent-windows';
import {
  EPISODE_RETURN_MEAN,
  NUM_ENV_STEPS_SAMPLED_LIFETIME,
  NUM_ENV_STEPS_SAMPLED_PER_SECOND,
  TIME_TOTAL_S,
  TRAINING_ITERATION,
} from '../core/metric-keys';

export interface HeaderInfo {
  readonly config: AnyAlgorithmConfig;
  readonly device: DeviceInfo;
  readonly seed: number;
  readonly presetNote: string | null;
  readonly restoredFrom: { readonly file: string; readonly iteration: number } | null;
  readonly stop: StopCriteria;
  readonly stopSource: string;
  readonly outDir: string;
}

export interface SummaryView {
  readonly reason: 'stop-criterion' | 'interrupted' | 'error';
  readonly criterion: string | null;
  readonly reached: boolean | null;
  readonly stopReward: number | null;
  readonly iterations: number;
  readonly numEnvStepsSampledLifetime: number;
  readonly wallTimeS: number;
  readonly bestReturn: number | null;
  readonly finalReturn: number | null;
  readonly finalReturnEpisodes: number | null;
  readonly returnWindow: number | null;
  readonly pageCrashes: number;
  readonly error: string | null;
  readonly outDir: string;
}

export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const num = (n: number | null | undefined, digits = 1): string =>
  n === null || n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits);

export function duration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--';
  if (s < 60) return `${s.toFixed(1)}s`;
  const t = Math.round(s);
  const [h, m, sec] = [Math.floor(t / 3600), Math.floor((t % 3600) / 60), t % 60];
  const pad = (x: number): string => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

function lrText(lr: AnyAlgorithmConfig['training']['lr']): string {
  return typeof lr === 'number' ? String(lr) : `schedule ${lr.map(([s, v]) => `${v}@${int(s)}`).join(' -> ')}`;
}

export function stopText(stop: StopCriteria): string {
  return Object.entries(stop)
    .map(([k, v]) => `${k} >= ${Number.isInteger(v) && Math.abs(v) >= 1000 ? int(v) : v}`)
    .join(' or ');
}

export class Progress {
  private liveLineOpen = false;
  private readonly human: NodeJS.WriteStream;
  private readonly live: boolean;
  private startedAt = Date.now();
  private startSteps = 0;
  private startIter = 0;
  private bestReturn = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: { quiet: boolean; json: boolean; verbose: boolean }) {
    this.human = opts.json ? process.stderr : process.stdout;
    this.live = !opts.json && !opts.quiet && Boolean(this.human.isTTY);
  }

  private endLiveLine(): void {
    if (this.liveLineOpen) this.human.write('\n');
    this.liveLineOpen = false;
  }

  /** A normal line (suppressed by --quiet). */
  info(line: string): void {
    if (this.opts.quiet) return;
    this.endLiveLine();
    this.human.write(line + '\n');
  }

  /** Only with --verbose. */
  debug(line: string): void {
    if (this.opts.verbose) this.info(line);
  }

  /** Warnings and errors: always, on stderr. */
  warn(line: string): void {
    this.endLiveLine();
    process.stderr.write(line + '\n');
  }

  header(h: HeaderInfo): void {
    const c = h.config;
    const spec = getSpec(c.algo);
    const sizes = spec.samplingLayout(c);
    const runners =
      c.envRunners.numEnvRunners === 0
        ? 'the page (numEnvRunners=0)'
        : `${c.envRunners.numEnvRunners} env runner${c.envRunners.numEnvRunners === 1 ? '' : 's'}`;
    const dev = h.device;
    this.info(`${c.algo} on ${c.environment.env}${h.presetNote ? ` - ${h.presetNote}` : ''}`);
    if (h.restoredFrom) this.info(`  restored    ${h.restoredFrom.file} (iteration ${h.restoredFrom.iteration})`);
    const sampling =
      spec.describeSampling?.(c) ??
      (sizes.envStepsPerIteration === undefined
        ? `${runners} x ${c.envRunners.numEnvsPerEnvRunner} envs x ${sizes.rolloutFragmentLength} steps = ${int(sizes.trainBatchSize)} env steps/iteration`
        : `${runners} x ${c.envRunners.numEnvsPerEnvRunner} envs x ${sizes.rolloutFragmentLength} steps = ${int(sizes.trainBatchSize)} env steps per training step, ` +
          `${int(sizes.trainingStepsPerIteration ?? 1)} training steps = ${int(sizes.envStepsPerIteration)} env steps/iteration`);
    this.info(`  sampling    ${sampling}`);
    const multiAgent = (c as { multiAgent?: MultiAgentConfig }).multiAgent;
    if (multiAgent && isMultiAgentEnv(c.environment.env)) this.info(`  multi-agent ${describeMultiAgent(multiAgent)}`);
    this.info(
      `  model       [${c.rlModule.fcnetHiddens.join(', ')}] ${c.rlModule.fcnetActivation}${c.rlModule.vfShareLayers ? ', shared value torso' : ''}`,
    );
    const training = spec.describeTraining?.(c) ?? `lr ${lrText(c.training.lr)}, gamma ${c.training.gamma}`;
    this.info(`  training    ${training}`);
    this.info(
      `  device      ${dev.backend} (adapter: ${dev.adapter ?? 'none'}${dev.isFallbackAdapter ? ', software' : ''}) - ${dev.reason}`,
    );
    this.info(`  seed        ${h.seed}`);
    this.info(`  stop        ${stopText(h.stop)} (${h.stopSource}; first met stops)`);
    this.info(`  output      ${h.outDir}`);
  }

  /** Marks where this process's training starts (for SPS and ETA over this run only). */
  start(iteration: number, steps: number): void {
    this.startedAt = Date.now();
    this.startIter = iteration;
    this.startSteps = steps;
  }

  /** The seconds left to the earliest stop criterion that can be estimated, or NaN. */
  private eta(r: ResultDict, stop: StopCriteria): number {
    const elapsed = (Date.now() - this.startedAt) / 1000;
    const it = Number(r[TRAINING_ITERATION]);
    const steps = Number(r[NUM_ENV_STEPS_SAMPLED_LIFETIME]);
    const etas: number[] = [];
    const iterTarget = stop[TRAINING_ITERATION];
    if (iterTarget !== undefined && it > this.startIter)
      etas.push(((iterTarget - it) * elapsed) / (it - this.startIter));
    const stepTarget = stop[NUM_ENV_STEPS_SAMPLED_LIFETIME];
    if (stepTarget !== undefined && steps > this.startSteps)
      etas.push(((stepTarget - steps) * elapsed) / (steps - this.startSteps));
    const timeTarget = stop[TIME_TOTAL_S];
    if (timeTarget !== undefined) etas.push(timeTarget - Number(r[TIME_TOTAL_S]));
    return etas.length ? Math.max(0, Math.min(...etas)) : Number.NaN;
  }

  /** `returnKey`: what "return" is (plan.returnKey; a multi-agent run's lowest module mean). */
  iteration(r: ResultDict, stop: StopCriteria, returnKey: string = EPISODE_RETURN_MEAN): void {
    if (this.opts.json) process.stdout.write(JSON.stringify(r) + '\n');
    const ret = Number(r[returnKey]);
    if (Number.isFinite(ret)) this.bestReturn = Math.max(this.bestReturn, ret);
    if (this.opts.quiet || this.opts.json) return;
    const steps = Number(r[NUM_ENV_STEPS_SAMPLED_LIFETIME]);
    const budget = stop[NUM_ENV_STEPS_SAMPLED_LIFETIME];
    const best = Number.isFinite(this.bestReturn) ? this.bestReturn : Number.NaN;
    const line = [
      `iter ${String(r[TRAINING_ITERATION]).padStart(4)}`,
      `steps ${int(steps)}${budget !== undefined ? `/${int(budget)}` : ''}`,
      `return ${num(ret)} (best ${num(best)})`,
      ...multiAgentColumns(r),
      `${int(Number(r[NUM_ENV_STEPS_SAMPLED_PER_SECOND]))} sps`,
      `${duration((Date.now() - this.startedAt) / 1000)} elapsed`,
      `ETA ${duration(this.eta(r, stop))}`,
    ].join(' | ');
    if (this.live) {
      this.human.write(`\r${line}\x1b[K`);
      this.liveLineOpen = true;
    } else {
      this.human.write(line + '\n');
    }
  }

  summary(s: SummaryView): void {
    /** How many episodes the final return mean covers, against its window: a part-filled one stops nothing. */
    const coverage = (v: SummaryView): string =>
      v.finalReturnEpisodes === null
        ? ''
        : ` (mean of ${v.finalReturnEpisodes} episode${v.finalReturnEpisodes === 1 ? '' : 's'}` +
          `${v.returnWindow !== null && v.finalReturnEpisodes < v.returnWindow ? `; the window is ${v.returnWindow}, so no reward stop yet` : ''})`;
    this.endLiveLine();
    const out = this.opts.json ? process.stderr : process.stdout;
    const what =
      s.reason === 'stop-criterion'
        ? `Done: ${s.criterion} reached its stop value.`
        : s.reason === 'interrupted'
          ? 'Interrupted (Ctrl-C): checkpoint saved.'
          : `Training failed: ${s.error ?? 'unknown error'}`;
    const lines = [what];
    if (s.stopReward !== null) {
      lines.push(`  reached     ${s.reached ? 'yes' : 'no'}: return ${num(s.finalReturn)} vs target ${s.stopReward}`);
    }
    lines.push(
      `  iterations  ${s.iterations}, env steps ${int(s.numEnvStepsSampledLifetime)}, wall time ${duration(s.wallTimeS)}`,
      `  return      best ${num(s.bestReturn)}, final ${num(s.finalReturn)}${coverage(s)}`,
    );
    if (s.pageCrashes > 0) lines.push(`  page crashes ${s.pageCrashes} (resumed from checkpoint)`);
    lines.push(`  output      ${s.outDir}`);
    out.write(lines.join('\n') + '\n');
  }
}

/** A multi-agent result's extra columns: the first modules' return means and the agent steps. */
function multiAgentColumns(r: ResultDict): string[] {
  const prefix = `${MODULE_EPISODE_RETURNS_MEAN}/`;
  const modules = Object.keys(r).filter((k) => k.startsWith(prefix));
  if (modules.length === 0) return [];
  const shown = modules.slice(0, 4).map((k) => `${k.slice(prefix.length)} ${num(Number(r[k]))}`);
  if (modules.length > 4) shown.push(`+${modules.length - 4} more`);
  return [`modules ${shown.join(', ')}`, `agent steps ${int(Number(r[NUM_AGENT_STEPS_SAMPLED_LIFETIME]))}`];
}
