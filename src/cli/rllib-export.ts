/**
 * A run folder (`npm run train --out DIR`) handed to RLlib: reads and checks config.json and the
 * checkpoint, then writes into DIR/rllib/ (or --out):
 *   rllib_config.py     the run's config for RLlib's new API stack (PPOConfig, DQNConfig, ...),
 *                       with .multi_agent(policies=..., policy_mapping_fn=...) for a multi-agent run
 *   weights.safetensors the trained weights under RLlib's torch RLModule names (a multi-agent
 *                       run's: `<module id>.<name>`, RLlib's MultiRLModule state)
 *   policy.py           a torch loader with greedy_actions(obs), no Ray needed
 *   key_map.json        every config key: its value and RLlib setter/name, or why it has none
 * Every input problem is a UsageError naming the path (exit 2).
 */
import { isMultiAgentEnv } from '../envs/multi-agent/registry';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Checkpoint } from '../algorithms/checkpoint';
import { checkConfig, type AnyAlgorithmConfig, type AnySpec } from '../algorithms/registry';
import { rllibConfigPython, type KeyMapEntry } from '../algorithms/rllib/rllib-python';
import { encodeRLlibWeights } from '../algorithms/rllib/rllib-weights';
import { encodeMultiAgentRLlibWeights, moduleSpacesOf, multiAgentLayout } from '../algorithms/rllib/rllib-multi-agent';
import { checkpointFromJson } from '../app/checkpoint-codec';
import { RLError, errorMessage } from '../core/errors';
import type { Space } from '../core/spaces';
import { makeVectorEnv } from '../envs';
import { UsageError } from './args';
import { FILES } from './run-files';

/** The Python loader shipped with every export (python/policy.py in this repository). */
export const POLICY_PY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'python', 'policy.py');

export const EXPORT_FILES = {
  config: 'rllib_config.py',
  weights: 'weights.safetensors',
  loader: 'policy.py',
  keyMap: 'key_map.json',
} as const;

export interface ExportedRun {
  readonly outDir: string;
  readonly spec: AnySpec;
  readonly config: AnyAlgorithmConfig;
  readonly checkpointFile: string;
  readonly keyMap: readonly KeyMapEntry[];
  readonly files: readonly string[];
}

function readJson(file: string, what: string): unknown {
  if (!existsSync(file))
    throw new UsageError(
      `${file}: ${what} not found; is this a folder written by npm run train?`,
      'cli/export-missing',
    );
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new UsageError(
      `${file}: ${what} is not valid JSON (${errorMessage(e)}); the run folder is damaged.`,
      'cli/export-corrupt',
    );
  }
}

/** The run's config.json, validated against its algorithm; every problem named with the file. */
function readRunConfig(file: string): { spec: AnySpec; config: AnyAlgorithmConfig } {
  const json = readJson(file, 'the run config');
  let check;
  try {
    check = checkConfig(json);
  } catch (e) {
    throw new UsageError(`${file}: ${errorMessage(e)}`, 'cli/export-corrupt');
  }
  const errors = check.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0)
    throw new UsageError(
      `${file}: invalid run config:\n${errors.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
      'cli/export-corrupt',
    );
  return { spec: check.spec, config: check.config };
}

/** checkpoint/final.json, else checkpoint/latest.json, or the file given with --checkpoint. */
function findCheckpoint(runDir: string, given: string | undefined): string {
  if (given !== undefined) {
    if (!existsSync(given) || !statSync(given).isFile())
      throw new UsageError(`--checkpoint ${given}: no such file.`, 'cli/export-missing');
    return given;
  }
  const candidates = [FILES.final, FILES.latest].map((f) => path.join(runDir, f));
  const found = candidates.find((f) => existsSync(f));
  if (!found)
    throw new UsageError(
      `${runDir}: no checkpoint (looked for ${candidates.join(', ')}). Train with --checkpoint-every, or let the run finish.`,
      'cli/export-missing',
    );
  return found;
}

function readCheckpoint(file: string): Checkpoint {
  try {
    return checkpointFromJson(readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof RLError) throw new UsageError(`${file}: ${e.message}`, 'cli/export-corrupt');
    throw e;
  }
}

function spacesOf(config: AnyAlgorithmConfig): { observationSpace: Space; actionSpace: Space } {
  const env = makeVectorEnv(config.environment.env, {
    numEnvs: 1,
    seed: 0,
    envConfig: config.environment.envConfig,
    maxEpisodeSteps: config.environment.maxEpisodeSteps ?? undefined,
  });
  return { observationSpace: env.singleObservationSpace, actionSpace: env.singleActionSpace };
}

/** Checks `runDir` and writes the export into `outDir` (default runDir/rllib). */
export function exportRunToRLlib(
  runDir: string,
  opts: { outDir?: string | undefined; checkpoint?: string | undefined } = {},
): ExportedRun {
  if (!existsSync(runDir))
    throw new UsageError(`${runDir}: no such folder; pass the --out folder of a training run.`, 'cli/export-missing');
  if (!statSync(runDir).isDirectory())
    throw new UsageError(`${runDir} is a file; pass the run's folder.`, 'cli/export-missing');
  const configFile = path.join(runDir, FILES.config);
  const { spec, config } = readRunConfig(configFile);
  const checkpointFile = findCheckpoint(runDir, opts.checkpoint);
  const ckpt = readCheckpoint(checkpointFile);
  if (ckpt.algo !== config.algo)
    throw new UsageError(
      `${checkpointFile} holds a ${ckpt.algo} checkpoint, ${configFile} a ${config.algo} run.`,
      'cli/export-corrupt',
    );
  if (!spec.rllib)
    throw new UsageError(
      `${spec.name} runs cannot be exported yet: it has no RLlib mapping.`,
      'cli/export-unsupported',
    );
  if (spec.rllib.exportRefused !== undefined) throw new UsageError(spec.rllib.exportRefused, 'cli/export-unsupported');
  const outDir = opts.outDir ?? path.join(runDir, 'rllib');
  let weights: Uint8Array;
  let actionSpace: Space;
  if (isMultiAgentEnv(config.environment.env)) {
    const spaces = moduleSpacesOf(config);
    actionSpace = spaces.values().next().value!.actionSpace;
    const layout = multiAgentLayout(config, spec.rllib, spaces);
    weights = encodeMultiAgentRLlibWeights(ckpt.weights, spec.rllib, { algo: config.algo, config, layout });
  } else {
    const spaces = spacesOf(config);
    actionSpace = spaces.actionSpace;
    const layout = spec.rllib.moduleLayout(config, spaces.observationSpace, actionSpace);
    weights = encodeRLlibWeights(ckpt.weights, spec.rllib, { algo: config.algo, config, layout });
  }
  const { source, keyMap } = rllibConfigPython(config, spec, { source: path.resolve(runDir), actionSpace });
  mkdirSync(outDir, { recursive: true });
  const write = (name: string, data: string | Uint8Array): string => {
    const file = path.join(outDir, name);
    writeFileSync(file, data);
    return file;
  };
  const files = [
    write(EXPORT_FILES.config, source),
    write(EXPORT_FILES.weights, weights),
    write(EXPORT_FILES.loader, readFileSync(POLICY_PY)),
    write(EXPORT_FILES.keyMap, JSON.stringify(keyMap, null, 2) + '\n'),
  ];
  return { outDir, spec, config, checkpointFile, keyMap, files };
}
