/**
 * Offline data from the page: load recorded episode files (Parquet) for BC and MARWIL, and record
 * the current policy's episodes as a download. All of it goes through the facade.
 */
import type { AppFacade } from '../app';
import type { ConfigFormState } from './config-form.svelte';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Saves bytes as a file through a temporary link. */
function downloadBytes(filename: string, bytes: Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export class OfflineState {
  /** Env steps to record. */
  numSteps = $state(10_000);
  note: string | null = $state(null);
  error: string | null = $state(null);
  busy = $state(false);
  /** Names of the files loaded on this page. */
  loaded: readonly string[] = $state.raw([]);

  constructor(
    private readonly app: AppFacade,
    private readonly form: ConfigFormState,
  ) {}

  /** Registers the chosen files under their names and, for BC/MARWIL, names them in offlineData.input. */
  async loadFiles(files: readonly File[]): Promise<void> {
    await this.task(async () => {
      const names: string[] = [];
      for (const f of files) names.push(this.app.offline.load(f.name, new Uint8Array(await f.arrayBuffer())));
      this.loaded = this.app.offline.files();
      const shown = names.join(', ');
      if (this.form.fields.some((f) => f.path === 'offlineData.input')) {
        // A comma list is the readable form; a name with a comma goes as a JSON list, never split.
        this.form.values['offlineData.input'] = names.some((n) => n.includes(',') || n.startsWith('['))
          ? JSON.stringify(names)
          : names.join(',');
        return `Loaded ${shown}; offline data set to it.`;
      }
      return `Loaded ${shown}; choose BC or MARWIL to train on it.`;
    });
  }

  /** Runs the built policy without training and downloads the episodes. */
  async record(): Promise<void> {
    await this.task(async () => {
      const steps = Math.floor(Number(this.numSteps));
      const rec = await this.app.offline.recordEpisodes(steps, (n) => (this.note = `Recording… ${n} env steps`));
      const env = this.app.algorithm?.config?.environment.env ?? 'env';
      const name = `${env}-${rec.numEnvSteps}-steps.parquet`;
      downloadBytes(name, rec.bytes, 'application/vnd.apache.parquet');
      return (
        `Downloaded ${name}: ${rec.numEpisodes} episodes, ${rec.numCompletedEpisodes} completed ` +
        `(mean return ${rec.episodeReturnMean.toFixed(1)}).`
      );
    });
  }

  private async task(fn: () => Promise<string>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      this.note = await fn();
    } catch (e) {
      this.note = null;
      this.error = message(e);
    } finally {
      this.busy = false;
    }
  }
}
