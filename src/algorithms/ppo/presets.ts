/**
 * Starting points per env, like RLlib's tuned_examples/ppo and rl-baselines3-zoo's hyperparams.
 * Sources are cited per preset; where a source relies on something we do not have (observation
 * filters, gSDE), the description says so.
 *
 * Two loss conventions to keep in mind when porting numbers (our loss is RLlib's):
 *  - RLlib's vf_clip_param clamps each squared value error; CleanRL's clip_vloss clips the value
 *    change and SB3 does not clip by default. To reproduce those, vfClipParam is set so high that
 *    the clamp never acts (NO_VF_CLIP).
 *  - CleanRL's value loss is 0.5 * MSE times vf_coef, RLlib's and SB3's are MSE times the
 *    coefficient, so CleanRL's vf_coef 0.5 is vfLossCoeff 0.25 here.
 */
import { deepFreeze } from '../../core/config';
import { SMALL_MLP, lookupPreset, presetIdsOf, returnWithin, sampling } from '../presets';
import type { Preset } from '../spec';
import { ppo } from './ppo-config';
import type { AlgorithmConfigBuilder } from '../algorithm-config';
import type { MultiAgentPPOConfig, PPOConfig } from './ppo-config';

/** A PPO preset (the generic shape lives in spec.ts). */
export type PPOPreset = Preset<PPOConfig>;

/** A vfClipParam that never binds: squared value errors of these envs stay far below it. */
export const NO_VF_CLIP = 1e6;

/**
 * The clipped-surrogate settings Stable-Baselines3 (and CleanRL) default to, in RLlib's terms:
 * lr 3e-4, GAE 0.95, clip 0.2, no value clamp, vf_coef 0.5 on MSE, no entropy bonus, no KL
 * penalty, 64-row minibatches, global-norm clip 0.5. The zoo's presets start from them.
 */
export const SB3_PPO = {
  lr: 3e-4,
  gamma: 0.99,
  lambda: 0.95,
  clipParam: 0.2,
  vfClipParam: NO_VF_CLIP,
  vfLossCoeff: 0.5,
  entropyCoeff: 0,
  useKlLoss: false,
  minibatchSize: 64,
  gradClip: 0.5,
} as const;

const CARTPOLE_STOP = returnWithin(450, 300_000);

export const PPO_PRESETS: Readonly<Record<string, PPOPreset>> = deepFreeze({
  'CartPole-v1': {
    description: 'Fast CartPole, tuned here for wall-clock time: two workers sample while the learner trains.',
    details:
      '2 workers x 8 envs x 64 steps = 1024 steps per iteration, sampled while the learner ' +
      'updates on the previous batch (sampleAsync); 6 epochs of 512-row minibatches (a 512-row ' +
      'wasm Adam step costs 2.5x a 128-row one for 4x the rows); lr 3e-3; gamma 0.98 (values up ' +
      'to ~50 rather than ~100: 88k median env steps to a 100-episode mean of 475 against 133k ' +
      "at 0.99, seeds 1-5); no gradient clipping (a global-norm clip lets the value loss's " +
      'gradient shrink the policy step); value clamp off. See bench/NOTES.md.',
    config: {
      environment: { env: 'CartPole-v1' },
      envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 8, rolloutFragmentLength: 64 },
      rlModule: SMALL_MLP,
      training: {
        lr: 3e-3,
        gamma: 0.98,
        lambda: 0.95,
        clipParam: 0.2,
        vfClipParam: NO_VF_CLIP,
        vfLossCoeff: 0.5,
        entropyCoeff: 0,
        useKlLoss: false,
        numEpochs: 6,
        minibatchSize: 512,
        trainBatchSizePerLearner: 1024,
        gradClip: null,
        gradClipBy: 'global_norm',
        sampleAsync: true,
      },
    },
    stop: CARTPOLE_STOP,
    variants: {
      cleanrl: {
        description: "CleanRL's ppo.py settings, sampled on the page.",
        details:
          '4 envs x 128 steps on the page, 4 minibatches x 4 epochs, lr 2.5e-4 annealed linearly to ' +
          '0 over 500k steps, 64x64 tanh actor and critic, grad norm 0.5, entropy 0.01, no KL ' +
          'penalty (vf_coef 0.5 on 0.5*MSE = vfLossCoeff 0.25; clip_vloss has no RLlib equivalent, ' +
          "so RLlib's value clamp is off), Adam eps 1e-5.",
        config: {
          environment: { env: 'CartPole-v1' },
          envRunners: { numEnvRunners: 0, numEnvsPerEnvRunner: 4, rolloutFragmentLength: 128 },
          rlModule: SMALL_MLP,
          training: {
            lr: [
              [0, 2.5e-4],
              [500_000, 0],
            ],
            gamma: 0.99,
            lambda: 0.95,
            clipParam: 0.2,
            vfClipParam: NO_VF_CLIP,
            vfLossCoeff: 0.25,
            entropyCoeff: 0.01,
            useKlLoss: false,
            numEpochs: 4,
            minibatchSize: 128,
            trainBatchSizePerLearner: 512,
            gradClip: 0.5,
            gradClipBy: 'global_norm',
            shuffleBatchPerEpoch: true,
            adamEpsilon: 1e-5,
          },
        },
        stop: returnWithin(450, 500_000),
      },
      rllib: {
        description: "RLlib's tuned CartPole example.",
        details:
          'tuned_examples/ppo/cartpole_ppo.py: PPO defaults with lr 3e-4, 6 epochs, vf_loss_coeff ' +
          '0.01, one shared 32-unit layer. RLlib uses a linear activation there; this trainer ' +
          'offers tanh/relu only, so tanh is used.',
        config: {
          environment: { env: 'CartPole-v1' },
          rlModule: { fcnetHiddens: [32], fcnetActivation: 'tanh', vfShareLayers: true },
          training: { lr: 3e-4, numEpochs: 6, vfLossCoeff: 0.01 },
        },
        stop: CARTPOLE_STOP,
      },
    },
  },
  'Acrobot-v1': {
    description: "Acrobot with rl-baselines3-zoo's PPO settings.",
    details:
      'hyperparams/ppo.yml Acrobot-v1 (16 envs x 256 steps, gae_lambda 0.94, 4 epochs) with SB3 ' +
      'defaults (lr 3e-4, minibatch 64, clip 0.2, vf_coef 0.5, max_grad_norm 0.5, 64x64 tanh). ' +
      'RLlib has no tuned PPO example for it. The zoo also normalises observations, which this ' +
      'preset does not.',
    config: {
      environment: { env: 'Acrobot-v1' },
      envRunners: sampling(2, 8, 256),
      rlModule: SMALL_MLP,
      training: { ...SB3_PPO, lambda: 0.94, numEpochs: 4, trainBatchSizePerLearner: 4096 },
    },
  },
  'MountainCar-v0': {
    description: "MountainCar with rl-baselines3-zoo's PPO settings; its sparse reward makes PPO unreliable here.",
    details:
      'hyperparams/ppo.yml MountainCar-v0 (16 envs x 16 steps, gae_lambda 0.98, 4 epochs, SB3 ' +
      'defaults otherwise). The zoo adds observation normalisation and 1M steps. RLlib has no ' +
      'tuned PPO example for it.',
    config: {
      environment: { env: 'MountainCar-v0' },
      envRunners: sampling(2, 8, 16),
      rlModule: SMALL_MLP,
      training: { ...SB3_PPO, lambda: 0.98, numEpochs: 4, trainBatchSizePerLearner: 256 },
    },
  },
  'MountainCarContinuous-v0': {
    description: "MountainCarContinuous with rl-baselines3-zoo's PPO settings (untested here).",
    details:
      'hyperparams/ppo.yml MountainCarContinuous-v0 (gamma 0.9999, lr 7.77e-5, ent 0.00429, ' +
      'clip 0.1, 10 epochs, gae_lambda 0.9, max_grad_norm 5, vf_coef 0.19). The zoo uses gSDE, ' +
      'observation normalisation and 1 env x 8 steps; here 2 workers x 4 envs x 32 steps = 256 ' +
      'per iteration.',
    config: {
      environment: { env: 'MountainCarContinuous-v0' },
      envRunners: sampling(2, 4, 32),
      rlModule: SMALL_MLP,
      training: {
        ...SB3_PPO,
        lr: 7.77e-5,
        gamma: 0.9999,
        lambda: 0.9,
        clipParam: 0.1,
        vfLossCoeff: 0.19,
        entropyCoeff: 0.00429,
        numEpochs: 10,
        trainBatchSizePerLearner: 256,
        gradClip: 5,
      },
    },
  },
  'Pendulum-v1': {
    description: "Pendulum with rl-baselines3-zoo's tuned PPO: about 40 s to RLlib's bar on 2 cores.",
    details:
      'hyperparams/ppo.yml Pendulum-v1 (commit 00128b5, "Tuned"): 4 envs x 1024 steps = 4096 ' +
      'per iteration (here 2 workers x 2 envs), gamma 0.9, gae_lambda 0.95, 10 epochs, lr 1e-3, ' +
      'clip 0.2, ent 0, with SB3 defaults (64x64 tanh, vf_coef 0.5, max_grad_norm 0.5, no value ' +
      'clip). Minibatches are 512 rows, not 64 (8x fewer wasm Adam steps); the zoo uses gSDE, ' +
      'which this trainer does not have, so exploration is the plain state-independent Gaussian ' +
      "(log-std 0). Reaches RLlib's tuned bar (-300 within 400k env steps) at 102-119k steps, " +
      '34-44 s on a 2-core machine (seeds 1-3).',
    config: {
      environment: { env: 'Pendulum-v1' },
      envRunners: sampling(2, 2, 1024),
      rlModule: SMALL_MLP,
      training: { ...SB3_PPO, lr: 1e-3, gamma: 0.9, numEpochs: 10, minibatchSize: 512, trainBatchSizePerLearner: 4096 },
    },
    stop: returnWithin(-300, 400_000),
    variants: {
      rllib: {
        description: "RLlib's tuned Pendulum example; slow here.",
        details:
          'tuned_examples/ppo/pendulum_ppo.py (commit 7d35bf7): 2 workers x 20 envs, train batch ' +
          '1024, minibatch 128, lr 2e-4, gamma 0.95, lambda 0.5, relu, other PPO defaults; return ' +
          '-300 within 400k env steps. RLlib adds a MeanStdFilter observation connector, which this ' +
          'preset does not. 30 epochs of 8 minibatches per 1024 steps make it slow here (~200 env ' +
          'steps/s on wasm).',
        config: {
          environment: { env: 'Pendulum-v1' },
          envRunners: { numEnvRunners: 2, numEnvsPerEnvRunner: 20 },
          rlModule: { fcnetActivation: 'relu' },
          training: { trainBatchSizePerLearner: 1024, minibatchSize: 128, lr: 2e-4, gamma: 0.95, lambda: 0.5 },
        },
        stop: returnWithin(-300, 400_000),
      },
    },
  },
  'GridWalk-v0': {
    description: 'The custom-env example; learns in a few seconds.',
    details:
      'The teaching example from src/envs/user-envs.ts: one worker x 8 envs x 32 steps, a [16, ' +
      '16] policy, 4 epochs. The best return from the usual start cells is 0.92-0.94; a mean of ' +
      '0.9 means the agent walks straight to the goal.',
    config: {
      environment: { env: 'GridWalk-v0' },
      envRunners: { numEnvRunners: 1, numEnvsPerEnvRunner: 8, rolloutFragmentLength: 32 },
      rlModule: { fcnetHiddens: [16, 16], fcnetActivation: 'tanh', vfShareLayers: false },
      training: {
        lr: 3e-3,
        lambda: 0.95,
        clipParam: 0.2,
        vfLossCoeff: 0.5,
        entropyCoeff: 0.01,
        useKlLoss: false,
        numEpochs: 4,
        minibatchSize: 128,
        trainBatchSizePerLearner: 256,
      },
    },
    stop: { 'env_runners/episode_return_mean': 0.9, num_env_steps_sampled_lifetime: 50_000 },
  },
});

/** Preset ids: each env id (its default preset) and `envId:variant` for every variant. */
export function presetIds(): string[] {
  return presetIdsOf(PPO_PRESETS);
}

/** The preset for `envId` (default) or one of its variants; `envId` may also be 'envId:variant'. */
export function getPreset(envId: string, name?: string): Omit<PPOPreset, 'variants'> {
  return lookupPreset(PPO_PRESETS, name === undefined ? envId : `${envId}:${name}`, 'PPO');
}

/** A PPO builder with the preset applied over PPO's defaults, ready for further settings. */
export function applyPreset(envId: string, name?: string): AlgorithmConfigBuilder<MultiAgentPPOConfig> {
  return ppo().fromJson(getPreset(envId, name).config);
}
