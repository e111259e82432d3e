/** The app layer: the facade and what the UI and CLI need from below, re-exported so they import only app/. */
export { AppFacade } from './app-facade';
export { TrainerApp } from './trainer-app';
export type { AppStatus, BuiltRun, RunEvents, RunnerView, RunSummary, TrainOptions } from './trainer-app';
export { checkpointFromJson, checkpointToJson } from './checkpoint-codec';
export type { Checkpoint } from '../algorithms/checkpoint';
export type { ResultDict } from '../core/metric-keys';
export type { DeviceInfo } from '../backend/device';
export type { FailureEvent } from '../runtime/supervisor';
export type { EnvFault, LoadedEnvModule } from './user-envs';
export type { TrialView, TuneEvent } from './tune-session';
export { checkSweepText, EXAMPLE_SWEEP, MAX_TUNE_HASH_CHARS, tuneHashPiece, type SweepCheck } from './tune-url';
export { LESSONS, type LessonEntry } from './lessons';
export { compareTrials, comparisonSentences, trialLabel, verdictSentence, type Comparison } from '../tune/compare';
