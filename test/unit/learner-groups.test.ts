import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LossLearner } from './helpers/loss-learner';
import { box, discrete } from '../../src/core/spaces';
import { QModule } from '../../src/rl-module/q-module';
import { Rng } from '../../src/core/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function module(): QModule {
  return new QModule({
    observationSpace: box(-1, 1, [3]),
    actionSpace: discrete(2),
    model: {
      fcnetHiddens: [4],
      fcnetActivation: 'tanh',
      headFcnetHiddens: [],
      headFcnetActivation: 'relu',
      dueling: false,
    },
    seed: 1,
  });
}

const columns = { obs: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)) };

describe('Learner optimizer groups', () => {
  it('two groups with different lr each update only their own variables', async () => {
    const m = module();
    const encoder = m.variableNames.filter((n) => n.startsWith('encoder/'));
    const head = m.variableNames.filter((n) => !n.startsWith('encoder/'));
    const learner = new LossLearner(
      m,
      {
        lr: 0,
        gradClip: null,
        gradClipBy: 'global_norm',
        optimizerGroups: {
          encoder: { lr: 0.1, gradClip: null, gradClipBy: 'global_norm', variables: encoder },
          head: { lr: 0, gradClip: null, gradClipBy: 'global_norm', variables: head },
        },
      },
      (mod: QModule, batch) => {
        const loss = tf.sum<tf.Scalar>(tf.square(mod.forwardTrain(batch['obs']!).qValues));
        return { loss, stats: { loss: tf.clone(loss) } };
      },
    );
    const before = await m.getWeights();
    const ctx = { rng: new Rng(0), lifetimeEnvSteps: 0, envStepsTrainedLifetime: 0 };
    const { stats } = await learner.updateOnBatch(columns, 8, ctx);
    // Adam's state exists after the first step; a second step allocates nothing that stays.
    const tensorsBefore = tf.memory().numTensors;
    await learner.updateOnBatch(columns, 8, ctx);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const after = await m.getWeights();
    after.names.forEach((name, i) => {
      const moved = after.arrays[i]!.some((v, k) => v !== before.arrays[i]![k]);
      // The encoder's biases start at 0 and get gradient; its kernel too. The head has lr 0.
      expect(moved, name).toBe(encoder.includes(name));
    });
    expect(stats['curr_lr']).toBe(0.1);
    expect(stats['head/curr_lr']).toBe(0);
    expect(stats['gradient_global_norm']).toBeGreaterThan(0);
    expect(stats['head/gradient_global_norm']).toBeGreaterThan(0);
    // The first group is the checkpoint's optimizerState, the others its optimizers by name.
    const state = await learner.getState();
    expect(Object.keys(state.optimizers!)).toEqual(['head']);
    expect(state.optimizerState.step).toBe(2);
    expect(state.optimizers!['head']!.names.filter((n) => n.startsWith('m/'))).toEqual(head.map((n) => `m/${n}`));
    await expect(learner.setState({ ...state, optimizers: {} })).rejects.toThrow(/optimizer group 'head'/);
    await learner.setState(state);
    expect((await learner.getState()).optimizers).toEqual(state.optimizers);
    learner.dispose();
  });

  it('rejects a group naming variables the module lacks', () => {
    const m = module();
    expect(
      () =>
        new LossLearner(
          m,
          {
            lr: 0.1,
            gradClip: null,
            gradClipBy: 'global_norm',
            optimizerGroups: { x: { lr: 0.1, gradClip: null, gradClipBy: 'global_norm', variables: ['nope/kernel'] } },
          },
          () => ({ loss: tf.scalar(0), stats: {} }),
        ),
    ).toThrow(/nope\/kernel/);
    m.dispose();
  });
});
