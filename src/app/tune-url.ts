/**
 * A small sweep in the URL hash: `#tune=<the sweep's JSON, URI-encoded>` (the same JSON as
 * `npm run tune -- --config sweep.json`: param_space, tune_config, run_config, resources). The page
 * opens its Trials panel with the sweep in the editor and offers to start it; it never starts a
 * sweep by itself, since a link could otherwise fill someone's tab with trials.
 * Checked where it enters: a size limit (a link is no place for a large search space), JSON
 * syntax, then parseSweep's every-problem-at-once validation.
 */
import type { ConfigIssue } from '../core/errors';
import { parseSweep, type Sweep } from '../tune/sweep';

/** Longest sweep JSON the hash may carry (characters, before URI encoding). */
export const MAX_TUNE_HASH_CHARS = 4000;

/** A sweep to start with when nothing is given: 3 learning rates x 2 seeds of a small CartPole PPO. */
export const EXAMPLE_SWEEP = {
  param_space: {
    env: 'CartPole-v1',
    lr: { grid_search: [1e-3, 3e-4, 1e-4] },
    num_env_runners: 1,
    num_envs_per_env_runner: 8,
    rollout_fragment_length: 64,
    train_batch_size_per_learner: 512,
    minibatch_size: 128,
    num_gpus_per_learner: 0,
    seed: 1,
  },
  tune_config: { num_samples: 2, max_concurrent_trials: 2 },
  run_config: { stop: { training_iteration: 10 } },
};

export interface SweepCheck {
  /** The parsed JSON when it is a valid sweep (what rl.sweeps.run takes), else null. */
  readonly input: unknown;
  readonly sweep: Sweep | null;
  /** Every problem, errors and warnings, each naming where it is. */
  readonly issues: readonly ConfigIssue[];
}

/** Validates a sweep's JSON text (the editor's or the URL's). */
export function checkSweepText(text: string): SweepCheck {
  if (text.length > MAX_TUNE_HASH_CHARS) {
    return {
      input: null,
      sweep: null,
      issues: [
        {
          path: 'tune',
          severity: 'error',
          message: `the sweep is ${text.length} characters; a URL or the editor takes at most ${MAX_TUNE_HASH_CHARS}. Use fewer search values or run it with npm run tune -- --config FILE.`,
        },
      ],
    };
  }
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return {
      input: null,
      sweep: null,
      issues: [{ path: 'tune', severity: 'error', message: `not valid JSON (${why}); write it as in sweep.json.` }],
    };
  }
  const { sweep, issues } = parseSweep(input);
  return { input: sweep ? input : null, sweep, issues };
}

/** The hash piece for a sweep's JSON text (compact: whitespace dropped when it parses). */
export function tuneHashPiece(text: string): string {
  let compact = text;
  try {
    compact = JSON.stringify(JSON.parse(text));
  } catch {
    // Kept as typed: the page that opens it reports the syntax error.
  }
  return `tune=${encodeURIComponent(compact)}`;
}
