/**
 * What a trial asks for and what the tab has, in Ray's units: CPUs, GPU fractions and custom
 * resources. A trial starts only when its whole bundle fits, like a Tune placement group, and
 * waits (PENDING) until running trials give back enough.
 *  - The bundle is core/resources.ts's ledger of the trial's run, the same sums the CLI's resource
 *    table and the page's Device section show: CPUs (the page, learner workers, remote runners),
 *    GPU shares (numGpusPerLearner x max(1, numLearners) + numEnvRunners x numGpusPerEnvRunner) and
 *    custom resources (numEnvRunners x customResourcesPerEnvRunner).
 *  - One WebGPU device per tab, so 0.2 packs five learners onto it, as the seed's fractional-GPU
 *    example does; 'auto' names no fraction and claims the whole device where it picks WebGPU.
 *  - Custom resources exist only as the sweep declares them (`resources.custom`, Ray's
 *    `ray.init(resources={...})`): two licences of a simulator shared by four trials run two at once.
 */
import { RESOURCE_EPS, resourceLedger, TAB_GPUS, type ResourceInputs } from '../core/resources';

export interface Resources {
  readonly cpu: number;
  readonly gpu: number;
  /** Custom resources by name; a name missing here is 0 (in a demand) or not there at all (in a pool). */
  readonly custom?: Readonly<Record<string, number>>;
}

/**
 * A trial's bundle from its resolved config. `autoUsesGpu`: whether numGpusPerLearner 'auto' picks
 * WebGPU on this tab (a hardware adapter); it then claims the whole device.
 */
export function trialDemand(config: ResourceInputs, autoUsesGpu: boolean): Resources {
  // The tab's size does not change the ask; only the sums are read here.
  const ledger = resourceLedger(
    config,
    { cpus: Number.POSITIVE_INFINITY, cpusFrom: 'the sweep', gpus: TAB_GPUS, gpusFrom: 'the sweep' },
    { autoGpus: autoUsesGpu ? 1 : 0 },
  );
  const custom = Object.fromEntries(Object.entries(ledger.customAsked).filter(([, v]) => v > 0));
  return {
    cpu: ledger.cpusAsked,
    gpu: ledger.gpusAsked,
    ...(Object.keys(custom).length > 0 ? { custom } : {}),
  };
}

/** The learner's share of a trial's GPU ask: what decides the page's TF.js backend (runners have their own). */
export function learnerGpuDemand(config: ResourceInputs, autoUsesGpu: boolean): number {
  const noRunners: ResourceInputs = { ...config, envRunners: { ...config.envRunners, numEnvRunners: 0 } };
  return trialDemand(noRunners, autoUsesGpu).gpu;
}

/** The custom resources `demand` asks for beyond what `free` has (a name `free` lacks counts as 0). */
function customShort(demand: Resources, free: Resources): string[] {
  const have = free.custom ?? {};
  return Object.entries(demand.custom ?? {})
    .filter(([k, v]) => v > (Object.hasOwn(have, k) ? (have[k] ?? 0) : 0) + RESOURCE_EPS)
    .map(([k]) => k);
}

export function fits(demand: Resources, free: Resources): boolean {
  return (
    demand.cpu <= free.cpu + RESOURCE_EPS &&
    demand.gpu <= free.gpu + RESOURCE_EPS &&
    customShort(demand, free).length === 0
  );
}

/** Why `demand` can never fit `total` (Tune's "insufficient resources" message), or null when it can. */
export function infeasibleReason(demand: Resources, total: Resources): string | null {
  if (fits(demand, total)) return null;
  const show = (r: Resources): string =>
    [`${r.cpu} CPU`, `${r.gpu} GPU`, ...Object.entries(r.custom ?? {}).map(([k, v]) => `${v} '${k}'`)].join(', ');
  const missing = customShort(demand, total).filter((k) => !Object.hasOwn(total.custom ?? {}, k));
  const undeclared =
    missing.length > 0
      ? ` Declare ${missing.map((k) => `'${k}'`).join(', ')} in the sweep's resources.custom (Ray's ray.init(resources=...)).`
      : '';
  return (
    `asks for ${show(demand)} but the tab has ${show(total)}; lower envRunners.numEnvRunners / numCpusPerEnvRunner / ` +
    `numGpusPerEnvRunner / customResourcesPerEnvRunner or learners.numGpusPerLearner, or raise resources.num_cpus ` +
    `/ resources.custom.${undeclared}`
  );
}

/** Free resources of a tab, taken and given back as trials start and end. */
export class ResourcePool {
  private freeCpu: number;
  private freeGpu: number;
  private readonly freeCustom: Record<string, number>;

  constructor(readonly total: Resources) {
    this.freeCpu = total.cpu;
    this.freeGpu = total.gpu;
    this.freeCustom = { ...total.custom };
  }

  get free(): Resources {
    return { cpu: this.freeCpu, gpu: this.freeGpu, custom: { ...this.freeCustom } };
  }

  /** Takes `demand` if it fits now; false (nothing taken) otherwise. */
  tryAcquire(demand: Resources): boolean {
    if (!fits(demand, this.free)) return false;
    this.freeCpu -= demand.cpu;
    this.freeGpu -= demand.gpu;
    for (const [k, v] of Object.entries(demand.custom ?? {})) this.freeCustom[k] = (this.freeCustom[k] ?? 0) - v;
    return true;
  }

  release(demand: Resources): void {
    this.freeCpu = Math.min(this.total.cpu, this.freeCpu + demand.cpu);
    this.freeGpu = Math.min(this.total.gpu, this.freeGpu + demand.gpu);
    for (const [k, v] of Object.entries(demand.custom ?? {})) {
      this.freeCustom[k] = Math.min(this.total.custom?.[k] ?? 0, (this.freeCustom[k] ?? 0) + v);
    }
  }
}
