/**
 * SACModule: SAC's RLModule (RLlib: DefaultSACTorchRLModule, rllib/algorithms/sac/torch/
 * default_sac_torch_rl_module.py, built by SACCatalog): a squashed-Gaussian actor and one or two
 * Q-networks over [obs, action], plus the temperature log(alpha).
 *
 *  - pi: MLP `policyFcnetHiddens` -> 2 * |A| outputs, mean and log_std (RLlib: pi_encoder + pi);
 *  - qf, qf_twin: MLP over concat(obs, action in [-1, 1]) `qFcnetHiddens` -> 1 output each;
 *  - log_alpha: one variable (RLlib keeps it on the Learner, SACLearner.curr_log_alpha; here it
 *    is a module variable so checkpoints, weight versions and optimizer groups need nothing new).
 *
 * The critics see the action normalised to [-1, 1] (the tanh output), whatever the Box bounds;
 * the env gets it scaled to [low, high]. Variable order: pi, qf, qf_twin, log_alpha; the critics
 * are contiguous, so a TargetNetwork copies just them (`criticSource`) and the same layer code
 * runs on online or target copies.
 *
 * Init: hidden kernels Xavier-uniform and the output layers at scale 0.01 (RLlib's tuned
 * pendulum_sac.py: xavier_uniform_, head orthogonal gain 0.01; drawn uniform with the same
 * variance here), zero biases, all from `spec.seed`.
 */
import * as tf from '@tensorflow/tfjs';
import { RLError } from '../core/errors';
import { Rng } from '../core/rng';
import type { Box, Space } from '../core/spaces';
import { flatDim } from '../core/spaces';
import type { Activation } from './dense';
import { dense, denseFrozen } from './dense';
import { JsSequential, jsDense } from './js-sequential';
import type { ExplorationOutput, ExplorationOutputs, InferenceOutputs, RLModule } from './rl-module';
import { LOG_STD_MAX, LOG_STD_MIN, scaleToBounds } from './squashed-gaussian';
import type { ModuleWeights } from './weights';
import { checkWeights } from './weights';

export interface SACModelConfig {
  /** Actor layer sizes. RLlib: policy_model_config.fcnet_hiddens ([256, 256]). */
  readonly policyFcnetHiddens: readonly number[];
  /** RLlib: policy_model_config.fcnet_activation ('relu'). */
  readonly policyFcnetActivation: 'tanh' | 'relu';
  /** Critic layer sizes. RLlib: q_model_config.fcnet_hiddens ([256, 256]). */
  readonly qFcnetHiddens: readonly number[];
  /** RLlib: q_model_config.fcnet_activation ('relu'). */
  readonly qFcnetActivation: 'tanh' | 'relu';
  /** Two critics, min of both in the targets (Fujimoto et al. 2018). RLlib: twin_q (true). */
  readonly twinQ: boolean;
  /** alpha at the start; log_alpha = log(initialAlpha). RLlib: initial_alpha (1.0). */
  readonly initialAlpha: number;
  /**
   * Lag-1 correlation of the exploration noise (AR(1) per row and action dimension, unit
   * variance); 0 or absent: white noise, as RLlib.
   */
  readonly explorationNoiseCorrelation?: number;
}

export interface SACModuleSpec {
  readonly observationSpace: Box;
  readonly actionSpace: Space;
  readonly model: SACModelConfig;
  readonly seed: number;
}

/** SACModule's train output: the actor's [B, 2 |A|] mean and raw log_std. RLlib: action_dist_inputs. */
export type SACTrainOutputs = { readonly actionDistInputs: tf.Tensor2D };

/** How a critic pass treats gradients: to its params (critic loss), to its input only (actor loss), none. */
export type CriticMode = 'train' | 'frozen' | 'const';

export interface LayerRef {
  /** Kernel index (bias follows) in the list the stack runs on (all variables, or the critics). */
  readonly index: number;
  readonly inDim: number;
  readonly outDim: number;
  readonly activation: Activation;
}

/** Rows x MACs below which the runner's forward is plain JS (as QModule / MLPModule). */
const JS_FORWARD_MAX_MACS = 400_000;

export class SACModule implements RLModule<SACTrainOutputs> {
  readonly trainableVariables: tf.Variable[] = [];
  readonly variableNames: string[] = [];
  weightsVersion = 0;
  readonly explorationOutputs: readonly ExplorationOutput[] = ['actions', 'actionLogp'];
  readonly obsDim: number;
  readonly actionDim: number;
  readonly actionLow: readonly number[];
  readonly actionHigh: readonly number[];
  private readonly pi: LayerRef[] = [];
  private readonly qf: LayerRef[] = [];
  private readonly qfTwin: LayerRef[] = [];
  /** Index of the first critic variable in trainableVariables. */
  private readonly criticStart: number;
  private js: { readonly pi: JsSequential; readonly version: number } | null = null;
  /** The AR(1) exploration noise of each row (sub-env) and action dimension, when correlated. */
  private noise = new Float64Array(0);

  constructor(readonly spec: SACModuleSpec) {
    const { observationSpace, actionSpace, model } = spec;
    if (actionSpace.kind !== 'box') {
      throw new RLError(
        'module/unsupported-space',
        `SAC needs a Box (continuous) action space, got Discrete(${actionSpace.n}). Use DQN or PPO for discrete actions.`,
      );
    }
    this.obsDim = flatDim(observationSpace);
    this.actionDim = flatDim(actionSpace);
    this.actionLow = actionSpace.low;
    this.actionHigh = actionSpace.high;
    const rng = new Rng(spec.seed);
    const piOut = this.stack('pi', model.policyFcnetHiddens, model.policyFcnetActivation, this.obsDim, this.pi, rng);
    this.pi.push(this.layer('pi/out', piOut, 2 * this.actionDim, 'linear', rng, 0));
    this.criticStart = this.trainableVariables.length;
    const qIn = this.obsDim + this.actionDim;
    const critic = (prefix: string, into: LayerRef[]) => {
      const out = this.stack(prefix, model.qFcnetHiddens, model.qFcnetActivation, qIn, into, rng);
      into.push(this.layer(`${prefix}/out`, out, 1, 'linear', rng, this.criticStart));
    };
    critic('qf', this.qf);
    if (model.twinQ) critic('qf_twin', this.qfTwin);
    if (!(model.initialAlpha > 0)) {
      throw new RLError('module/invalid-alpha', `initialAlpha must be > 0, got ${model.initialAlpha}.`);
    }
    // The initial value is a tensor of its own: disposed once the variable holds a copy.
    const logAlpha = tf.tensor1d([Math.log(model.initialAlpha)]);
    this.trainableVariables.push(tf.variable(logAlpha, true));
    logAlpha.dispose();
    this.variableNames.push('log_alpha');
  }

  private stack(prefix: string, sizes: readonly number[], act: Activation, inDim: number, into: LayerRef[], rng: Rng) {
    const offset = prefix === 'pi' ? 0 : this.criticStart;
    sizes.forEach((units, i) => {
      into.push(this.layer(`${prefix}/fc_${i}`, inDim, units, act, rng, offset));
      inDim = units;
    });
    return inDim;
  }

  private layer(name: string, inDim: number, outDim: number, act: Activation, rng: Rng, offset: number): LayerRef {
    const index = this.trainableVariables.length;
    // Xavier-uniform for hidden layers; outputs at 0.01 of a unit-variance-per-fan-in scale.
    const bound = act === 'linear' ? 0.01 * Math.sqrt(3 / inDim) : Math.sqrt(6 / (inDim + outDim));
    const kernel = Float32Array.from({ length: inDim * outDim }, () => rng.uniform(-bound, bound));
    for (const [suffix, init] of [
      ['kernel', tf.tensor2d(kernel, [inDim, outDim])],
      ['bias', tf.zeros([outDim])],
    ] as const) {
      this.trainableVariables.push(tf.variable(init, true));
      init.dispose();
      this.variableNames.push(`${name}/${suffix}`);
    }
    return { index: index - offset, inDim, outDim, activation: act };
  }

  /**
   * The layers by stack with kernel indices into `trainableVariables` (the critics' own refs
   * count from the first critic variable), for the fused learner's nets.
   */
  get layers(): {
    readonly pi: readonly LayerRef[];
    readonly qf: readonly LayerRef[];
    readonly qfTwin: readonly LayerRef[];
  } {
    const absolute = (refs: readonly LayerRef[]) => refs.map((l) => ({ ...l, index: l.index + this.criticStart }));
    return { pi: this.pi, qf: absolute(this.qf), qfTwin: absolute(this.qfTwin) };
  }

  get twinQ(): boolean {
    return this.qfTwin.length > 0;
  }

  /** The temperature's variable, log(alpha). */
  get logAlpha(): tf.Variable {
    return this.trainableVariables.at(-1)!;
  }

  /** Variable names per optimizer group (RLlib: 'policy', 'qf' (+ 'qf_twin'), 'alpha'). */
  get groupVariableNames(): { policy: string[]; qf: string[]; alpha: string[] } {
    const n = this.variableNames;
    return { policy: n.slice(0, this.criticStart), qf: n.slice(this.criticStart, -1), alpha: ['log_alpha'] };
  }

  /** The critics as a TargetNetwork source: the target nets copy only these. */
  get criticSource(): { trainableVariables: tf.Variable[]; variableNames: string[] } {
    return {
      trainableVariables: this.trainableVariables.slice(this.criticStart, -1),
      variableNames: this.variableNames.slice(this.criticStart, -1),
    };
  }

  /** Actor outputs on the online variables. RLlib: forward_train's action_dist_inputs. */
  forwardTrain(obs: tf.Tensor): SACTrainOutputs {
    const x = obs.rank === 2 ? (obs as tf.Tensor2D) : tf.reshape<tf.Rank.R2>(obs, [-1, this.obsDim]);
    return { actionDistInputs: runStack(x, this.pi, this.trainableVariables, 'train') };
  }

  /** Mean and raw log_std, [B, |A|] each, from the actor's outputs. */
  splitDistInputs(inputs: tf.Tensor2D): { mean: tf.Tensor2D; logStd: tf.Tensor2D } {
    const [mean, logStd] = tf.split(inputs, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    return { mean, logStd };
  }

  /**
   * Q(s, a) [B] of 'qf' or 'qf_twin' for `obsAction` = concat(obs, action in [-1, 1]), on
   * `critics` (this.criticSource's variables, or a target network's copies in the same order).
   */
  qValues(obsAction: tf.Tensor2D, which: 'qf' | 'qf_twin', critics: readonly tf.Variable[], mode: CriticMode) {
    const layers = which === 'qf' ? this.qf : this.qfTwin;
    if (layers.length === 0) throw new RLError('module/no-twin-q', 'This SACModule was built with twinQ false.');
    return tf.reshape<tf.Rank.R1>(runStack(obsAction, layers, critics, mode), [-1]);
  }

  /**
   * Squashed-Gaussian samples, scaled to the Box; writes actions and their log pi. With a noise
   * correlation rho each row's noise is eps = rho eps_prev + sqrt(1 - rho^2) N(0, 1): still
   * N(0, 1) at every step, so log pi keeps its form, but persistent over ~1 / (1 - rho) steps
   * (Eberhard et al. 2023 show colored noise solves MountainCarContinuous where white does not).
   * The rows are the runner's sub-envs, in order; SAC's losses do not read the stored log pi.
   */
  async forwardExploration(obs: Float32Array, batchSize: number, rng: Rng, out: ExplorationOutputs): Promise<void> {
    const dist = await this.distInputs(obs, batchSize);
    const d = this.actionDim;
    const actions = out.actions as Float32Array;
    const rho = this.spec.model.explorationNoiseCorrelation ?? 0;
    if (rho > 0 && this.noise.length < batchSize * d) {
      const grown = new Float64Array(batchSize * d);
      grown.set(this.noise);
      for (let i = this.noise.length; i < grown.length; i++) grown[i] = rng.normal();
      this.noise = grown;
    }
    const fresh = Math.sqrt(1 - rho * rho);
    for (let r = 0; r < batchSize; r++) {
      let logp = 0;
      for (let j = 0; j < d; j++) {
        const mean = dist[r * 2 * d + j]!;
        const logStd = Math.min(LOG_STD_MAX, Math.max(LOG_STD_MIN, dist[r * 2 * d + d + j]!));
        let eps = rng.normal();
        if (rho > 0) eps = this.noise[r * d + j] = rho * this.noise[r * d + j]! + fresh * eps;
        const u = mean + Math.exp(logStd) * eps;
        actions[r * d + j] = Math.tanh(u);
        const softplus = -2 * u > 20 ? -2 * u : Math.log1p(Math.exp(-2 * u));
        logp += -0.5 * eps * eps - logStd - 0.5 * Math.log(2 * Math.PI) - 2 * (Math.LN2 - u - softplus);
      }
      out.actionLogp[r] = logp;
    }
    scaleToBounds(actions.subarray(0, batchSize * d), this.actionLow, this.actionHigh);
  }

  /** tanh(mean), scaled to the Box. RLlib: forward_inference + the deterministic distribution. */
  async forwardInference(obs: Float32Array, batchSize: number, out: InferenceOutputs): Promise<void> {
    const dist = await this.distInputs(obs, batchSize);
    const d = this.actionDim;
    const actions = out.actions as Float32Array;
    for (let r = 0; r < batchSize; r++)
      for (let j = 0; j < d; j++) actions[r * d + j] = Math.tanh(dist[r * 2 * d + j]!);
    scaleToBounds(actions.subarray(0, batchSize * d), this.actionLow, this.actionHigh);
  }

  /** Actor outputs [batchSize, 2 |A|]: plain JS for small batches on CPU backends, else TF.js. */
  private async distInputs(obs: Float32Array, batchSize: number): Promise<Float32Array> {
    const backend = tf.getBackend();
    const macs = this.pi.reduce((s, l) => s + l.inDim * l.outDim, 0);
    if (backend !== 'webgpu' && backend !== 'webgl' && batchSize * macs <= JS_FORWARD_MAX_MACS) {
      if (this.js?.version !== this.weightsVersion) {
        const w = await this.getWeights();
        this.js = { pi: this.buildJs(w.arrays), version: w.version };
      }
      return this.js.pi.forward(obs, batchSize);
    }
    const y = tf.tidy(
      () =>
        this.forwardTrain(tf.tensor2d(obs.subarray(0, batchSize * this.obsDim), [batchSize, this.obsDim]))
          .actionDistInputs,
    );
    const data = (await y.data()) as Float32Array;
    y.dispose();
    return data;
  }

  private buildJs(arrays: readonly Float32Array[]): JsSequential {
    return new JsSequential(
      this.pi.map(({ index, inDim, outDim, activation }) => ({
        dense: jsDense(arrays[index]!, arrays[index + 1]!, inDim, outDim),
        activation,
      })),
    );
  }

  async getWeights(): Promise<ModuleWeights> {
    const arrays = await Promise.all(
      this.trainableVariables.map(async (v) => new Float32Array((await v.data()) as Float32Array)),
    );
    return {
      version: this.weightsVersion,
      names: [...this.variableNames],
      shapes: this.trainableVariables.map((v) => [...v.shape]),
      arrays,
    };
  }

  setWeights(weights: ModuleWeights): void {
    checkWeights(
      weights,
      this.variableNames,
      this.trainableVariables.map((v) => v.shape),
    );
    // Copies: the cpu backend would otherwise keep the caller's arrays as the variables' storage.
    const arrays = weights.arrays.map((a) => new Float32Array(a));
    this.trainableVariables.forEach((v, i) => {
      const value = tf.tensor(arrays[i]!, v.shape);
      v.assign(value);
      value.dispose();
    });
    this.weightsVersion = weights.version;
    this.js = { pi: this.buildJs(arrays), version: weights.version };
  }

  dispose(): void {
    for (const v of this.trainableVariables) v.dispose();
  }
}

/** A stack of dense layers on `variables`; the first layer's input (obs or obs+action) needs no gradient in 'train'. */
function runStack(x: tf.Tensor2D, layers: readonly LayerRef[], variables: readonly tf.Variable[], mode: CriticMode) {
  return layers.reduce((h, { index, activation }, i) => {
    const params = { kernel: variables[index]!, bias: variables[index + 1]! };
    return mode === 'frozen' ? denseFrozen(h, params, activation) : dense(h, params, activation, i > 0);
  }, x);
}
