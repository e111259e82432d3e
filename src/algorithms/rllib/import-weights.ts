/**
 * A checkpoint with a policy's weights replaced by those of a safetensors file in RLlib's layout:
 * the module's weights, and any target network whose variables the file also holds (a DQN target
 * starts from the imported Q-network, a SAC target from the imported critics), so training can
 * continue from them. Everything else (optimizer state, counters, replay buffer) is kept.
 */
import type { AlgorithmConfigBase } from '../../core/config';
import { RLError } from '../../core/errors';
import type { ModuleWeights } from '../../rl-module/weights';
import type { Checkpoint } from '../checkpoint';
import type { RLlibMapping } from './rllib-mapping';
import { decodeRLlibWeights } from './rllib-weights';

/** `target` with each variable taken from `source` where a variable of the same name exists. */
function matchByName(target: ModuleWeights, source: ModuleWeights): ModuleWeights {
  const byName = new Map(source.names.map((n, i) => [n, source.arrays[i]!]));
  return { ...target, arrays: target.names.map((n, i) => new Float32Array(byName.get(n) ?? target.arrays[i]!)) };
}

export function withImportedWeights(
  ckpt: Checkpoint,
  bytes: Uint8Array,
  mapping: RLlibMapping,
): { checkpoint: Checkpoint; numTensors: number } {
  const config = ckpt.config as AlgorithmConfigBase;
  if (ckpt.modules !== undefined) {
    throw new RLError(
      'weights/multi-agent',
      `${config.environment.env} is a multi-agent run: loading RLlib weights into one is not supported yet ` +
        '(the export writes them, policy.py loads them per module); restore the run from its checkpoint instead.',
    );
  }
  const weights = decodeRLlibWeights(bytes, ckpt.weights, mapping, config);
  const targets = ckpt.algorithmState?.targetNetworks;
  const algorithmState =
    ckpt.algorithmState && targets
      ? {
          ...ckpt.algorithmState,
          targetNetworks: Object.fromEntries(
            Object.entries(targets).map(([id, t]) => [id, { ...t, weights: matchByName(t.weights, weights) }]),
          ),
        }
      : ckpt.algorithmState;
  const numTensors = weights.names.filter(
    (n) => !mapping.omitsWeight?.(n, config) && mapping.weightName(n, config) !== null,
  ).length;
  return { checkpoint: { ...ckpt, weights, ...(algorithmState ? { algorithmState } : {}) }, numTensors };
}
