/**
 * `npm run train -- [options]`: the entry. It imports the runner (train-main.ts) dynamically, so a
 * user env registered in src/envs/user-envs.ts that throws while loading (a missing import), which
 * the CLI loads too, is reported as an env module error, exit 2, with its file:line, not a crash.
 */
import { errorMessage } from '../core/errors';
import { FaultLocator } from '../envs/env-fault';
import { EXIT_BAD_INPUT, EXIT_TRAINING_FAILED } from './exit-codes';

async function run(argv: readonly string[]): Promise<number> {
  let main: (argv: readonly string[]) => Promise<number>;
  try {
    ({ main } = await import('./train-main'));
  } catch (e) {
    const stack = e instanceof Error ? (e.stack ?? null) : null;
    // Node's stacks are already source-mapped (tsx); no map to fetch.
    const location = await new FaultLocator(() => Promise.resolve(null)).userLocation(stack);
    const what = e instanceof Error ? `${e.name}: ${e.message}` : errorMessage(e);
    if (location === null) {
      process.stderr.write(`error: the trainer failed to load: ${what}\n${stack ?? ''}\n`);
      return EXIT_TRAINING_FAILED;
    }
    process.stderr.write(
      `error: loading the registered envs (src/envs/user-envs.ts and what it imports) failed: ${what}\n  at ${location}\n`,
    );
    return EXIT_BAD_INPUT;
  }
  return main(argv);
}

process.exitCode = await run(process.argv.slice(2));
// Playwright and Vite can leave handles open (sockets being torn down); the run is over.
process.exit();
