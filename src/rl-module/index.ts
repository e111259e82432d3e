/** RLModule: TF.js models, action distributions, weights as plain data. No DOM: loads in workers. */
export { MLPModule, makeModule, DEFAULT_MODEL_CONFIG } from './mlp-module';
export type { ModelConfig, RLModuleSpec } from './mlp-module';
export { Categorical, DiagGaussian, distributionFor } from './distributions';
export type { ActionDistribution } from './distributions';
export { checkWeights, orthogonal, weightsTransferables } from './weights';
export type { ModuleWeights } from './weights';
