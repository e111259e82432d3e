/**
 * PPO as the app, UI and CLI see it: defaults, RLlib names, validation, sampling layout, presets,
 * form fields and charts, all TF.js-free; `load()` imports the implementation (TF.js) on demand.
 */
import { clamp, type AutoLayout } from '../auto-preset';
import { PPO_RLLIB } from './ppo-rllib';
import type { AlgorithmSpec, Preset } from '../spec';
import type { Algorithm } from '../algorithm';
import { PPO_CHARTS, PPO_FORM_SECTIONS } from './ppo-form';
import { derivedSizes, type PPOConfig } from './ppo-config';
import { PPO_PRESETS } from './presets';
import type { BuildOptions as PPOBuildOptions } from './ppo';
import {
  PPO_WITH_MULTI_AGENT_DEFAULTS,
  PPO_WITH_MULTI_AGENT_KEY_ALIASES,
  isMultiAgentConfig,
  ppoWithMultiAgent,
  validatePPOWithMultiAgent,
  type MultiAgentPPOConfig,
} from '../multi-agent/multi-agent-ppo-config';
import { MULTI_AGENT_PPO_PRESETS } from '../multi-agent/multi-agent-presets';

function lrText(lr: PPOConfig['training']['lr']): string {
  return typeof lr === 'number'
    ? String(lr)
    : `schedule ${lr.map(([s, v]) => `${v}@${Math.round(s).toLocaleString('en-US')}`).join(' -> ')}`;
}

/**
 * PPO's automatic preset, after the GridWalk-v0 and CartPole-v1 presets tuned here: fragments of
 * half an episode (16-64 steps), so one iteration holds a few episodes per sub-env; 4 epochs of two
 * minibatches (RLlib's 30 epochs of 4,000 steps take ~20 s an iteration on 2 cores); lr 3e-3 for
 * small nets, 1e-3 from width 128; a little entropy bonus for discrete actions.
 */
function ppoAutoPreset(l: AutoLayout): Preset<PPOConfig> {
  const fragment = clamp(2 ** Math.round(Math.log2(l.horizon / 2)), 16, 64);
  const batch = l.numSamplers * l.numEnvsPerEnvRunner * fragment;
  return {
    description: `Automatic for ${l.env.envId}: ${l.summary}, ${batch} steps per iteration, 4 epochs.`,
    config: {
      environment: { env: l.env.envId },
      envRunners: {
        numEnvRunners: l.numEnvRunners,
        numEnvsPerEnvRunner: l.numEnvsPerEnvRunner,
        rolloutFragmentLength: fragment,
      },
      rlModule: { fcnetHiddens: [...l.hiddens], fcnetActivation: 'tanh', vfShareLayers: false },
      training: {
        lr: l.hiddens[0] >= 128 ? 1e-3 : 3e-3,
        lambda: 0.95,
        entropyCoeff: l.env.actionSpace.kind === 'discrete' ? 0.01 : 0,
        useKlLoss: false,
        numEpochs: 4,
        minibatchSize: Math.max(32, batch / 2),
        trainBatchSizePerLearner: batch,
      },
    },
    stop: l.stop,
  };
}

/**
 * PPO, single- and multi-agent (RLlib: one PPOConfig with `.multi_agent()`): the config carries the
 * multiAgent section; a multi-agent env makes the run a MultiAgentPPO (algorithms/multi-agent/).
 */
export const PPO_SPEC: AlgorithmSpec<MultiAgentPPOConfig> = {
  name: 'PPO',
  title: 'PPO — proximal policy optimization (on-policy)',
  description: 'Proximal Policy Optimization (Schulman et al. 2017), RLlib’s PPO.',
  defaultsNote: "RLlib's PPOConfig defaults (large: 4000 steps per iteration, 30 epochs).",
  actionSpaces: ['discrete', 'box'],
  defaults: PPO_WITH_MULTI_AGENT_DEFAULTS,
  keyAliases: PPO_WITH_MULTI_AGENT_KEY_ALIASES,
  rllib: PPO_RLLIB,
  builder: ppoWithMultiAgent,
  validate: validatePPOWithMultiAgent,
  samplingLayout: derivedSizes,
  presets: { ...PPO_PRESETS, ...MULTI_AGENT_PPO_PRESETS },
  autoPreset: ppoAutoPreset,
  formSections: PPO_FORM_SECTIONS,
  charts: PPO_CHARTS,
  describeTraining: (c) => {
    const t = c.training;
    return `lr ${lrText(t.lr)}, gamma ${t.gamma}, lambda ${t.lambda}, ${t.numEpochs} epochs x minibatch ${t.minibatchSize}`;
  },
  // ppo.ts exports the class; its static build is the implementation's build. The type-only
  // import above is erased, so nothing of TF.js loads until this runs.
  load: async () => {
    const [{ PPO }, { MultiAgentPPO }] = await Promise.all([import('./ppo'), import('../multi-agent/multi-agent-ppo')]);
    return {
      build: (config, opts) =>
        isMultiAgentConfig(config)
          ? MultiAgentPPO.build(config, opts as PPOBuildOptions)
          : // PPO's own type has no multiAgent section; the config it holds (this one) does.
            (PPO.build(config, opts as PPOBuildOptions) as unknown as Promise<Algorithm<MultiAgentPPOConfig>>),
    };
  },
};
