/**
 * RLlib's custom resources (`custom_resources_per_env_runner`, Ray's `resources={...}`): a map of
 * resource name -> amount, checked where a config enters. The ledger (resources.ts) sums them.
 */
import type { IssueList } from './issue-list';

/** Names a custom resource may not take: Ray keeps them for num_cpus and num_gpus. */
const RESERVED_RESOURCE_NAMES = ['CPU', 'GPU', 'cpu', 'gpu'];
/** Custom resource kinds one runner may ask for: more is a typo or a generated dict, not a cluster. */
export const MAX_CUSTOM_RESOURCES = 32;

/** RLlib's custom_resources_per_env_runner: a map of resource name -> amount >= 0. */
export function checkCustomResources(v: unknown, path: string, out: IssueList): void {
  const leaf = path.slice(path.lastIndexOf('.') + 1);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    out.error(path, `${leaf} must map resource names to amounts, e.g. {"licence": 1}; got ${JSON.stringify(v)}.`);
    return;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > MAX_CUSTOM_RESOURCES) {
    out.error(path, `${leaf} names ${entries.length} resources; at most ${MAX_CUSTOM_RESOURCES} are allowed.`);
    return;
  }
  for (const [name, amount] of entries) {
    if (name.trim() === '' || name.length > 64) {
      out.error(path, `${leaf}: a resource name must be 1-64 characters, got ${JSON.stringify(name)}.`);
    } else if (RESERVED_RESOURCE_NAMES.includes(name)) {
      out.error(
        path,
        `${leaf}: '${name}' is not a custom resource; use numCpusPerEnvRunner / numGpusPerEnvRunner (Ray refuses it too).`,
      );
    } else if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      out.error(`${path}.${name}`, `${leaf}.${name} must be a number >= 0, got ${JSON.stringify(amount)}.`);
    }
  }
}
