/**
 * What the synchronous on-policy algorithms (PPO, A2C) share in their configs: the sampling
 * layout ('auto' fragment length from the train batch size, whole rounds of sample calls) and the
 * warning when the fragment settings overshoot the train batch. No TF.js: the specs import this.
 */
import type { AlgorithmConfigBase } from '../core/config';
import type { IssueList } from '../core/config-validation';
import type { SamplingLayout } from './spec';

type LayoutInput = Pick<AlgorithmConfigBase, 'envRunners'> & {
  readonly training: { readonly trainBatchSizePerLearner: number };
};

/**
 * Batch sizes from runners x envs x fragment length, in one place. 'auto' fragment length is
 * RLlib's: ceil(trainBatchSizePerLearner / (max(1, numEnvRunners) * numEnvsPerEnvRunner))
 * (`AlgorithmConfig.get_rollout_fragment_length`). Like RLlib's synchronous sampling, whole rounds
 * are collected until the train batch size is reached, so the trained batch can be a little larger.
 */
export function onPolicySamplingLayout(cfg: LayoutInput): SamplingLayout {
  const { numEnvRunners, numEnvsPerEnvRunner, rolloutFragmentLength } = cfg.envRunners;
  const target = cfg.training.trainBatchSizePerLearner;
  const numRunnersSampling = Math.max(1, numEnvRunners);
  const fragment =
    rolloutFragmentLength === 'auto'
      ? Math.max(1, Math.ceil(target / (numRunnersSampling * numEnvsPerEnvRunner)))
      : rolloutFragmentLength;
  const stepsPerSampleCall = fragment * numEnvsPerEnvRunner;
  const stepsPerRound = stepsPerSampleCall * numRunnersSampling;
  const numSampleRounds = Math.max(1, Math.ceil(target / stepsPerRound));
  return {
    rolloutFragmentLength: fragment,
    stepsPerSampleCall,
    trainBatchSize: numSampleRounds * stepsPerRound,
    numRunnersSampling,
    numSampleRounds,
  };
}

/**
 * RLlib errors when the fragment settings cannot give the train batch size within 10%; we warn.
 * Skipped while the sizes themselves are invalid (their own checks report that).
 */
export function checkFragmentFitsBatch(out: IssueList, cfg: LayoutInput): void {
  if (!sizesAreValid(cfg)) return;
  const sizes = onPolicySamplingLayout(cfg);
  const tbs = cfg.training.trainBatchSizePerLearner;
  if (sizes.trainBatchSize <= tbs * 1.1) return;
  const perCall = sizes.numRunnersSampling * cfg.envRunners.numEnvsPerEnvRunner;
  out.warn(
    'envRunners.rolloutFragmentLength',
    `${sizes.numRunnersSampling} runner(s) x ${cfg.envRunners.numEnvsPerEnvRunner} env(s) x ` +
      `rolloutFragmentLength ${sizes.rolloutFragmentLength} gives ${sizes.trainBatchSize} steps per iteration, ` +
      `more than trainBatchSizePerLearner (${tbs}). Set rolloutFragmentLength to 'auto' or ` +
      `${Math.max(1, Math.floor(tbs / perCall))}, or trainBatchSizePerLearner to ${sizes.trainBatchSize}.`,
  );
}

function sizesAreValid(cfg: LayoutInput): boolean {
  const r = cfg.envRunners;
  const isInt = (x: unknown, min: number): boolean => typeof x === 'number' && Number.isInteger(x) && x >= min;
  const fragmentOk = r.rolloutFragmentLength === 'auto' || isInt(r.rolloutFragmentLength, 1);
  return (
    isInt(r.numEnvRunners, 0) &&
    isInt(r.numEnvsPerEnvRunner, 1) &&
    fragmentOk &&
    isInt(cfg.training.trainBatchSizePerLearner, 1)
  );
}
