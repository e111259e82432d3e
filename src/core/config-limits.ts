/**
 * Size limits: what a browser tab can build without freezing or running out of memory. Hard
 * limits are validation errors; "exceeds this machine" findings are warnings that a shared link
 * with `autostart=1` must ask about before it builds (see `machineWarnings`).
 *
 * Why these numbers:
 * - Each EnvRunner is a Web Worker with its own JS heap, TF.js and a copy of the model: tens of
 *   MB each before sampling anything. Past 64, browsers refuse new workers or the tab dies.
 * - Weights are float32 on the page with gradients and two Adam moments (4 copies), plus one copy
 *   per runner. 50M parameters is 800 MB on the page alone.
 * - Sampled steps sit in preallocated typed arrays per runner and in the train batch.
 */
import type { ConfigIssue } from './errors';
import {
  isPlainObject,
  type AlgorithmConfigBase,
  type EnvRunnersConfig,
  type LearnersConfig,
  type RLModuleConfig,
} from './config';
import {
  gpuLimitError,
  oversubscriptionWarning,
  resourceLedger,
  TAB_GPUS,
  type Capacity,
  type ResourceInputs,
} from './resources';
import { MAX_LEARNERS } from './shared-keys';

// Declared with the key it limits (shared-keys.ts), kept importable from here with the other limits.
export { MAX_TRAIN_BATCH_SIZE, trainBatchSizeError } from './shared-keys';

export const MAX_ENV_RUNNERS = 64;
export const MAX_ENVS_PER_ENV_RUNNER = 4096;
export const MAX_ROLLOUT_FRAGMENT_LENGTH = 100_000;
/** Env steps one runner returns per sample call (numEnvsPerEnvRunner x rolloutFragmentLength). */
export const MAX_ENV_STEPS_PER_SAMPLE_CALL = 1_000_000;
export const MAX_HIDDEN_LAYERS = 32;
/** Hard cap on model parameters (policy and value function together). */
export const MAX_MODEL_PARAMETERS = 50_000_000;
/** Above this a model is "large": building it takes seconds and hundreds of MB; a link asks first. */
export const LARGE_MODEL_PARAMETERS = 5_000_000;
/**
 * Float32 values a checkpoint may hold (256 MB; its JSON text is ~4/3 of that, under what V8 can
 * hold as one string). algorithms/checkpoint-checker.ts refuses a larger file; a run whose
 * checkpoint would be larger is refused before it builds.
 */
export const MAX_CHECKPOINT_FLOATS = 64 * 1024 * 1024;
/** What a checkpoint keeps per parameter: the weight and Adam's two moments. */
const CHECKPOINT_COPIES = 3;

/** Copies of every parameter the page holds while training: weights, gradients, Adam's m and v. */
const LEARNER_COPIES = 4;
const BYTES_PER_FLOAT = 4;

/**
 * Parameters of the MLP module (RLlib's default model): the policy torso and head, and the value
 * torso (unless shared) and head. `observationDim`/`actionDim` default to 1, so without the env's
 * spaces this is a lower bound.
 */
export function modelParameterCount(
  model: Pick<RLModuleConfig, 'fcnetHiddens' | 'vfShareLayers'>,
  observationDim = 1,
  actionDim = 1,
): number {
  let torso = 0;
  let prev = observationDim;
  for (const h of model.fcnetHiddens) {
    torso += prev * h + h;
    prev = h;
  }
  const torsos = model.vfShareLayers ? 1 : 2;
  return torsos * torso + (prev * actionDim + actionDim) + (prev + 1);
}

/** Megabytes the page needs for a model's parameters while training (weights, gradients, Adam). */
export function learnerMegabytes(parameters: number): number {
  return (parameters * BYTES_PER_FLOAT * LEARNER_COPIES) / 1e6;
}

const fmt = (n: number): string => (n >= 1e9 ? n.toExponential(1) : n.toLocaleString('en-US'));
const isCount = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** Where the CPU oversubscription warning is filed (the CLI prints its own, with --max-cpus). */
export const RESOURCES_WARNING_PATH = 'envRunners.numCpusPerEnvRunner';

export interface MachineContext {
  /** navigator.hardwareConcurrency of the tab that will run the workers. */
  readonly hardwareConcurrency?: number;
}

/**
 * Findings that the config asks more of this machine than it has (more runners than cores, a
 * large model). Warnings: the user may build anyway, but a link must not build them unasked.
 */
export function machineWarnings(cfg: AlgorithmConfigBase, ctx: MachineContext = {}): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const resources = resourceFinding(cfg, ctx);
  if (resources) out.push(resources.issue);
  out.push(...modelWarnings(cfg));
  return out;
}

/**
 * What a link with `autostart=1` asks about before it builds: machineWarnings, except that CPU
 * oversubscription counts only when the workers alone (runners, learner workers) need more cores
 * than there are. The page's own CPU mostly alternates with them (sample, then learn), so the
 * default 2 runners on a 2-core machine warn in the config panel but start without a question.
 */
export function autostartWarnings(cfg: AlgorithmConfigBase, ctx: MachineContext = {}): ConfigIssue[] {
  const resources = resourceFinding(cfg, ctx);
  return [...(resources?.workersAlone ? [resources.issue] : []), ...modelWarnings(cfg)];
}

/**
 * The ledger's inputs when the config is valid enough to sum (each part within its own range and
 * the hard limits; a value outside them is reported by its key's own check), else null.
 */
export function ledgerInputs(cfg: AlgorithmConfigBase): ResourceInputs | null {
  const r: Partial<EnvRunnersConfig> = cfg.envRunners ?? {};
  const l: Partial<LearnersConfig> = cfg.learners ?? {};
  const cpus = r.numCpusPerEnvRunner;
  const learners: unknown = l.numLearners ?? 0;
  const share = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
  const amount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  const learnerGpus: unknown = l.numGpusPerLearner ?? 0;
  const runnerGpus: unknown = r.numGpusPerEnvRunner ?? 0;
  const custom: unknown = r.customResourcesPerEnvRunner ?? {};
  const valid =
    // A config over the hard limits is an error already (sizeErrors); its sums say nothing more.
    isCount(r.numEnvRunners, 0) &&
    r.numEnvRunners <= MAX_ENV_RUNNERS &&
    isCount(r.numEnvsPerEnvRunner, 1) &&
    r.numEnvsPerEnvRunner <= MAX_ENVS_PER_ENV_RUNNER &&
    isCount(learners, 0) &&
    learners <= MAX_LEARNERS &&
    typeof cpus === 'number' &&
    Number.isFinite(cpus) &&
    cpus > 0 &&
    (learnerGpus === 'auto' || share(learnerGpus)) &&
    share(runnerGpus) &&
    amount(l.numCpusPerLearner ?? 1) &&
    amount(l.numCpusForMainProcess ?? 1) &&
    isPlainObject(custom) &&
    Object.values(custom).every(amount);
  if (!valid) return null;
  return {
    envRunners: {
      numEnvRunners: r.numEnvRunners,
      numEnvsPerEnvRunner: r.numEnvsPerEnvRunner,
      numCpusPerEnvRunner: cpus,
      numGpusPerEnvRunner: runnerGpus,
      customResourcesPerEnvRunner: custom as Record<string, number>,
      remoteWorkerEnvs: r.remoteWorkerEnvs === true,
    },
    learners: {
      numLearners: learners,
      numGpusPerLearner: learnerGpus,
      numCpusPerLearner: l.numCpusPerLearner ?? 1,
      numCpusForMainProcess: l.numCpusForMainProcess ?? 1,
    },
  };
}

/** What a tab has for a single run: its cores, and its one WebGPU device when there is an adapter. */
export function tabCapacity(
  cores: number,
  webGpuAvailable: boolean | undefined,
  cpusFrom = 'navigator.hardwareConcurrency',
): Capacity {
  // Without an adapter every GPU ask is its own error (config-validation.ts); the device limit is 1 regardless.
  return {
    cpus: cores,
    cpusFrom,
    gpus: webGpuAvailable === false ? 0 : TAB_GPUS,
    gpusFrom: webGpuAvailable === false ? 'no WebGPU adapter' : 'one WebGPU device',
  };
}

/** The CPU warning of the ledger (src/core/resources.ts), when the config is valid enough to sum. */
function resourceFinding(
  cfg: AlgorithmConfigBase,
  ctx: MachineContext,
): { issue: ConfigIssue; workersAlone: boolean } | null {
  const cores = ctx.hardwareConcurrency;
  const inputs = ledgerInputs(cfg);
  if (cores === undefined || inputs === null) return null;
  const ledger = resourceLedger(inputs, tabCapacity(cores, undefined));
  const message = oversubscriptionWarning(ledger);
  if (message === null) return null;
  const pageCpus = ledger.rows[0]?.cpus ?? 0;
  return {
    issue: { path: RESOURCES_WARNING_PATH, severity: 'warning', message },
    workersAlone: ledger.cpusAsked - pageCpus > cores,
  };
}

/**
 * The ledger's error: the GPU shares of the learner(s) and the runners add up to more than the one
 * WebGPU device a tab has (RLlib's resource request that Ray cannot place), with the sum shown.
 * Filed at the runners' key when they ask for a share, else at the learners'.
 */
export function resourceErrors(cfg: AlgorithmConfigBase): ConfigIssue[] {
  const inputs = ledgerInputs(cfg);
  if (inputs === null) return [];
  const ledger = resourceLedger(inputs, tabCapacity(Number.POSITIVE_INFINITY, true));
  const message = gpuLimitError(ledger);
  if (message === null) return [];
  const runnersAsk = ledger.rows.some((x) => x.what === 'env runners' && x.gpus > 0);
  const path = runnersAsk ? 'envRunners.numGpusPerEnvRunner' : 'learners.numGpusPerLearner';
  return [{ path, severity: 'error', message }];
}

/**
 * The modules a config builds: one, or a multi-agent run's `multiAgent.policies` (each its own
 * network of the same size). The parameter limits are over all of them: 2,000 modules of a
 * [1024, 1024] net are 4.2 G parameters, however small each looks.
 */
export function moduleCount(cfg: object): number {
  const policies: unknown = (cfg as { multiAgent?: { policies?: unknown } }).multiAgent?.policies;
  return Array.isArray(policies) && policies.length > 0 ? policies.length : 1;
}

/** `[64, 64]`, or `[64, 64] x 100 modules`: what the parameter count is of. */
function modelText(m: RLModuleConfig, modules: number): string {
  const net = `fcnetHiddens [${m.fcnetHiddens.join(', ')}]`;
  return modules === 1 ? net : `${net} x ${fmt(modules)} modules`;
}

function modelWarnings(cfg: AlgorithmConfigBase): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const modules = moduleCount(cfg);
  const params = hiddensOk(cfg.rlModule) ? modelParameterCount(cfg.rlModule) * modules : null;
  if (params !== null && params > LARGE_MODEL_PARAMETERS && params <= MAX_MODEL_PARAMETERS) {
    out.push({
      path: 'rlModule.fcnetHiddens',
      severity: 'warning',
      message:
        `${modelText(cfg.rlModule, modules)} is a large model: at least ${fmt(params)} parameters ` +
        `(~${Math.ceil(learnerMegabytes(params))} MB on the page while training, and a copy in every EnvRunner). ` +
        `Building it takes a while and training is slow on a CPU; [256, 256] is RLlib's default.`,
    });
  }
  return out;
}

function hiddensOk(m: RLModuleConfig | undefined): m is RLModuleConfig {
  const h: unknown = m?.fcnetHiddens;
  return Array.isArray(h) && h.length <= MAX_HIDDEN_LAYERS && h.every((x) => isCount(x, 1));
}

/** Hard size limits (errors) of the shared sections; values of the wrong type are reported elsewhere. */
export function sizeErrors(cfg: AlgorithmConfigBase): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const err = (path: string, message: string): void => void out.push({ path, severity: 'error', message });
  const r: Partial<EnvRunnersConfig> = cfg.envRunners ?? {};
  if (isCount(r.numEnvRunners, 0) && r.numEnvRunners > MAX_ENV_RUNNERS) {
    err(
      'envRunners.numEnvRunners',
      `numEnvRunners (${fmt(r.numEnvRunners)}) is more than the limit of ${MAX_ENV_RUNNERS}: each runner is a Web Worker ` +
        `with its own heap, TF.js and model copy, and a tab runs out of memory long before that. Use at most the ` +
        `cores this machine has and raise numEnvsPerEnvRunner instead.`,
    );
  }
  const envs = r.numEnvsPerEnvRunner;
  if (isCount(envs, 1) && envs > MAX_ENVS_PER_ENV_RUNNER) {
    err(
      'envRunners.numEnvsPerEnvRunner',
      `numEnvsPerEnvRunner (${fmt(envs)}) is more than the limit of ${MAX_ENVS_PER_ENV_RUNNER} sub-envs per runner ` +
        `(one batched forward pass and preallocated buffers per runner). Use more runners or fewer envs.`,
    );
  }
  const fragment = r.rolloutFragmentLength;
  if (isCount(fragment, 1) && fragment > MAX_ROLLOUT_FRAGMENT_LENGTH) {
    err(
      'envRunners.rolloutFragmentLength',
      `rolloutFragmentLength (${fmt(fragment)}) is more than the limit of ${fmt(MAX_ROLLOUT_FRAGMENT_LENGTH)} steps ` +
        `per sub-env per sample call. Use 'auto' (derived from the train batch size) or a smaller value.`,
    );
  } else if (isCount(fragment, 1) && isCount(envs, 1) && envs <= MAX_ENVS_PER_ENV_RUNNER) {
    if (fragment * envs > MAX_ENV_STEPS_PER_SAMPLE_CALL) {
      err(
        'envRunners.rolloutFragmentLength',
        `numEnvsPerEnvRunner (${envs}) x rolloutFragmentLength (${fragment}) = ${fmt(fragment * envs)} env steps per ` +
          `sample call, more than the limit of ${fmt(MAX_ENV_STEPS_PER_SAMPLE_CALL)} a runner buffers at once. ` +
          `Use rolloutFragmentLength 'auto' or a smaller value.`,
      );
    }
  }
  modelSizeErrors(cfg.rlModule, moduleCount(cfg), err);
  return out;
}

function modelSizeErrors(
  m: RLModuleConfig | undefined,
  modules: number,
  err: (path: string, message: string) => void,
): void {
  const hiddens: unknown = m?.fcnetHiddens;
  if (!Array.isArray(hiddens) || !m) return;
  if (hiddens.length > MAX_HIDDEN_LAYERS) {
    err(
      'rlModule.fcnetHiddens',
      `fcnetHiddens has ${hiddens.length} layers, more than the limit of ${MAX_HIDDEN_LAYERS}. Use fewer layers.`,
    );
    return;
  }
  if (!hiddensOk(m)) return;
  const params = modelParameterCount(m) * modules;
  if (params <= MAX_MODEL_PARAMETERS) {
    const floats = params * CHECKPOINT_COPIES;
    if (floats <= MAX_CHECKPOINT_FLOATS) return;
    // The run could train, but no checkpoint of it could be saved or restored (as for one module).
    err(
      'rlModule.fcnetHiddens',
      `${modelText(m, modules)} gives at least ${fmt(params)} parameters; a checkpoint holds each with Adam's two ` +
        `moments, ${fmt(floats)} values, more than the ${fmt(MAX_CHECKPOINT_FLOATS)} (256 MB) a checkpoint may hold, ` +
        `so the run could not be saved or resumed. Use smaller layers${modules > 1 ? ' or fewer modules (policies)' : ''}.`,
    );
    return;
  }
  err(
    'rlModule.fcnetHiddens',
    `${modelText(m, modules)} gives at least ${fmt(params)} parameters ` +
      `(~${fmt(Math.ceil(learnerMegabytes(params)))} MB on the page while training, plus a copy in every EnvRunner); ` +
      `the limit is ${fmt(MAX_MODEL_PARAMETERS)} parameters (~${learnerMegabytes(MAX_MODEL_PARAMETERS)} MB) so the ` +
      `tab does not run out of memory. Use smaller layers, e.g. [256, 256] (RLlib's default)` +
      `${modules > 1 ? ', or fewer modules (policies)' : ''}.`,
  );
}
