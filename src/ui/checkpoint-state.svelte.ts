/**
 * Checkpoints from the page: save to / load from browser storage (IndexedDB), download / load a
 * JSON file, and export the policy weights alone. All of it goes through the facade.
 */
import { checkpointFromJson, type AppFacade } from '../app';
import type { RunState } from './run-state.svelte';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const WEIGHTS_FORMAT = 'browser-rl-policy-weights/1';

/** Saves text as a file through a temporary link (works in iframes too). */
export function downloadText(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export class CheckpointState {
  stored: readonly string[] = $state.raw([]);
  name = $state('');
  selected = $state('');
  /** Last outcome, shown under the buttons (role=status). */
  note: string | null = $state(null);
  error: string | null = $state(null);
  busy = $state(false);
  /** A weights file on an empty page names a run larger than this machine: the question, until answered. */
  askBeforeBuild: { readonly warnings: readonly string[]; readonly answer: (build: boolean) => void } | null =
    $state.raw(null);

  constructor(
    private readonly app: AppFacade,
    private readonly run: RunState,
    /** Called with the restored config so the form shows it. */
    private readonly onRestored: () => void,
    /** The form's config when it is valid, for a weights file that names none and nothing built. */
    private readonly formConfig: () => unknown = () => null,
  ) {}

  /** A name that says what and how far: `CartPole-v1-iter12`. */
  get suggestedName(): string {
    const env = this.app.algorithm?.config?.environment.env ?? 'run';
    return `${env}-iter${this.run.iteration}`;
  }

  async refresh(): Promise<void> {
    try {
      this.stored = (await this.app.checkpoints.listStored()).sort();
      if (!this.stored.includes(this.selected)) this.selected = this.stored[this.stored.length - 1] ?? '';
    } catch (e) {
      this.error = `Browser storage is unavailable: ${message(e)}`;
    }
  }

  async save(): Promise<void> {
    const name = this.name.trim() || this.suggestedName;
    await this.task(async () => {
      await this.app.checkpoints.saveToStorage(name);
      await this.refresh();
      this.selected = name;
      return `Saved “${name}” in this browser.`;
    });
  }

  async download(): Promise<void> {
    const name = this.name.trim() || this.suggestedName;
    await this.task(async () => {
      downloadText(`${name}.checkpoint.json`, await this.app.checkpoints.exportJson());
      return `Downloaded ${name}.checkpoint.json.`;
    });
  }

  /** The checkpoint's weights alone, as plain numbers any tool can read (reshape `values[i]` to `shapes[i]`). */
  async exportWeights(): Promise<void> {
    const name = this.name.trim() || this.suggestedName;
    await this.task(async () => {
      const ckpt = checkpointFromJson(await this.app.checkpoints.exportJson());
      const config = this.app.algorithm?.config;
      const file = {
        format: WEIGHTS_FORMAT,
        algo: ckpt.algo,
        env: config?.environment.env ?? null,
        rlModule: config?.rlModule ?? null,
        version: ckpt.weights.version,
        names: ckpt.weights.names,
        shapes: ckpt.weights.shapes,
        values: ckpt.weights.arrays.map((a) => Array.from(a)),
      };
      downloadText(`${name}.weights.json`, JSON.stringify(file));
      return `Exported the policy weights as ${name}.weights.json.`;
    });
  }

  async loadStored(): Promise<void> {
    const name = this.selected;
    if (!name) return;
    await this.task(async () => {
      await this.app.checkpoints.restoreFromStorage(name);
      this.restored();
      return `Loaded “${name}”: training continues from iteration ${this.run.iteration}.`;
    });
  }

  async loadFile(file: File): Promise<void> {
    await this.task(async () => {
      await this.app.checkpoints.restoreFromJson(await file.text());
      this.restored();
      return `Loaded ${file.name}: training continues from iteration ${this.run.iteration}.`;
    });
  }

  /**
   * Policy weights from a .safetensors file in RLlib's layout (an export of ours, or a module
   * trained with RLlib): loaded into the built run (or the run the file or the form describes),
   * so the preview plays them at once and training can continue from them.
   */
  async loadWeightsFile(file: File): Promise<void> {
    await this.task(async () => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const confirm = (warnings: readonly string[]): Promise<boolean> =>
        new Promise((resolve) => {
          this.askBeforeBuild = {
            warnings,
            answer: (build) => {
              this.askBeforeBuild = null;
              resolve(build);
            },
          };
        });
      const { algo, numTensors } = await this.app.checkpoints.importWeights(bytes, {}, this.formConfig(), confirm);
      this.restored();
      return `Loaded ${numTensors} ${algo} weight tensors from ${file.name}: the preview plays this policy.`;
    });
  }

  private restored(): void {
    this.run.afterRestore(this.app.algorithm?.counters.trainingIteration ?? 0);
    this.onRestored();
  }

  private async task(fn: () => Promise<string>): Promise<void> {
    this.busy = true;
    this.error = null;
    this.note = null;
    try {
      this.note = await fn();
    } catch (e) {
      this.error = message(e);
    } finally {
      this.busy = false;
    }
  }
}
