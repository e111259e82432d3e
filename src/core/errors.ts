/**
 * Errors that explain their fix. Each carries a stable `code` (`area/what`) so the UI, the CLI
 * and tests can tell them apart without matching message text.
 */
export class RLError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RLError';
  }
}

/** One problem found by a config validation: where, what, and how to fix it. */
export interface ConfigIssue {
  /** Dotted path in the config, e.g. `training.minibatchSize`. */
  readonly path: string;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export class ConfigError extends RLError {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super('config/invalid', `Invalid config:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
