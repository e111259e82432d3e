/** RLModule: TF.js models, action distributions, weights as plain data. No DOM: loads in workers. */
export { MLPModule, makeModule } from './mlp-module';
export type { RLModuleSpec } from './mlp-module';
export { QModule, DEFAULT_Q_MODEL_CONFIG } from './q-module';
export type { QModelConfig, QModuleSpec } from './q-module';
export { makeRLModule } from './module-factory';
export type { ModuleDescriptor, ModuleSpaces } from './module-factory';
export type { InferenceModule, RLModule } from './rl-module';
export { Categorical, DiagGaussian, distributionFor } from './distributions';
export type { ActionDistribution } from './distributions';
export { checkWeights, orthogonal, weightsTransferables } from './weights';
export type { ModuleWeights } from './weights';
