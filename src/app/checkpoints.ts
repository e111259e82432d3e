/**
 * `rl.checkpoints`: the run's checkpoints as files and stored copies: browser storage (IndexedDB),
 * JSON text (a download, the CLI's checkpoint files), and policy weights in RLlib's safetensors
 * layout. Every restore goes through the run's atomic restore().
 */
import { RLError } from '../core/errors';
import { checkpointFromJson, checkpointToJson } from './checkpoint-codec';
import { listStoredCheckpoints, loadStoredCheckpoint, storeCheckpoint } from './checkpoint-storage';
import type { AppBuildOptions, BuiltRun, TrainerApp } from './trainer-app';
import { bytesFromBase64, importWeightsInto, type ConfirmLargeBuild } from './weights-import';

export class Checkpoints {
  constructor(private readonly run: TrainerApp) {}

  /**
   * Stores the current checkpoint under `name`. Resolves only once the IndexedDB transaction has
   * committed; a full disk is `storage/quota` with the usage figures.
   */
  async saveToStorage(name: string): Promise<void> {
    await storeCheckpoint(name, await this.run.save());
  }

  /** Names of the checkpoints stored in this browser. */
  listStored(): Promise<string[]> {
    return listStoredCheckpoints();
  }

  async restoreFromStorage(name: string, opts: AppBuildOptions = {}): Promise<BuiltRun> {
    const ckpt = await loadStoredCheckpoint(name);
    if (ckpt === undefined) throw new RLError('checkpoint/missing', `No stored checkpoint named '${name}'.`);
    return this.run.restore(ckpt, opts);
  }

  /** The current checkpoint as JSON text (weights as base64). */
  async exportJson(): Promise<string> {
    return checkpointToJson(await this.run.save());
  }

  async restoreFromJson(text: string, opts: AppBuildOptions = {}): Promise<BuiltRun> {
    return this.run.restore(checkpointFromJson(text), opts);
  }

  /**
   * Loads a policy's weights from a safetensors file in RLlib's layout (app/weights-import.ts):
   * the bytes, or base64 text (the CLI hands the page text). With nothing built, builds the run
   * the file names, else `fallbackConfig` (the page's form), asking `confirm` first when that run
   * exceeds this machine (the page's prompt; without it, no question).
   */
  importWeights(
    file: Uint8Array | string,
    opts: AppBuildOptions = {},
    fallbackConfig: unknown = null,
    confirm?: ConfirmLargeBuild,
  ): Promise<{ algo: string; numTensors: number }> {
    const bytes = typeof file === 'string' ? bytesFromBase64(file) : file;
    return importWeightsInto(this.run, bytes, opts, fallbackConfig, confirm);
  }
}
