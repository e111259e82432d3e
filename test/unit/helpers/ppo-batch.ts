import type { Rng } from '../../../src/core/rng';
import type { SampleBatch } from '../../../src/core/sample-batch';
import { ChunkEnd } from '../../../src/core/sample-batch';
import { flatDim } from '../../../src/core/spaces';
import type { MLPModule } from '../../../src/rl-module';

/**
 * A batch in the EnvRunner's layout, with actions/logp/values from the module's own exploration.
 * `chunks` are [length, end] pairs; `reward(obsRow, actions, row)` gives each step's reward.
 */
export async function syntheticBatch(
  m: MLPModule,
  chunks: readonly [number, ChunkEnd][],
  rng: Rng,
  reward: (actions: Int32Array | Float32Array, row: number) => number = () => 1,
): Promise<SampleBatch> {
  const obsDim = flatDim(m.spec.observationSpace);
  const numSteps = chunks.reduce((n, [len]) => n + len, 0);
  const actionDim = flatDim(m.spec.actionSpace);
  const obs = Float32Array.from({ length: numSteps * obsDim }, () => rng.uniform(-1, 1));
  const actions =
    m.spec.actionSpace.kind === 'discrete' ? new Int32Array(numSteps) : new Float32Array(numSteps * actionDim);
  const actionLogp = new Float32Array(numSteps);
  const vfPreds = new Float32Array(numSteps);
  await m.forwardExploration(obs, numSteps, rng, { actions, actionLogp, vfPreds });
  const chunkStarts = new Int32Array(chunks.length + 1);
  const terminateds = new Uint8Array(numSteps);
  const truncateds = new Uint8Array(numSteps);
  chunks.forEach(([len, end], c) => {
    chunkStarts[c + 1] = chunkStarts[c]! + len;
    const last = chunkStarts[c + 1]! - 1;
    if (end === ChunkEnd.TERMINATED) terminateds[last] = 1;
    if (end === ChunkEnd.TRUNCATED) truncateds[last] = 1;
  });
  return {
    numSteps,
    obsDim,
    actionDim,
    obs,
    actions,
    rewards: Float32Array.from({ length: numSteps }, (_, i) => reward(actions, i)),
    terminateds,
    truncateds,
    actionLogp,
    vfPreds,
    chunkStarts,
    chunkEnds: Uint8Array.from(chunks.map(([, end]) => end)),
    chunkEpisodeIds: Float64Array.from(chunks.map((_, c) => c)),
    chunkEnvIndices: Int32Array.from(chunks.map((_, c) => c % 2)),
    finalObs: Float32Array.from({ length: chunks.length * obsDim }, () => rng.uniform(-1, 1)),
    workerIndex: 0,
    weightsSeq: m.weightsVersion,
  };
}
