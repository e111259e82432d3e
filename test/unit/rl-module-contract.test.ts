/**
 * The RLModule contract, checked by the compiler (`tsc -p tsconfig.json` type-checks test/): each
 * module class must be assignable to RLModule without casts, and something that is not a module
 * must not be. The runtime assertions only make Vitest run the file.
 */
import type * as tf from '@tensorflow/tfjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { TrainableModule } from '../../src/learner/learner';
import type { TargetNetworkSource } from '../../src/learner/target-network';
import type { MLPModule } from '../../src/rl-module/mlp-module';
import type { QModule, QTrainOutputs } from '../../src/rl-module/q-module';
import { Columns, QF_PREDS } from '../../src/rl-module/rl-module';
import type { ExplorationOutputs, InferenceModule, RLModule } from '../../src/rl-module/rl-module';

/** Compiles only if M is an RLModule with train outputs Out. */
function acceptsModule<Out extends Readonly<Record<string, tf.Tensor>>>(m: RLModule<Out>): RLModule<Out> {
  return m;
}

describe('RLModule contract', () => {
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
