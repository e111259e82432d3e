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

/** Learners an update runs on: numLearners, or the one on the page for 0. */
export function learnerCount(numLearners: number): number {
  return Math.max(1, numLearners);
}

/**
 * Batch sizes from runners x envs x fragment length, in one place. 'auto' fragment length is
 * RLlib's: ceil(train batch / (max(1, numEnvRunners) * numEnvsPerEnvRunner))
 * (`AlgorithmConfig.get_rollout_fragment_length`). Like RLlib's synchronous sampling, whole rounds
 * are collected until the train batch size is reached, so the trained batch can be a little larger.
 * `numLearners`: the data-parallel learners the batch is for (PPO; 0 elsewhere). RLlib: the train
 * batch is train_batch_size_per_learner on each of num_learners learners.
 */
export function onPolicySamplingLayout(cfg: LayoutInput, numLearners = 0): SamplingLayout {
  const { numEnvRunners, numEnvsPerEnvRunner, rolloutFragmentLength } = cfg.envRunners;
  const target = cfg.training.trainBatchSizePerLearner * learnerCount(numLearners);
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
export function checkFragmentFitsBatch(out: IssueList, cfg: LayoutInput, numLearners = 0): void {
  if (!sizesAreValid(cfg) || !Number.isInteger(numLearners) || numLearners < 0) return;
  const sizes = onPolicySamplingLayout(cfg, numLearners);
  const learners = learnerCount(numLearners);
  const tbs = cfg.training.trainBatchSizePerLearner * learners;
  if (sizes.trainBatchSize <= tbs * 1.1) return;
  const wanted =
    learners > 1
      ? `trainBatchSizePerLearner (${tbs / learners}) x ${learners} learners (${tbs})`
      : `trainBatchSizePerLearner (${tbs})`;
  const perCall = sizes.numRunnersSampling * cfg.envRunners.numEnvsPerEnvRunner;
  out.warn(
    'envRunners.rolloutFragmentLength',
    `${sizes.numRunnersSampling} runner(s) x ${cfg.envRunners.numEnvsPerEnvRunner} env(s) x ` +
      `rolloutFragmentLength ${sizes.rolloutFragmentLength} gives ${sizes.trainBatchSize} steps per iteration, ` +
      `more than ${wanted}. Set rolloutFragmentLength to 'auto' or ` +
      `${Math.max(1, Math.floor(tbs / perCall))}, or trainBatchSizePerLearner to ${sizes.trainBatchSize / learners}.`,
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
