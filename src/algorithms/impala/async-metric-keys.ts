/**
 * Result keys of asynchronous sampling (IMPALA, APPO), after RLlib's names where it has them
 * (rllib/utils/metrics/__init__.py: LEARNER_RESULTS ... diff_num_grad_updates_vs_sampler_policy).
 */
export const AsyncKeys = {
  /** Learner updates between the weights a batch was sampled with and the learner's, mean over the iteration's batches. */
  POLICY_LAG_MEAN: 'learners/default_policy/diff_num_grad_updates_vs_sampler_policy',
  POLICY_LAG_MAX: 'learners/default_policy/diff_num_grad_updates_vs_sampler_policy_max',
  /** Sample batches waiting for the Learner after the iteration's update. */
  LEARNER_QUEUE_SIZE: 'learner_queue/size',
  LEARNER_QUEUE_NUM_BATCHES_DROPPED_LIFETIME: 'learner_queue/num_batches_dropped_lifetime',
  LEARNER_QUEUE_NUM_ENV_STEPS_DROPPED_LIFETIME: 'learner_queue/num_env_steps_dropped_lifetime',
  /** sample() calls outstanding at the end of the iteration. */
  NUM_IN_FLIGHT_REQUESTS: 'env_runner_group/num_in_flight_requests',
  /** Requests lost because their runner failed while they were in flight (also in num_sample_fragments_dropped_lifetime). */
  NUM_REQUESTS_LOST_LIFETIME: 'fault_tolerance/num_in_flight_requests_lost_lifetime',
  NUM_LEARNER_UPDATES_LIFETIME: 'learners/default_policy/num_learner_updates_lifetime',
  /** APPO: circular buffer occupancy and target-network updates. */
  CIRCULAR_BUFFER_SIZE: 'learner_queue/circular_buffer_size',
  NUM_TARGET_UPDATES: 'learners/default_policy/num_target_updates',
} as const;
