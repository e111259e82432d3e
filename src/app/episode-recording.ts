/**
 * Recording (RLlib's `output`): runs the built algorithm's EnvRunners for a number of env steps
 * without training and writes what they sampled as a Parquet episode file (offline/). The
 * behaviour policy is the algorithm's current one: a restored checkpoint records a trained agent,
 * a fresh build an untrained one. Explore or greedy as envRunners.explore says; action_logp is
 * written only when exploring (a greedy runner has no sampling probability to report).
 */
import type { Algorithm } from '../algorithms/algorithm';
import { RLError } from '../core/errors';
import { isMultiAgentEnv } from '../envs/multi-agent/registry';
import { concatTables, groupByEpisode, tableFromBatches, type EpisodeTable } from '../offline/episode-table';
import { writeEpisodesParquet } from '../offline/parquet-episodes';

/** Env steps per group sample() call while recording, so a long recording reports progress. */
const STEPS_PER_CALL = 5_000;

export interface EpisodeRecording {
  /** The Parquet file. */
  readonly bytes: Uint8Array;
  readonly numEnvSteps: number;
  /** Episodes with at least one recorded row (the last ones may be cut off). */
  readonly numEpisodes: number;
  /** Episodes that ended (terminated or truncated) within the recording, and their mean return. */
  readonly numCompletedEpisodes: number;
  readonly episodeReturnMean: number;
}

export async function recordEpisodes(
  algo: Algorithm,
  numEnvSteps: number,
  onProgress?: (stepsSoFar: number) => void,
): Promise<EpisodeRecording> {
  if (!Number.isInteger(numEnvSteps) || numEnvSteps < 1) {
    throw new RLError('offline/num-steps', `Record at least 1 env step (a whole number), got ${numEnvSteps}.`);
  }
  const env = algo.config.environment.env;
  if (isMultiAgentEnv(env)) {
    // Its runners return per-module batches and an empty env-level one: nothing here to record.
    throw new RLError(
      'offline/multi-agent',
      `${env} is a multi-agent env; recording writes single-agent episode files (one policy, RLlib's ` +
        'single-agent episode columns). Record a single-agent env.',
    );
  }
  const group = algo.envRunnerGroup;
  const explore = algo.config.envRunners.explore;
  const nextT = new Map<string, number>();
  const parts: EpisodeTable[] = [];
  const returns: number[] = [];
  let steps = 0;
  while (steps < numEnvSteps) {
    const { batches, metrics } = await group.sample(Math.min(STEPS_PER_CALL, numEnvSteps - steps));
    const got = batches.reduce((n, b) => n + b.numSteps, 0);
    // Every call must bring rows, or the loop would sample forever; the group throws when no
    // runner is left, so this names whatever else returned nothing.
    if (got === 0) {
      throw new RLError(
        'offline/no-progress',
        `Recording stopped after ${steps} of ${numEnvSteps} env steps: a sample call returned no rows to record.`,
      );
    }
    parts.push(tableFromBatches(batches, { nextT, withActionLogp: explore }));
    for (const m of metrics) for (const r of m.episodeReturns) returns.push(r);
    steps += got;
    onProgress?.(steps);
  }
  const table = groupByEpisode(concatTables(parts, { distinctIds: false }));
  return {
    bytes: writeEpisodesParquet(table, { env: algo.config.environment.env }),
    numEnvSteps: table.numRows,
    numEpisodes: new Set(table.epsId).size,
    numCompletedEpisodes: returns.length,
    episodeReturnMean: returns.length ? returns.reduce((a, b) => a + b, 0) / returns.length : Number.NaN,
  };
}
