/**
 * The --help text of `npm run train`: every CLI option, the registered algorithms, and every
 * config key and preset of one algorithm (--algo's, else the default) with its defaults.
 */
import { keyRows } from '../core/config-tables';
import { ALGORITHM_SPECS, DEFAULT_SPEC, presetIds, type AnySpec } from '../algorithms/registry';
import { OPTIONS, flagForPath } from './args';

/** Config keys shown with their defaults at the top of --help (all keys are listed further down). */
const COMMON_CONFIG_PATHS = [
  'algo',
  'environment.env',
  'envRunners.numEnvRunners',
  'envRunners.numEnvsPerEnvRunner',
  'envRunners.rolloutFragmentLength',
  'learners.numGpusPerLearner',
  'debugging.seed',
];

function defaultOf(path: string, spec: AnySpec): string {
  let v: unknown = spec.defaults;
  for (const part of path.split('.')) v = (v as Record<string, unknown>)[part];
  return JSON.stringify(v);
}

function optionLine(left: string, def: string, help: string): string {
  const head = `  ${left.padEnd(40)} `;
  const text = def === '' ? help : `${help} [default: ${def}]`;
  return left.length > 40 ? `  ${left}\n${' '.repeat(43)}${text}` : head + text;
}

/** The --help text: every CLI option and every config key of `spec` (--algo's, else the default), with defaults. */
export function helpText(spec: AnySpec = DEFAULT_SPEC): string {
  const others = ALGORITHM_SPECS.filter((s) => s !== spec).map((s) => `--algo ${s.name.toLowerCase()} --help`);
  const lines = [
    'Usage: npm run train -- [options]',
    '',
    'Trains an RL agent headlessly: serves the app on 127.0.0.1, drives it in headless Chromium,',
    'streams progress and writes results and checkpoints to --out. Options take `--name value` or',
    '`--name=value`; snake_case spellings (RLlib) work too.',
    '',
    'Run options:',
  ];
  for (const o of OPTIONS.filter((x) => !x.testHook)) {
    const names = [o.name, ...(o.aliases ?? [])].map((n) => (n.length === 1 ? `-${n}` : `--${n}`)).join(', ');
    lines.push(optionLine(o.metavar ? `${names} ${o.metavar}` : names, o.def, o.help));
  }
  lines.push(
    '',
    `Algorithms (--algo, case-insensitive): ${ALGORITHM_SPECS.map((s) => `${s.name.toLowerCase()}${s === DEFAULT_SPEC ? ' (default)' : ''}`).join(', ')}.`,
    `This help shows ${spec.name}'s keys and presets${others.length > 0 ? `; ${others.join(', ')} shows the others'` : ''}.`,
    `  ${spec.title}`,
    '',
    `Presets of ${spec.name} (--preset): ${presetIds(spec).join(', ') || 'none'}${spec.autoPreset ? '; auto (sized from the env, the default for an env without a preset)' : ''}; none (the plain defaults).`,
    '',
    `Common settings (config keys; a preset may change the defaults shown, which are ${spec.name}'s):`,
  );
  // Each key's line is its catalogue entry's doc (one declaration per key: src/core/config-catalogue.ts).
  const rows = keyRows(spec.keys);
  const docOf = (path: string): string =>
    rows.find((r) => r.path === path)?.doc ?? (path === 'algo' ? 'The algorithm (RLlib: algo_class).' : path);
  for (const path of COMMON_CONFIG_PATHS) {
    lines.push(optionLine(`${flagForPath(path, spec)} VALUE`, defaultOf(path, spec), docOf(path)));
  }
  lines.push('', `Every ${spec.name} config key is a flag (RLlib names, old-stack names and dotted paths work too):`);
  let section = '';
  for (const row of rows.filter((r) => !COMMON_CONFIG_PATHS.includes(r.path))) {
    if (row.section !== section) lines.push(`  ${(section = row.section)}:`);
    lines.push(optionLine(`${flagForPath(row.path, spec)} VALUE`, defaultOf(row.path, spec), row.doc));
  }
  lines.push(
    '',
    'Values: numbers, true/false, null, lists `16,16` or `[16,16]`, lr schedules `0:1e-3,200000:3e-4`.',
    '',
    'Test hooks:',
    ...OPTIONS.filter((x) => x.testHook).map((o) => optionLine(`--${o.name} ${o.metavar ?? ''}`, o.def, o.help)),
    '',
    'Exit codes: 0 done; 1 training failed (an env that throws too), or --as-test and the reward was not',
    'reached; 2 bad input (option, config, checkpoint, env id, an env module that does not load, an env',
    'that fails checkEnv, an --out that holds another run, no browser, WebGPU asked for but missing);',
    '130 interrupted: Ctrl-C or SIGTERM stops at once and saves the last completed',
    'iteration; a second one quits without saving.',
    '',
    'Examples:',
    '  npm run train -- --env CartPole-v1 --stop-iters 5',
    '  npm run train -- --preset CartPole-v1:cleanrl --stop-reward 450 --as-test',
    '  npm run train -- --env-module my-envs/corridor.ts --env Corridor-v0',
    '  npm run train -- --restore runs/ppo-CartPole-v1-20250101-120000 --stop-iters 50',
  );
  return lines.join('\n');
}
