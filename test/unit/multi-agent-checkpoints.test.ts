/**
 * Checkpoints of any number of modules (issue 30, item 3). Before, a checkpoint held at most 65
 * trained modules: the first one's Adam state was `optimizerState`, the others' went into
 * `optimizers`, which the schema caps at 64 entries (and their KL coefficients into learnerState,
 * capped at 64 keys). Now each trained module's learner state is its own entry of `modules`;
 * 100 trained modules save, pass the schema through the JSON codec and restore, and a checkpoint
 * that misses a module or has one this run lacks is refused naming them.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../src/algorithms/checkpoint';
import { checkpointIssues } from '../../src/algorithms/checkpoint-schema';
import { MultiAgentPPO } from '../../src/algorithms/multi-agent/multi-agent-ppo';
import { multiAgentPpo } from '../../src/algorithms/multi-agent/multi-agent-ppo-config';
import { checkpointFromJson, checkpointToJson } from '../../src/app/checkpoint-codec';
import type { RLError } from '../../src/core/errors';
import { unpackModuleWeights } from '../../src/rl-module/multi-module-weights';

const N = 100;
const ids = Array.from({ length: N }, (_, i) => `m${i}`);

const config = multiAgentPpo()
  .environment('MultiAgentCartPole', { numAgents: N })
  .envRunners({ numEnvRunners: 0, numEnvsPerEnvRunner: 1, rolloutFragmentLength: 8 })
  .rlModule({ fcnetHiddens: [4] })
  .training({ trainBatchSizePerLearner: 8, minibatchSize: 8, numEpochs: 1, useKlLoss: true })
  .multiAgent({ policies: ids, policyMappingFn: Object.fromEntries(ids.map((id, i) => [String(i), id])) })
  .debugging({ seed: 2 })
  .toConfig();

let trained: MultiAgentPPO;
let ckpt: Checkpoint;

beforeAll(async () => {
  await tf.setBackend('cpu');
  trained = await MultiAgentPPO.build(config, { backend: 'cpu' });
  await trained.train();
  ckpt = checkpointFromJson(checkpointToJson(await trained.save()));
}, 120_000);

afterAll(() => trained?.stop());

describe(`a checkpoint of ${N} trained modules`, () => {
  it('holds every module: weights packed, one learner-state entry each, valid through the JSON codec', () => {
    expect(Object.keys(ckpt.modules ?? {})).toEqual(ids);
    expect([...unpackModuleWeights(ckpt.weights).keys()]).toEqual(ids);
    for (const id of ids) {
      expect(ckpt.modules![id]!.optimizerState.step, id).toBe(1);
      expect(ckpt.modules![id]!.learnerState['currKlCoeff'], id).toBeGreaterThan(0);
    }
    expect(checkpointIssues(ckpt)).toEqual([]);
  });

  it('restores into a fresh run: every weight and Adam state, and training goes on', async () => {
    const fresh = await MultiAgentPPO.build(config, { backend: 'cpu' });
    try {
      await fresh.restore(ckpt);
      const again = await fresh.save();
      expect(again.weights.arrays).toEqual(ckpt.weights.arrays);
      for (const id of ids) expect(again.modules![id]!.optimizerState).toEqual(ckpt.modules![id]!.optimizerState);
      const r = await fresh.train();
      expect(r['training_iteration']).toBe(2);
    } finally {
      fresh.stop();
    }
  }, 120_000);

  it('a module the checkpoint lacks, or one it has that the run does not, is named', async () => {
    const fresh = await MultiAgentPPO.build(config, { backend: 'cpu' });
    try {
      const { m7: _dropped, ...rest } = ckpt.modules!;
      const keep = ckpt.weights.names.map((n) => !n.startsWith('m7/'));
      const lacking = {
        ...ckpt,
        weights: {
          ...ckpt.weights,
          names: ckpt.weights.names.filter((_, i) => keep[i]),
          shapes: ckpt.weights.shapes.filter((_, i) => keep[i]),
          arrays: ckpt.weights.arrays.filter((_, i) => keep[i]),
        },
        modules: rest,
      };
      const refused = await fresh.restore(lacking).then(
        () => null,
        (e: unknown) => e as RLError,
      );
      expect(refused?.code).toBe('checkpoint/mismatch');
      expect(refused?.message).toMatch(
        /lacks the weights of module\(s\) m7; it lacks the learner state of trained module\(s\) m7/,
      );
      const extra = {
        ...ckpt,
        weights: { ...ckpt.weights, names: ckpt.weights.names.map((n) => n.replace(/^m99\//, 'zz/')) },
        modules: { ...rest, m7: ckpt.modules!['m7']!, zz: ckpt.modules!['m99']! },
      };
      await expect(fresh.restore(extra)).rejects.toThrow(
        /it has module\(s\) zz that this run does not .*learner state for module\(s\) zz that this run does not train/,
      );
    } finally {
      fresh.stop();
    }
  }, 120_000);
});
