/**
 * The replay buffer against batches in the EnvRunner's real layout: a CartPole vector env stepped
 * with random actions, rows staged and chunked by the EnvRunner's own `StepStaging` (fragment
 * cuts, terminations, time-limit truncations, several sub-envs), checked against the transitions
 * the env actually made.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import { StepStaging } from '../../src/env-runner/step-staging';
import { makeVectorEnv } from '../../src/envs';
import { EpisodeReplayBuffer } from '../../src/replay';

interface EnvStep {
  readonly action: number;
  readonly reward: number;
  /** s_{t+1}: Gymnasium's final observation when the episode ended here. */
  readonly next: string;
  readonly terminated: boolean;
  readonly truncated: boolean;
}

const key = (obs: ArrayLike<number>): string => Array.from(obs).join(',');

/** Runs `numCalls` sample() calls of `fragmentLength` steps; returns the batches and what really happened, by s_t. */
function rollout(numEnvs: number, fragmentLength: number, numCalls: number) {
  const env = makeVectorEnv('CartPole-v1', { numEnvs, seed: 11, maxEpisodeSteps: 9 });
  env.reset(11);
  const od = 4;
  const staging = new StepStaging(numEnvs, od, 1, true);
  const rng = new Rng(12);
  let nextEpisodeId = 0;
  const episodeIds = Array.from({ length: numEnvs }, () => nextEpisodeId++);
  const truth = new Map<string, EnvStep & { episodeId: number }>();
  const actions = new Int32Array(numEnvs);
  const zeros = new Float32Array(numEnvs);
  const batches = [];
  for (let call = 0; call < numCalls; call++) {
    staging.begin(fragmentLength);
    for (let t = 0; t < fragmentLength; t++) {
      staging.ensureCapacity(t + 1);
      staging.writeObs(t, env.obs);
      const before = env.obs.slice();
      for (let i = 0; i < numEnvs; i++) actions[i] = rng.integer(2);
      staging.writePolicyOutputs(t, actions, zeros, zeros);
      env.step(actions);
      for (let i = 0; i < numEnvs; i++) {
        const done = staging.writeStepResult(t, i, env);
        staging.episodeIds[t * numEnvs + i] = episodeIds[i] ?? -1;
        const nextObs = done ? env.finalObs : env.obs;
        truth.set(key(before.subarray(i * od, (i + 1) * od)), {
          action: actions[i] ?? -1,
          reward: env.rewards[i] ?? NaN,
          next: key(nextObs.subarray(i * od, (i + 1) * od)),
          terminated: env.terminated[i] === 1,
          truncated: env.truncated[i] === 1 && env.terminated[i] !== 1,
          episodeId: episodeIds[i] ?? -1,
        });
        if (done) episodeIds[i] = nextEpisodeId++;
      }
    }
    batches.push(staging.toBatch({ completeEpisodesOnly: false, currentObs: env.obs, workerIndex: 0, weightsSeq: 0 }));
  }
  return { batches, truth };
}

describe('EpisodeReplayBuffer on EnvRunner batches (CartPole-v1, 3 sub-envs, 9-step time limit)', () => {
  const { batches, truth } = rollout(3, 4, 12);
  const buffer = new EpisodeReplayBuffer({ capacity: 1000, obsDim: 4, actionDim: 1, discreteActions: true });
  for (const batch of batches) buffer.add(batch);

  it('the rollout has cuts, terminations and truncations', () => {
    const steps = [...truth.values()];
    expect(steps.some((s) => s.terminated)).toBe(true);
    expect(steps.some((s) => s.truncated)).toBe(true);
    expect(buffer.size).toBe(3 * 4 * 12);
    expect(truth.size).toBe(buffer.size);
  });

  it('every stored step is the transition the env made (n = 1)', () => {
    const batch = buffer.sample(20 * buffer.size, new Rng(1), { nStep: 1, gamma: 0.5 });
    const seen = new Set<string>();
    for (let b = 0; b < batch.batchSize; b++) {
      const s = key(batch.obs.subarray(b * 4, b * 4 + 4));
      seen.add(s);
      const real = truth.get(s);
      expect(real).toBeDefined();
      if (!real) continue;
      expect(batch.actions[b]).toBe(real.action);
      expect(batch.rewards[b]).toBe(real.reward);
      expect(key(batch.nextObs.subarray(b * 4, b * 4 + 4))).toBe(real.next);
      expect(batch.terminateds[b]).toBe(real.terminated ? 1 : 0);
      expect(batch.discounts[b]).toBe(real.terminated ? 0 : 0.5);
    }
    expect(seen.size).toBe(buffer.size);
  });

  it('n-step returns walk the real episode across fragment cuts and stop at its end', () => {
    const nStep = 5;
    const batch = buffer.sample(20 * buffer.size, new Rng(2), { nStep, gamma: 1 });
    let stitched = 0;
    for (let b = 0; b < batch.batchSize; b++) {
      // Follow the true episode from s_t for up to n steps (or until it ends or leaves the rollout).
      let s = key(batch.obs.subarray(b * 4, b * 4 + 4));
      let reward = 0;
      let k = 0;
      let terminated = false;
      for (let real = truth.get(s); real && k < nStep; real = truth.get(s)) {
        reward += real.reward;
        k++;
        s = real.next;
        terminated = real.terminated;
        if (real.terminated || real.truncated) break;
      }
      expect(batch.nSteps[b]).toBe(k);
      expect(batch.rewards[b]).toBe(reward);
      expect(key(batch.nextObs.subarray(b * 4, b * 4 + 4))).toBe(s);
      expect(batch.terminateds[b]).toBe(terminated ? 1 : 0);
      if (k > 4) stitched++; // fragments are 4 steps long, so k = 5 always crosses a cut
    }
    expect(stitched).toBeGreaterThan(0);
  });
});
