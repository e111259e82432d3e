/** Learner: optimizer, epochs x minibatches of a loss, gradient clipping, lr schedules. No DOM. */
export { Learner } from './learner';
export type {
  Columns,
  LearnerConfig,
  LearnerUpdateOptions,
  LossFn,
  Minibatch,
  OptimizerState,
  TrainableModule,
} from './learner';
export { clipFlatGradient, clipGradients, globalNorm, sumScalars } from './grad-clip';
export { FlatAdam } from './flat-adam';
export type { AdamMoments } from './flat-adam';
export type { GradClipBy } from './grad-clip';
export { lrAt, validateLrSchedule } from './lr-schedule';
export type { LrSchedule } from './lr-schedule';
