/**
 * What a trial asks for and what the tab has, in Ray's units: CPUs and GPU fractions. A trial
 * starts only when its whole bundle fits, like a Tune placement group.
 *  - CPUs: core/resources.ts's accounting, the same rule the CLI's resource table and the page's
 *    oversubscription warning use (the page 1, each learner worker 1, each remote EnvRunner
 *    num_cpus_per_env_runner, remote sub-env workers 0). A trial is a whole run in this tab, so its
 *    CPU ask is that run's `cpusAsked`.
 *  - GPU: `num_gpus_per_learner` per learner (the page's local learner when numLearners is 0). One
 *    WebGPU device per tab, so 0.2 packs five learners onto it, as the seed's fractional-GPU example
 *    does; core/resources.ts has no GPU notion, so this part is tune's own.
 */
import { resourcePlan, type ResourceInputs } from '../core/resources';

export interface Resources {
  readonly cpu: number;
  readonly gpu: number;
}

/** The config keys the demand is computed from (a resolved config's sections). */
export interface ResourceConfig extends ResourceInputs {
  readonly learners: ResourceInputs['learners'] & { readonly numGpusPerLearner: number | 'auto' };
}

/**
 * A trial's bundle. `autoUsesGpu`: whether numGpusPerLearner 'auto' picks WebGPU on this tab (a
 * hardware adapter); it then claims the whole device, since 'auto' names no fraction.
 */
export function trialDemand(config: ResourceConfig, autoUsesGpu: boolean): Resources {
  const learners = Math.max(1, config.learners.numLearners);
  const perLearner = config.learners.numGpusPerLearner;
  const gpuEach = perLearner === 'auto' ? (autoUsesGpu ? 1 : 0) : perLearner;
  // The tab's size does not change the ask; it only matters to the plan's warning, unused here.
  const { cpusAsked } = resourcePlan(config, Number.POSITIVE_INFINITY, 'the sweep');
  return { cpu: cpusAsked, gpu: gpuEach * learners };
}

/** Rounding guard: five 0.2s must add up to one device, not 1.0000000000000002. */
const EPS = 1e-9;

export function fits(demand: Resources, free: Resources): boolean {
  return demand.cpu <= free.cpu + EPS && demand.gpu <= free.gpu + EPS;
}

/** Free resources of a tab, taken and given back as trials start and end. */
export class ResourcePool {
  private freeCpu: number;
  private freeGpu: number;

  constructor(readonly total: Resources) {
    this.freeCpu = total.cpu;
    this.freeGpu = total.gpu;
  }

  get free(): Resources {
    return { cpu: this.freeCpu, gpu: this.freeGpu };
  }

  /** Takes `demand` if it fits now; false (nothing taken) otherwise. */
  tryAcquire(demand: Resources): boolean {
    if (!fits(demand, this.free)) return false;
    this.freeCpu -= demand.cpu;
    this.freeGpu -= demand.gpu;
    return true;
  }

  release(demand: Resources): void {
    this.freeCpu = Math.min(this.total.cpu, this.freeCpu + demand.cpu);
    this.freeGpu = Math.min(this.total.gpu, this.freeGpu + demand.gpu);
  }
}
