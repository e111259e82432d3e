/**
 * Command-line options of `npm run export` (kept apart from export.ts, which runs on import).
 */
import { UsageError } from './args';

export const EXPORT_HELP = `Usage: npm run export -- --rllib RUN_DIR [--out DIR] [--checkpoint FILE]

Hands a run to RLlib on a Ray cluster. RUN_DIR is a folder written by npm run train (config.json,
checkpoint/final.json or checkpoint/latest.json). Writes into DIR (default RUN_DIR/rllib):
  rllib_config.py      the equivalent PPOConfig/DQNConfig/SACConfig (new API stack)
  weights.safetensors  the trained weights, named as in RLlib's default torch RLModule
  policy.py            loads them into torch (no Ray): load_policy(path).greedy_actions(obs)
  key_map.json         every config key, its RLlib name, or why RLlib has none
`;

export interface ExportArgs {
  readonly help: boolean;
  readonly runDir: string | undefined;
  readonly out: string | undefined;
  readonly checkpoint: string | undefined;
}

export function parseExportArgs(argv: readonly string[]): ExportArgs {
  const values: Record<string, string> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!arg.startsWith('--') || !['rllib', 'out', 'checkpoint'].includes(name))
      throw new UsageError(`unknown argument '${arg}'; see npm run export -- --help.`);
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value.`);
    values[name] = value;
  }
  if (!help && values['rllib'] === undefined)
    throw new UsageError('--rllib RUN_DIR is required (the --out folder of npm run train).');
  return { help, runDir: values['rllib'], out: values['out'], checkpoint: values['checkpoint'] };
}
