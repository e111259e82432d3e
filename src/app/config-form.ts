/**
 * What the configuration form needs from below app/: the registered envs and algorithms, the
 * value parser the URL and CLI use, and one validation call that returns every issue with its
 * path, so each field can show its own message (RLlib's validate(), all problems at once).
 */
import { PPO_DEFAULTS, ppo, type PPOConfig } from '../algorithms/ppo/ppo-config';
import type { ValidationContext } from '../core/config-validation';
import { coerceValue } from '../core/config-keys';
import type { ConfigIssue } from '../core/errors';
import { getEnvSpec, listEnvs } from '../envs';

export type { ConfigIssue } from '../core/errors';

export interface ConfigCheck {
  /** The input merged over PPO's defaults, exactly as build() would see it. */
  readonly config: PPOConfig;
  /** Errors and warnings, each with a dotted path (`training.minibatchSize`, `rlModule.fcnetHiddens.1`). */
  readonly issues: readonly ConfigIssue[];
  /** No issue has severity 'error'. */
  readonly valid: boolean;
}

/** Validates a (partial, sectioned or RLlib-flat) config the way rl.build() will, without building. */
export function validateConfig(input: unknown, ctx: ValidationContext = {}): ConfigCheck {
  const builder = ppo().fromJson(input);
  const issues = builder.validate({ knownEnvIds: listEnvs(), ...ctx });
  return { config: builder.toConfig(), issues, valid: !issues.some((i) => i.severity === 'error') };
}

/** Registered env ids, built-in and custom, in registration order. */
export function envIds(): string[] {
  return listEnvs();
}

/** Gymnasium-style metadata for an env id: description, time limit, reward threshold. */
export function envInfo(
  id: string,
): { description: string; maxEpisodeSteps: number | null; rewardThreshold: number | null } | null {
  const spec = getEnvSpec(id);
  if (!spec) return null;
  return {
    description: spec.description ?? '',
    maxEpisodeSteps: spec.maxEpisodeSteps ?? null,
    rewardThreshold: spec.rewardThreshold ?? null,
  };
}

/**
 * Algorithms the form can configure (each needs its defaults and validation here). Not read from
 * algorithms/registry.ts, which loads TF.js: this module stays light enough for Node tests.
 */
export const ALGORITHM_NAMES: readonly string[] = [PPO_DEFAULTS.algo];

/**
 * A form field's text as a config value, with the URL's and CLI's rules (`64,64` is a list,
 * `0:1e-3,200000:3e-4` a schedule, `auto`, `true`). Unparseable text stays a string so that
 * validation names it in its message. Empty text means null for the fields that allow null.
 */
export function parseFieldValue(path: string, raw: string, nullable = false): unknown {
  if (nullable && raw.trim() === '') return null;
  return coerceValue(path, raw);
}
