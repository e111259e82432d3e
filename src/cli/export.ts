/**
 * `npm run export -- --rllib RUN_DIR [--out DIR] [--checkpoint FILE]`: writes a training run's
 * config for RLlib's new API stack, its weights as safetensors and a torch loader (see
 * rllib-export.ts). Exit 0 done, 2 bad input (a missing or damaged run folder), as train's codes.
 */
import { errorMessage } from '../core/errors';
import { UsageError } from './args';
import { EXPORT_HELP, parseExportArgs } from './export-args';
import { EXIT_BAD_INPUT, EXIT_OK, exitCodeForError } from './exit-codes';
import { exportRunToRLlib } from './rllib-export';

function main(argv: readonly string[]): number {
  try {
    const args = parseExportArgs(argv);
    if (args.help || args.runDir === undefined) {
      process.stdout.write(EXPORT_HELP);
      return EXIT_OK;
    }
    const done = exportRunToRLlib(args.runDir, { outDir: args.out, checkpoint: args.checkpoint });
    const unmapped = done.keyMap.filter((e) => 'none' in e.rllib).map((e) => e.path);
    process.stdout.write(
      `Exported the ${done.config.algo} run ${args.runDir} (${done.checkpointFile}) for RLlib:\n` +
        done.files.map((f) => `  ${f}\n`).join('') +
        `${done.keyMap.length - unmapped.length} of ${done.keyMap.length} config keys mapped; no RLlib equivalent: ${unmapped.join(', ') || 'none'}.\n`,
    );
    return EXIT_OK;
  } catch (e) {
    process.stderr.write(`error: ${errorMessage(e)}\n`);
    return e instanceof UsageError ? EXIT_BAD_INPUT : exitCodeForError(e);
  }
}

process.exitCode = main(process.argv.slice(2));
