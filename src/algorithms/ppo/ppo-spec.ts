/**
 * PPO as the app, UI and CLI see it: defaults, RLlib names, validation, sampling layout, presets,
 * form fields and charts, all TF.js-free; `load()` imports the implementation (TF.js) on demand.
 */
import { PPO_RLLIB } from './ppo-rllib';
import type { AlgorithmSpec } from '../spec';
import { PPO_CHARTS, PPO_FORM_SECTIONS } from './ppo-form';
import { PPO_DEFAULTS, PPO_KEY_ALIASES, derivedSizes, ppo, validatePPOConfig, type PPOConfig } from './ppo-config';
import { PPO_PRESETS } from './presets';
import type { BuildOptions as PPOBuildOptions } from './ppo';

function lrText(lr: PPOConfig['training']['lr']): string {
  return typeof lr === 'number'
    ? String(lr)
    : `schedule ${lr.map(([s, v]) => `${v}@${Math.round(s).toLocaleString('en-US')}`).join(' -> ')}`;
}

export const PPO_SPEC: AlgorithmSpec<PPOConfig> = {
  name: 'PPO',
  title: 'PPO — proximal policy optimization (on-policy)',
  description: 'Proximal Policy Optimization (Schulman et al. 2017), RLlib’s PPO.',
  defaultsNote: "RLlib's PPOConfig defaults (large: 4000 steps per iteration, 30 epochs).",
  actionSpaces: ['discrete', 'box'],
  defaults: PPO_DEFAULTS,
  keyAliases: PPO_KEY_ALIASES,
  rllib: PPO_RLLIB,
  builder: ppo,
  validate: validatePPOConfig,
  samplingLayout: derivedSizes,
  presets: PPO_PRESETS,
  formSections: PPO_FORM_SECTIONS,
  charts: PPO_CHARTS,
  describeTraining: (c) => {
    const t = c.training;
    return `lr ${lrText(t.lr)}, gamma ${t.gamma}, lambda ${t.lambda}, ${t.numEpochs} epochs x minibatch ${t.minibatchSize}`;
  },
  // ppo.ts exports the class; its static build is the implementation's build. The type-only
  // import above is erased, so nothing of TF.js loads until this runs.
  load: async () => {
    const { PPO } = await import('./ppo');
    return { build: (config, opts) => PPO.build(config, opts as PPOBuildOptions) };
  },
};
