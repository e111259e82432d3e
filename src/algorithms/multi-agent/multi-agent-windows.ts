/**
 * The multi-agent part of a result dict (RLlib's keys): agent steps this iteration and lifetime,
 * and the per-agent and per-module episode-return windows (the newest
 * metricsNumEpisodesForSmoothing each, like episode_return_mean).
 */
import type { EnvRunnerMetrics, MultiAgentSampleMetrics } from '../../env-runner/env-runner-config';
import { mean } from '../metrics-logger';

export const AGENT_EPISODE_RETURNS_MEAN = 'env_runners/agent_episode_returns_mean';
export const MODULE_EPISODE_RETURNS_MEAN = 'env_runners/module_episode_returns_mean';
/**
 * The lowest module_episode_returns_mean over all modules (NaN until every module has ended an
 * episode): what `--stop-reward` stops on in a multi-agent run, so "every module reached R" is
 * one stop criterion. Ours; RLlib's example scripts stop on the summed return instead.
 */
export const MIN_MODULE_EPISODE_RETURNS_MEAN = 'env_runners/min_module_episode_returns_mean';
/**
 * The median over modules of module_episode_returns_mean, of the modules that have ended an
 * episode (NaN before any has): a thousand modules' progress in one number (issue 30's 1,000
 * policies criterion). RLlib reports the per-module means only.
 */
export const MODULE_EPISODE_RETURNS_MEDIAN = 'env_runners/module_episode_returns_median';
/** Episodes behind the lowest module's mean: the fewest any module's window holds. */
export const NUM_EPISODES_IN_MIN_MODULE_RETURNS_MEAN = 'env_runners/num_episodes_in_min_module_returns_mean';
export const NUM_AGENT_STEPS_SAMPLED = 'num_agent_steps_sampled';
export const NUM_AGENT_STEPS_SAMPLED_LIFETIME = 'num_agent_steps_sampled_lifetime';

export class MultiAgentWindows {
  agentStepsLifetime = 0;
  private readonly agentStepsByModule = new Map<string, number>();
  private readonly agent = new Map<string, number[]>();
  private readonly module = new Map<string, number[]>();

  constructor(
    readonly moduleIds: readonly string[],
    readonly agentIds: readonly string[],
    private readonly size: number,
  ) {
    for (const id of moduleIds) this.module.set(id, []);
    for (const id of agentIds) this.agent.set(id, []);
  }

  add(m: MultiAgentSampleMetrics): void {
    this.agentStepsLifetime += m.numAgentSteps;
    for (const [id, n] of Object.entries(m.agentStepsByModule)) {
      this.agentStepsByModule.set(id, (this.agentStepsByModule.get(id) ?? 0) + n);
    }
    for (const [id, returns] of Object.entries(m.agentEpisodeReturns)) this.push(this.agent, id, returns);
    for (const [id, returns] of Object.entries(m.moduleEpisodeReturns)) this.push(this.module, id, returns);
  }

  /** Loops, never a spread: one call can end thousands of agent episodes. */
  private push(windows: Map<string, number[]>, id: string, values: readonly number[]): void {
    const w = windows.get(id) ?? [];
    for (let i = Math.max(0, values.length - this.size); i < values.length; i++) w.push(values[i]!);
    if (w.length > this.size) w.splice(0, w.length - this.size);
    windows.set(id, w);
  }

  /** This iteration's keys, given the runners' metrics of the iteration. */
  result(iteration: readonly EnvRunnerMetrics[]): Record<string, number> {
    let agentSteps = 0;
    let samplingMs = 0;
    for (const m of iteration) {
      agentSteps += m.multiAgent?.numAgentSteps ?? 0;
      samplingMs += m.sampleMs;
    }
    const out: Record<string, number> = {
      [NUM_AGENT_STEPS_SAMPLED]: agentSteps,
      [NUM_AGENT_STEPS_SAMPLED_LIFETIME]: this.agentStepsLifetime,
      'env_runners/num_agent_steps_sampled': agentSteps,
      'env_runners/num_agent_steps_sampled_lifetime': this.agentStepsLifetime,
      // Per runner-second: with N runners in parallel this is each runner's mean rate times N.
      'env_runners/num_agent_steps_sampled_per_second':
        samplingMs > 0 ? (agentSteps * 1000 * Math.max(1, iteration.length)) / samplingMs : 0,
    };
    let min = Infinity;
    let fewest = Infinity;
    for (const [id, w] of this.module) {
      fewest = Math.min(fewest, w.length);
      const value = mean(w);
      out[`${MODULE_EPISODE_RETURNS_MEAN}/${id}`] = value;
      min = Math.min(min, Number.isNaN(value) ? -Infinity : value);
    }
    out[MIN_MODULE_EPISODE_RETURNS_MEAN] = min === -Infinity || this.module.size === 0 ? Number.NaN : min;
    out[MODULE_EPISODE_RETURNS_MEDIAN] = median(
      [...this.module.values()].flatMap((w) => (w.length > 0 ? [mean(w)] : [])),
    );
    out[NUM_EPISODES_IN_MIN_MODULE_RETURNS_MEAN] = this.module.size === 0 ? 0 : fewest;
    for (const [id, w] of this.agent) out[`${AGENT_EPISODE_RETURNS_MEAN}/${id}`] = mean(w);
    for (const [id, n] of this.agentStepsByModule) out[`env_runners/num_module_steps_sampled_lifetime/${id}`] = n;
    return out;
  }
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}
