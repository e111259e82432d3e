/**
 * A MultiRLModule's weights as ONE ModuleWeights: every module's variables under `<module id>/`
 * (`p0/pi/fc_0/kernel`), so a weight sync, the supervisor's "latest weights" for restarted runners
 * and a checkpoint's `weights` carry all modules without a second format. Module ids never hold
 * '/' (multi-agent-config.ts checks them), so the first '/' splits id from variable name.
 */
import { RLError } from '../core/errors';
import type { ModuleWeights } from './weights';

/** Every module's weights in one object; `version` is the sync's sequence (runners compare it). */
export function packModuleWeights(byModule: ReadonlyMap<string, ModuleWeights>, version: number): ModuleWeights {
  const names: string[] = [];
  const shapes: number[][] = [];
  const arrays: Float32Array[] = [];
  for (const [id, w] of byModule) {
    for (const [i, name] of w.names.entries()) {
      names.push(`${id}/${name}`);
      shapes.push([...w.shapes[i]!]);
      arrays.push(w.arrays[i]!);
    }
  }
  return { version, names, shapes, arrays };
}

/** The inverse of packModuleWeights; a name without a module prefix is `weights/not-multi-module`. */
export function unpackModuleWeights(packed: ModuleWeights): Map<string, ModuleWeights> {
  const out = new Map<string, { names: string[]; shapes: number[][]; arrays: Float32Array[] }>();
  for (const [i, full] of packed.names.entries()) {
    const slash = full.indexOf('/');
    if (slash <= 0) {
      throw new RLError(
        'weights/not-multi-module',
        `weight '${full}' has no '<module id>/' prefix; these are a single module's weights, not a multi-agent run's.`,
      );
    }
    const id = full.slice(0, slash);
    const entry = out.get(id) ?? { names: [], shapes: [], arrays: [] };
    entry.names.push(full.slice(slash + 1));
    entry.shapes.push(packed.shapes[i]!);
    entry.arrays.push(packed.arrays[i]!);
    out.set(id, entry);
  }
  return new Map([...out].map(([id, w]) => [id, { version: packed.version, ...w }]));
}
