/**
 * The RLModule contract, checked by the compiler (`tsc -p tsconfig.json` type-checks test/): each
 * module class must be assignable to RLModule without casts, and something that is not a module
 * must not be. The runtime assertions only make Vitest run the file.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { Rng } from '../../src/core/rng';
import { box, discrete } from '../../src/core/spaces';
import type { TrainableModule } from '../../src/learner/learner';
import type { TargetNetworkSource } from '../../src/learner/target-network';
import type { MLPModule } from '../../src/rl-module/mlp-module';
import { makeModule } from '../../src/rl-module/mlp-module';
import type { QTrainOutputs } from '../../src/rl-module/q-module';
import { QModule } from '../../src/rl-module/q-module';
import { Columns, QF_PREDS } from '../../src/rl-module/rl-module';
import type { ExplorationOutputs, InferenceModule, RLModule } from '../../src/rl-module/rl-module';

/** Compiles only if M is an RLModule with train outputs Out. */
function acceptsModule<Out extends Readonly<Record<string, tf.Tensor>>>(m: RLModule<Out>): RLModule<Out> {
  return m;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('RLModule contract', () => {
  it('runs both modules through the interface alone, as an EnvRunner would', async () => {
    const observationSpace = box(-1, 1, [3]);
    const model = { fcnetHiddens: [4], fcnetActivation: 'tanh' as const };
    const modules: RLModule[] = [
      makeModule({ observationSpace, actionSpace: discrete(2), model: { ...model, vfShareLayers: false }, seed: 1 }),
      new QModule({
        observationSpace,
        actionSpace: discrete(2),
        model: { ...model, headFcnetHiddens: [], headFcnetActivation: 'relu', dueling: true },
        seed: 1,
      }),
    ];
    const obs = Float32Array.of(0.1, 0.2, 0.3, -0.1, -0.2, -0.3);
    for (const m of modules) {
      m.setEpsilon?.(0.5);
      const out: ExplorationOutputs = {
        actions: new Int32Array(2).fill(-1),
        actionLogp: new Float32Array(2),
        vfPreds: new Float32Array(2),
      };
      await m.forwardExploration(obs, 2, new Rng(0), out);
      expect(Array.from(out.actions).every((a) => a === 0 || a === 1)).toBe(true);
      const greedy = { actions: new Int32Array(2).fill(-1) };
      await m.forwardInference(obs, 2, greedy);
      expect(Array.from(greedy.actions).every((a) => a === 0 || a === 1)).toBe(true);
      m.setWeights(await m.getWeights());
      expect(m.variableNames).toHaveLength(m.trainableVariables.length);
      m.dispose();
    }
    expect(modules[1]!.explorationOutputs).toEqual(['actions']);
    expect(modules[0]!.explorationOutputs).toBeUndefined(); // all of ExplorationOutputs
  });

  it('MLPModule and QModule are RLModules, InferenceModules, Learner modules and target-network sources', () => {
    expectTypeOf<MLPModule>().toExtend<RLModule>();
    expectTypeOf<MLPModule>().toExtend<RLModule<{ actionDistInputs: tf.Tensor2D; vfPreds: tf.Tensor1D }>>();
    expectTypeOf<QModule>().toExtend<RLModule<QTrainOutputs>>();
    expectTypeOf<MLPModule>().toExtend<InferenceModule>();
    expectTypeOf<QModule>().toExtend<InferenceModule>();
    expectTypeOf<QModule>().toExtend<TrainableModule>();
    expectTypeOf<QModule>().toExtend<TargetNetworkSource>();
    expectTypeOf<MLPModule>().toExtend<TargetNetworkSource>();
    expectTypeOf(acceptsModule<QTrainOutputs>)
      .parameter(0)
      .toEqualTypeOf<RLModule<QTrainOutputs>>();
    // What the EnvRunner passes today (its stepOut) is an ExplorationOutputs.
    expectTypeOf<{
      actions: Int32Array | Float32Array;
      actionLogp: Float32Array;
      vfPreds: Float32Array;
    }>().toExtend<ExplorationOutputs>();
    expect(true).toBe(true);
  });

  it('rejects what is not a module', () => {
    // A Q-network's train outputs are not an actor-critic's.
    expectTypeOf<QModule>().not.toExtend<RLModule<{ actionDistInputs: tf.Tensor2D }>>();
    // An out record without the logp / value buffers is not what runners pass.
    expectTypeOf<{ actions: Int32Array }>().not.toExtend<ExplorationOutputs>();
    const notAModule = { forwardTrain: (obs: tf.Tensor) => ({ q: obs }), weightsVersion: 0 };
    // @ts-expect-error lacks forwardExploration, forwardInference, weights and variables
    acceptsModule(notAModule);
    expect(true).toBe(true);
  });

  it("uses RLlib's column strings", () => {
    expect(Columns.OBS).toBe('obs');
    expect(Columns.NEXT_OBS).toBe('new_obs');
    expect(Columns.ACTION_LOGP).toBe('action_logp');
    expect(Columns.VF_PREDS).toBe('vf_preds');
    expect(QF_PREDS).toBe('qf_preds');
  });
});
