/**
 * Loading a policy's weights from a safetensors file in RLlib's torch layout (`npm run export --
 * --rllib` writes one; RLlib's `module.state_dict()` saved with safetensors is another) into the
 * app's algorithm: checked against its module (names, shapes, float32, finite; every problem at
 * once, `weights/invalid-file`), then restored like a checkpoint holding them, so the runners and
 * the preview act with them at once and training can go on from them.
 */
import type { Checkpoint } from '../algorithms/checkpoint';
import { checkConfig, getSpec, type AnyAlgorithmConfig } from '../algorithms/registry';
import { withImportedWeights } from '../algorithms/rllib/import-weights';
import { configInWeightsFile } from '../algorithms/rllib/rllib-weights';
import type { BuildOptions } from '../algorithms/spec';
import { detectDevice } from '../backend/device';
import { autostartWarnings } from '../core/config-limits';
import { RLError } from '../core/errors';
import { decodeSafetensors } from '../rl-module/safetensors';

/** What the import needs of the run (TrainerApp). */
export interface WeightsTarget {
  readonly algorithm: { readonly config: AnyAlgorithmConfig } | null;
  build(input: unknown, opts: BuildOptions): Promise<unknown>;
  save(): Promise<Checkpoint>;
  restore(input: unknown, opts: BuildOptions): Promise<unknown>;
}

/**
 * With nothing built, first builds the run the file names in its metadata (our exports carry
 * their config), else `fallbackConfig` (the page's form).
 */
/**
 * Asked before a weights file on an empty page builds a run that exceeds this machine (the same
 * question a link with autostart=1 asks): the warnings; resolve true to build anyway.
 */
export type ConfirmLargeBuild = (warnings: readonly string[]) => Promise<boolean>;

export async function importWeightsInto(
  app: WeightsTarget,
  bytes: Uint8Array,
  opts: BuildOptions,
  fallbackConfig: unknown,
  confirm?: ConfirmLargeBuild,
): Promise<{ algo: string; numTensors: number }> {
  // The file's own problems first, so a damaged file never builds anything.
  const file = decodeSafetensors(bytes);
  if (!app.algorithm) {
    const input = configInWeightsFile(file) ?? fallbackConfig;
    if (input === null) {
      throw new RLError(
        'app/not-built',
        'Build an algorithm for the same env and model sizes first, then load the weights into it.',
      );
    }
    if (confirm) await askBeforeBuilding(input, confirm);
    await app.build(input, opts);
  }
  const config = app.algorithm!.config;
  const spec = getSpec(config.algo);
  if (!spec.rllib) throw new RLError('weights/unsupported', `${spec.name} has no RLlib weight layout to import from.`);
  const { checkpoint, numTensors } = withImportedWeights(await app.save(), bytes, spec.rllib);
  await app.restore(checkpoint, opts);
  return { algo: config.algo, numTensors };
}

/** Asks `confirm` when the config a file names exceeds this machine; `app/cancelled` when declined. */
async function askBeforeBuilding(input: unknown, confirm: ConfirmLargeBuild): Promise<void> {
  const device = await detectDevice();
  const ctx = { hardwareConcurrency: device.hardwareConcurrency, webGpuAvailable: device.adapter !== null };
  // An invalid config is the build's to report, with every problem.
  const { config, valid } = checkConfig(input, ctx);
  const warnings = valid ? autostartWarnings(config, ctx).map((w) => w.message) : [];
  if (warnings.length > 0 && !(await confirm(warnings))) {
    throw new RLError('app/cancelled', 'Not built: the weights file names a run larger than this machine holds.');
  }
}

/** Base64 (the CLI hands the page text) to bytes. */
export function bytesFromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}
