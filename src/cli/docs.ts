/**
 * `npm run docs`: writes the configuration reference generated from the key catalogues
 * (config-reference.ts) into README.md between its markers, formatted as Prettier formats the
 * README, so `npm run lint` and the README-freshness test agree with it. `--check` only reports.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { configReference, withReference } from './config-reference';

const README = new URL('../../README.md', import.meta.url);

/** README.md as it should be: its text with the generated block, Prettier-formatted. */
export async function readmeWithReference(readme: string): Promise<string> {
  const options = (await resolveConfig(README.pathname)) ?? {};
  return format(withReference(readme, configReference()), { ...options, parser: 'markdown' });
}

async function main(): Promise<void> {
  const current = readFileSync(README, 'utf8');
  const wanted = await readmeWithReference(current);
  if (process.argv.includes('--check')) {
    if (wanted !== current) {
      console.error(
        'README.md is stale: its configuration reference differs from the key catalogues. Run npm run docs.',
      );
      process.exitCode = 1;
    }
    return;
  }
  if (wanted !== current) writeFileSync(README, wanted);
  console.log(wanted === current ? 'README.md is up to date.' : 'README.md: configuration reference rewritten.');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
