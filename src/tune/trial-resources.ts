/**
 * What a trial asks for and what the tab has, in Ray's units: CPUs (the page's learner counts one,
 * as Ray's `num_cpus_for_main_process`; each remote EnvRunner `num_cpus_per_env_runner`) and GPU
 * fractions (`num_gpus_per_learner` per learner; one WebGPU device per tab, so 0.2 packs five
 * learners onto it, as the seed's fractional-GPU example does). A trial starts only when its whole
 * bundle fits, like a Tune placement group.
 * TODO(H6): src/runtime/resources.ts will own "CPUs asked vs available"; this should use it then.
 */
export interface Resources {
  readonly cpu: number;
  readonly gpu: number;
}

/** The config keys the demand is computed from (a resolved config's sections). */
export interface ResourceConfig {
  readonly envRunners: { readonly numEnvRunners: number; readonly numCpusPerEnvRunner: number };
  readonly learners: { readonly numLearners: number; readonly numGpusPerLearner: number | 'auto' };
}

/**
 * A trial's bundle. `autoUsesGpu`: whether numGpusPerLearner 'auto' picks WebGPU on this tab (a
 * hardware adapter); it then claims the whole device, since 'auto' names no fraction.
 */
export function trialDemand(config: ResourceConfig, autoUsesGpu: boolean): Resources {
  const learners = Math.max(1, config.learners.numLearners);
  const perLearner = config.learners.numGpusPerLearner;
  const gpuEach = perLearner === 'auto' ? (autoUsesGpu ? 1 : 0) : perLearner;
  return {
    cpu: config.envRunners.numEnvRunners * config.envRunners.numCpusPerEnvRunner + learners,
    gpu: gpuEach * learners,
  };
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
