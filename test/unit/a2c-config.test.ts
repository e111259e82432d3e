/** A2C's config: RLlib's old-stack names and defaults, and validation that names the fix. */
import { describe, expect, it } from 'vitest';
import { A2C_DEFAULTS, a2c, a2cSamplingLayout } from '../../src/algorithms/a2c/a2c-config';
import { A2C_PRESETS } from '../../src/algorithms/a2c/a2c-presets';

describe('A2C config', () => {
  it("has RLlib A2CConfig's defaults", () => {
    expect(A2C_DEFAULTS.training).toMatchObject({
      lr: 1e-4,
      lambda: 1.0,
      useGae: true,
      useCritic: true,
      vfLossCoeff: 0.5,
      entropyCoeff: 0.01,
      gradClip: 40,
      trainBatchSizePerLearner: 200,
      microbatchSize: null,
    });
    expect(A2C_DEFAULTS.envRunners).toMatchObject({ numEnvRunners: 2, rolloutFragmentLength: 'auto' });
    expect(a2c().validate()).toEqual([]);
  });

  it("reads an RLlib user's old-stack keys", () => {
    const cfg = a2c()
      .fromJson({ lambda_: 0.9, use_gae: false, microbatch_size: 50, train_batch_size: 400, grad_clip: 10 })
      .toConfig();
    expect(cfg.training).toMatchObject({
      lambda: 0.9,
      useGae: false,
      microbatchSize: 50,
      trainBatchSizePerLearner: 400,
      gradClip: 10,
    });
  });

  it('reports GAE without a critic and a too-large microbatch together, each with its fix', () => {
    const issues = a2c().training({ useGae: true, useCritic: false, microbatchSize: 150 }).validate();
    const gae = issues.find((i) => i.path === 'training.useGae');
    expect(gae?.severity).toBe('error');
    expect(gae?.message).toContain('Set useCritic to true, or useGae to false');
    const micro = issues.find((i) => i.path === 'training.microbatchSize');
    expect(micro?.severity).toBe('warning');
    expect(micro?.message).toContain('at least 3x microbatchSize');
    expect(
      a2c()
        .training({ microbatchSize: 0 })
        .validate()
        .map((i) => i.path),
    ).toContain('training.microbatchSize');
  });

  it("'auto' fragment length splits the train batch over runners and envs (RLlib's rule)", () => {
    const cfg = a2c().envRunners({ numEnvRunners: 2, numEnvsPerEnvRunner: 4 }).toConfig();
    expect(a2cSamplingLayout(cfg)).toMatchObject({ rolloutFragmentLength: 25, trainBatchSize: 200 });
  });

  it('every preset is valid', () => {
    for (const [id, preset] of Object.entries(A2C_PRESETS)) {
      for (const p of [preset, ...Object.values(preset.variants ?? {})]) {
        const issues = a2c().fromJson(p.config).validate();
        expect(
          issues.filter((i) => i.severity === 'error'),
          id,
        ).toEqual([]);
      }
    }
  });
});
