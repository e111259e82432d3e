/**
 * MARWIL on RLlib's new API stack: MARWILConfig's names (rllib/algorithms/marwil/marwil.py,
 * `MARWILConfig.training`), AlgorithmConfig's `offline_data()` and `evaluation()` for the two
 * offline sections. RLlib's MARWIL builds PPO's module (DefaultPPOTorchRLModule), so the weights
 * take PPO's names. Our env runners only evaluate, so their count is RLlib's
 * evaluation_num_env_runners (RLlib trains MARWIL from the data, without sampling runners).
 */
import { ACTOR_CRITIC_WEIGHTS } from '../rllib/actor-critic-layout';
import { NO_NON_FINITE_STOP, type RLlibKey, type RLlibMapping } from '../rllib/rllib-mapping';

const train = (name: string): RLlibKey => ({ method: 'training', name });

/** The keys MARWIL and BC share (BCConfig extends MARWILConfig in RLlib as here). */
export const OFFLINE_RLLIB_KEYS: Readonly<Record<string, RLlibKey>> = {
  'envRunners.numEnvRunners': { method: 'evaluation', name: 'evaluation_num_env_runners' },
  'training.lr': train('lr'),
  'training.gamma': train('gamma'),
  'training.trainBatchSizePerLearner': train('train_batch_size_per_learner'),
  'training.beta': train('beta'),
  'training.vfCoeff': train('vf_coeff'),
  'training.movingAverageSqdAdvNormUpdateRate': train('moving_average_sqd_adv_norm_update_rate'),
  'training.movingAverageSqdAdvNormStart': train('moving_average_sqd_adv_norm_start'),
  'training.gradClip': train('grad_clip'),
  'training.gradClipBy': train('grad_clip_by'),
  'training.maxConsecutiveNonFiniteUpdates': NO_NON_FINITE_STOP,
  'offlineData.input': {
    method: 'offline_data',
    name: 'input_',
    note: 'Parquet files written by npm run record (RLlib column names); paths as given to the run, relative to where it was trained.',
  },
  'offlineData.datasetNumItersPerLearner': { method: 'offline_data', name: 'dataset_num_iters_per_learner' },
  'evaluation.evaluationInterval': { method: 'evaluation', name: 'evaluation_interval' },
  'evaluation.evaluationDuration': { method: 'evaluation', name: 'evaluation_duration' },
  'evaluation.evaluationDurationUnit': { method: 'evaluation', name: 'evaluation_duration_unit' },
};

export const MARWIL_RLLIB: RLlibMapping = {
  configClass: 'MARWILConfig',
  importFrom: 'ray.rllib.algorithms.marwil',
  keys: OFFLINE_RLLIB_KEYS,
  ...ACTOR_CRITIC_WEIGHTS,
};
