/**
 * The configuration form as data: every config field comes from the algorithm's key catalogue
 * (`spec.formSections`, derived: label, RLlib name, input kind and the key's one-line doc); here
 * the stop criteria, the device menu and the panel's own top fields. Defaults shown in the help
 * lines are the chosen spec's.
 */
import { getPath } from '../core/json-path';
import type { AnySpec, FieldDef, SectionDef } from '../app/config-form';

export type { FieldDef, SectionDef } from '../app/config-form';

const f = (def: FieldDef): FieldDef => def;

export const DEVICE_OPTIONS = [
  { value: 'auto', label: 'auto — WebGPU on a hardware GPU, else CPU' },
  { value: '1', label: 'WebGPU' },
  { value: '0', label: 'CPU (wasm)' },
] as const;

/** Stop criteria: Ray Tune's dict, met when ANY is reached; empty fields are not used. */
/** Multi-agent runs: stop once every module's return mean reached the value (shown for those only). */
export const MODULE_STOP_FIELD = 'stop.env_runners/min_module_episode_returns_mean';

export const STOP_FIELDS: readonly FieldDef[] = [
  f({
    path: 'stop.env_runners/episode_return_mean',
    label: 'Return mean ≥',
    rllib: 'stop_reward',
    kind: 'number',
    nullable: true,
    help: 'Stop when the mean return over the last 100 episodes reaches this.',
  }),
  f({
    path: MODULE_STOP_FIELD,
    label: 'Every module’s return ≥',
    rllib: 'stop_module_reward',
    kind: 'number',
    nullable: true,
    help: 'Multi-agent: stop when each module’s mean return (its agents summed per episode) reaches this.',
  }),
  f({
    path: 'stop.num_env_steps_sampled_lifetime',
    label: 'Env steps ≥',
    rllib: 'stop_timesteps',
    kind: 'int',
    nullable: true,
    help: 'Stop after this many env steps in total (the budget).',
  }),
  f({
    path: 'stop.training_iteration',
    label: 'Iterations ≥',
    rllib: 'stop_iters',
    kind: 'int',
    nullable: true,
    help: 'Stop after this many training iterations.',
  }),
  f({
    path: 'stop.time_total_s',
    label: 'Seconds ≥',
    rllib: 'stop_time_s',
    kind: 'number',
    nullable: true,
    help: 'Stop after this much training time.',
  }),
];

/** The form section the panel lays out itself at the top (env, device, seed; config-catalogue's FORM_SECTIONS.base). */
const BASE_SECTION_ID = 'base';

const ALGO_FIELD = f({ path: 'algo', label: 'Algorithm', rllib: 'algo', kind: 'select', help: '' });

/** Fields the panel lays out itself: the algorithm, and the env, device and seed from the catalogue. */
export function baseFieldsFor(spec: AnySpec): readonly FieldDef[] {
  return [ALGO_FIELD, ...(spec.formSections.find((s) => s.id === BASE_SECTION_ID)?.fields ?? [])];
}

/** The form's sections for an algorithm (derived from its key catalogue), without the panel's own. */
export function sectionsFor(spec: AnySpec): readonly SectionDef[] {
  return spec.formSections.filter((s) => s.id !== BASE_SECTION_ID);
}

/** Every config field the form shows for an algorithm (stop criteria not included). */
export function configFieldsFor(spec: AnySpec): readonly FieldDef[] {
  return [ALGO_FIELD, ...spec.formSections.flatMap((s) => s.fields)];
}

/** A config value as the text a field shows: lists `64,64`, schedules `0:0.001,200000:0.0003`, null empty. */
export function formatFieldValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map((x) => (Array.isArray(x) ? x.join(':') : String(x))).join(',');
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

/** "default 0.99" for the help line, from the algorithm's own defaults (RLlib's XConfig). */
export function defaultText(path: string, defaults: object): string {
  if (path.startsWith('stop.')) return '';
  const v = getPath(defaults, path);
  const text = formatFieldValue(v);
  return text === '' ? 'default: none' : `default ${text}`;
}
