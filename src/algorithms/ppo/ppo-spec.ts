/**
 * PPO as the app, UI and CLI see it: defaults, RLlib names, validation, sampling layout, presets,
 * form fields and charts, all TF.js-free; `load()` imports the implementation (TF.js) on demand.
 */
import * as K from '../../core/metric-keys';
import { clamp, type AutoLayout } from '../auto-preset';
import type { Algorithm } from '../algorithm';
import { defineAlgorithm } from '../define-algorithm';
import { ACTOR_CRITIC_WEIGHTS } from '../rllib/actor-critic-layout';
import type { ChartDef, Preset } from '../spec';
import { MULTI_AGENT_PPO_PRESETS } from '../multi-agent/multi-agent-presets';
import { withMultiAgent } from '../multi-agent/multi-agent-load';
import type { BuildOptions as PPOBuildOptions } from './ppo';
import { PPO_SCHEMA, derivedSizes, type MultiAgentPPOConfig, type PPOConfig } from './ppo-config';
import { PPO_PRESETS } from './presets';

const L = (name: string): string => `${K.LEARNER_RESULTS}/${name}`;

/** Losses, entropy and KL (RLlib's learner result keys); return and throughput charts are shared. */
const PPO_CHARTS: readonly ChartDef[] = [
  {
    title: 'Losses',
    testid: 'chart-losses',
    series: [
      { key: L('policy_loss'), label: 'policy', color: '--c1' },
      // The value loss is 10-1000x the policy loss: it (and the total it dominates) gets its own axis.
      { key: L('vf_loss'), label: 'value (right)', color: '--c2', scale: 'y2' },
      { key: L('total_loss'), label: 'total (right)', color: '--c3', scale: 'y2', dash: [4, 3] },
    ],
  },
  { title: 'Entropy', testid: 'chart-entropy', series: [{ key: L('entropy'), label: 'entropy', color: '--c1' }] },
  {
    title: 'KL divergence',
    testid: 'chart-kl',
    series: [
      { key: L('approx_kl'), label: 'approx KL', color: '--c1' },
      { key: L('mean_kl_loss'), label: 'KL loss', color: '--c3' },
    ],
  },
];

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
    description: `Sized automatically for ${l.env.envId} and this machine.`,
    details: `${l.summary}, ${batch} steps per iteration, 4 epochs of 2 minibatches, lr ${l.hiddens[0] >= 128 ? '1e-3' : '3e-3'}.`,
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
export const PPO_SPEC = defineAlgorithm<MultiAgentPPOConfig>({
  schema: PPO_SCHEMA,
  title: 'PPO — proximal policy optimization (on-policy)',
  description: 'Proximal Policy Optimization (Schulman et al. 2017), RLlib’s PPO.',
  defaultsNote: "RLlib's PPOConfig defaults (large: 4000 steps per iteration, 30 epochs).",
  actionSpaces: ['discrete', 'box'],
  formSection: { id: 'training', title: 'PPO hyperparameters' },
  // PPO's weights take the names of RLlib's DefaultPPOTorchRLModule (rllib/actor-critic-layout.ts).
  rllib: { configClass: 'PPOConfig', importFrom: 'ray.rllib.algorithms.ppo', ...ACTOR_CRITIC_WEIGHTS },
  samplingLayout: derivedSizes,
  presets: { ...PPO_PRESETS, ...MULTI_AGENT_PPO_PRESETS },
  autoPreset: ppoAutoPreset,
  charts: PPO_CHARTS,
  describeTraining: (c) => {
    const t = c.training;
    return `lr ${lrText(t.lr)}, gamma ${t.gamma}, lambda ${t.lambda}, ${t.numEpochs} epochs x minibatch ${t.minibatchSize}`;
  },
  // A multi-agent env makes the run a MultiAgentPPO (multi-agent/multi-agent-on-policy.ts). The
  // type-only imports above are erased, so nothing of TF.js loads until this runs.
  load: withMultiAgent(async () => {
    const { PPO } = await import('./ppo');
    // PPO's own type has no multiAgent section; the config it holds (this one) does.
    return {
      build: (config, opts) =>
        PPO.build(config, opts as PPOBuildOptions) as unknown as Promise<Algorithm<MultiAgentPPOConfig>>,
    };
  }),
});
