/** Learner: the plug-in point of an algorithm (computeLoss), its optimizer groups and update loops, the LearnerGroup. No DOM. */
export { Learner } from './learner';
export type {
  Columns,
  EpochsLoop,
  LearnerConfig,
  LearnerState,
  LossOutput,
  Minibatch,
  OptimizerState,
  TrainableModule,
  UpdateContext,
} from './learner';
export { LearnerGroup } from './learner-group';
export { clipFlatGradient, clipGradients, globalNorm, sumScalars } from './grad-clip';
export { FlatAdam } from './flat-adam';
export type { AdamMoments } from './flat-adam';
export type { GradClipBy } from './grad-clip';
export { lrAt, validateLrSchedule } from './lr-schedule';
export type { LrSchedule } from './lr-schedule';
