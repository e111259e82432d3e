/**
 * `rl.offline`: episode files for offline algorithms (RLlib's `output` and `input_`): record the
 * run's current policy as a Parquet file, and make recorded files available to BC and MARWIL as
 * `offlineData.input` names.
 */
import { registerOfflineFile, registeredOfflineFiles, setOfflineFileReader } from '../offline/offline-files';
import { recordEpisodes, type EpisodeRecording } from './episode-recording';
import { builtAlgorithm, type TrainerApp } from './trainer-app';

export type { EpisodeRecording } from './episode-recording';

export class OfflineData {
  constructor(private readonly run: TrainerApp) {}

  /** Runs the current policy for `numEnvSteps` env steps without training; the episodes as a Parquet file. */
  recordEpisodes(numEnvSteps: number, onProgress?: (stepsSoFar: number) => void): Promise<EpisodeRecording> {
    return recordEpisodes(builtAlgorithm(this.run), numEnvSteps, onProgress);
  }

  /**
   * Makes a recorded episode file available to offline algorithms; returns the name offlineData.input
   * uses for it: `name`, or `name (2)` when a different file was loaded under the same name.
   */
  load(name: string, bytes: Uint8Array): string {
    return registerOfflineFile(name, bytes);
  }

  /** Names of the offline files loaded on this page. */
  files(): string[] {
    return registeredOfflineFiles();
  }

  /** Headless runs: where offlineData.input names not loaded on the page are read from (disk, via the CLI). */
  readMissingFilesWith(reader: ((name: string) => Promise<Uint8Array>) | null): void {
    setOfflineFileReader(reader);
  }
}
