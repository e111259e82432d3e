/** BC's and MARWIL's configs: RLlib's names (offline_data, evaluation), defaults and every problem at once. */
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/algorithms/registry';

describe('BC and MARWIL configs', () => {
  it("take RLlib's names, flat or by section, and keep RLlib's defaults", () => {
    const { config, valid, issues } = checkConfig({
      algo: 'marwil',
      env: 'CartPole-v1',
      input_: ['a.parquet', 'b.parquet'],
      offline_data: { dataset_num_iters_per_learner: 5 },
      evaluation: { evaluation_interval: 2, evaluation_duration: 3, evaluation_duration_unit: 'timesteps' },
      beta: 0.5,
      vf_coeff: 0.25,
    });
    expect(issues).toEqual([]);
    expect(valid).toBe(true);
    const c = config as unknown as Record<string, Record<string, unknown>>;
    expect(c['offlineData']).toEqual({ input: ['a.parquet', 'b.parquet'], datasetNumItersPerLearner: 5 });
    expect(c['evaluation']).toEqual({
      evaluationInterval: 2,
      evaluationDuration: 3,
      evaluationDurationUnit: 'timesteps',
    });
    expect(c['training']).toMatchObject({ beta: 0.5, vfCoeff: 0.25, lr: 1e-4, movingAverageSqdAdvNormStart: 100 });
    expect(checkConfig({ algo: 'BC', input: ['x.parquet'] }).config.training).toMatchObject({ beta: 0, lr: 1e-4 });
  });

  it('reports every problem at once, each naming the fix', () => {
    const { valid, issues } = checkConfig({
      algo: 'BC',
      input_: 'data.parquet',
      beta: 0.5,
      dataset_num_iters_per_learner: 0,
      evaluation_duration_unit: 'hours',
    });
    expect(valid).toBe(false);
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath['offlineData.input']).toContain('Write it as a list: ["data.parquet"]');
    expect(byPath['training.beta']).toContain('BC is MARWIL with beta 0');
    expect(byPath['offlineData.datasetNumItersPerLearner']).toBeDefined();
    expect(byPath['evaluation.evaluationDurationUnit']).toBeDefined();
    const empty = checkConfig({ algo: 'MARWIL' });
    expect(empty.issues.find((i) => i.path === 'offlineData.input')?.message).toContain('npm run record');
  });
});
