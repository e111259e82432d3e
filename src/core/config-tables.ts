/**
 * Everything derived from a sectioned key catalogue (`{ envRunners: ENV_RUNNERS_KEYS, training:
 * PPO_TRAINING_KEYS, ... }`): the full defaults, the alias table that input resolution reads, each
 * key's RLlib setter and name, the form's sections, and the rows that --help and the README's
 * configuration tables print. Nothing here is written per key.
 */
import {
  defaultsOf,
  groupsOf,
  keysOf,
  namesOf,
  rllibKeyOf,
  validateCatalogue,
  type Catalogue,
  type FieldKind,
  type FormSection,
  type KeyAtPath,
  type KeyDef,
  type RLlibKey,
  type RLlibSetter,
  type ValuesOf,
} from './config-catalogue';
import type { IssueList } from './issue-list';
import { deepFreeze } from './json';

/** An algorithm's keys by config section. */
export interface SectionedKeys {
  readonly [section: string]: Catalogue;
}

/** The config a sectioned catalogue describes: `{ algo, envRunners: {...}, training: {...} }`. */
export type ConfigOf<K extends SectionedKeys, A extends string = string> = { readonly algo: A } & {
  readonly [S in keyof K]: ValuesOf<K[S]>;
};

/** The RLlib setter each section's keys go to by default (a key may name another). */
const SETTERS: Readonly<Record<string, RLlibSetter>> = {
  environment: 'environment',
  envRunners: 'env_runners',
  learners: 'learners',
  rlModule: 'model_config',
  training: 'training',
  faultTolerance: 'fault_tolerance',
  debugging: 'debugging',
  reporting: 'reporting',
  offlineData: 'offline_data',
  evaluation: 'evaluation',
  multiAgent: 'multi_agent',
};

function setterOf(section: string): RLlibSetter {
  const setter = SETTERS[section];
  if (!setter) throw new Error(`config section '${section}' has no RLlib setter; add it to SETTERS`);
  return setter;
}

/** Every key of every section, in declaration order, with the section it belongs to. */
export function allKeys(keys: SectionedKeys): (KeyAtPath & { readonly section: string })[] {
  return Object.entries(keys).flatMap(([section, catalogue]) =>
    keysOf(catalogue, section).map((k) => ({ ...k, section })),
  );
}

/** `{ algo, ...each section's defaults }`, frozen. */
export function configDefaults<K extends SectionedKeys, A extends string>(algo: A, keys: K): ConfigOf<K, A> {
  const out: Record<string, unknown> = { algo };
  for (const [section, catalogue] of Object.entries(keys)) out[section] = defaultsOf(catalogue);
  return deepFreeze(out) as ConfigOf<K, A>;
}

/**
 * RLlib's names (new stack first, then old-stack names and short forms) -> our dotted paths; the
 * first name listed for a path is the one the URL writes. A group's dict name maps to the group.
 */
export function aliasTable(keys: SectionedKeys): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (name: string, path: string): void => {
    if (!Object.hasOwn(out, name)) out[name] = path;
  };
  for (const [section, catalogue] of Object.entries(keys)) {
    const setter = setterOf(section);
    for (const { path, group } of groupsOf(catalogue, section))
      for (const n of [group.rllib, ...group.aliases]) add(n, path);
    for (const k of keysOf(catalogue, section)) for (const n of namesOf(k, setter)) add(n, k.path);
  }
  return out;
}

/** Each key's RLlib setter and name, or why RLlib has none: the export's table and key_map.json. */
export function rllibTable(keys: SectionedKeys): Record<string, RLlibKey> {
  const out: Record<string, RLlibKey> = {};
  for (const [section, catalogue] of Object.entries(keys)) {
    for (const k of keysOf(catalogue, section)) out[k.path] = rllibKeyOf(k, setterOf(section));
  }
  return out;
}

/** Range and kind checks of every key present in `config`'s sections (cross-key rules are the caller's). */
export function validateKeys(keys: SectionedKeys, config: object, out: IssueList): void {
  for (const [section, catalogue] of Object.entries(keys)) {
    validateCatalogue(catalogue, section, (config as Record<string, unknown>)[section], out);
  }
}

// ---------------------------------------------------------------------------------------------
// The form.

/** One form field: config path, RLlib name, input kind and a one-line explanation. */
export interface FieldDef {
  /** Dotted config path (`training.lr`); stop criteria use `stop.<result key>`. */
  readonly path: string;
  readonly label: string;
  /** RLlib's snake_case name, shown next to the label and used in the URL. */
  readonly rllib: string;
  readonly kind: FieldKind;
  readonly help: string;
  readonly options?: readonly { readonly value: string; readonly label: string }[];
  /** Empty text means null (no seed, no grad clip, the env's own time limit). */
  readonly nullable?: boolean;
  /** Shown under "More settings" of its section. */
  readonly advanced?: boolean;
}

export interface SectionDef extends FormSection {
  readonly fields: readonly FieldDef[];
}

function fieldKind(k: KeyDef): FieldKind {
  if (k.form?.kind) return k.form.kind;
  switch (k.kind) {
    case 'int':
      return k.auto ? 'text' : 'int';
    case 'number':
    case 'duration':
      return k.auto ? 'text' : 'number';
    case 'boolean':
      return 'checkbox';
    case 'choice':
      return 'select';
    default:
      return 'text';
  }
}

/** The form field of one key (it must have a form hint). */
export function fieldOf(k: KeyAtPath, section: string): FieldDef {
  const hint = k.key.form;
  if (!hint) throw new Error(`${k.path} has no form hint`);
  const names = namesOf(k, setterOf(section));
  const options = k.key.choices?.map((value) => ({ value, label: hint.optionLabels?.[value] ?? value }));
  return {
    path: k.path,
    label: hint.label,
    // The name a person types (a flag, a URL key): the key's flag name, else RLlib's.
    rllib: names[0] ?? k.path.slice(k.path.lastIndexOf('.') + 1),
    kind: fieldKind(k.key),
    help: k.key.doc,
    ...(options ? { options } : {}),
    ...(k.key.nullable ? { nullable: true } : {}),
    ...(hint.advanced ? { advanced: true } : {}),
  };
}

/**
 * The form's sections: every key with a form hint, in `order` of its catalogue sections, grouped
 * by the hint's section (default: `sectionOf[catalogue section]`) in order of first appearance.
 */
export function formSections(
  keys: SectionedKeys,
  order: readonly string[],
  sectionOf: Readonly<Record<string, FormSection>>,
): SectionDef[] {
  const groups = new Map<string, { section: FormSection; fields: FieldDef[] }>();
  const ordered = [...order.filter((s) => s in keys), ...Object.keys(keys).filter((s) => !order.includes(s))];
  for (const section of ordered) {
    for (const k of keysOf(keys[section]!, section)) {
      const hint = k.key.form;
      if (!hint) continue;
      const target = hint.section ?? sectionOf[section];
      if (!target) throw new Error(`${k.path}: no form section for config section '${section}'`);
      const group = groups.get(target.id) ?? { section: target, fields: [] };
      group.fields.push(fieldOf(k, section));
      groups.set(target.id, group);
    }
  }
  return [...groups.values()].map(({ section, fields }) => ({ ...section, fields }));
}

// ---------------------------------------------------------------------------------------------
// Reference rows: --help and the README.

export interface KeyRow {
  readonly section: string;
  readonly path: string;
  /** The key within its section: `lr`, `replayBufferConfig.capacity`. */
  readonly name: string;
  readonly default: unknown;
  /** `num_env_runners`, `lambda_`, or `(none)`. */
  readonly rllib: string;
  /** RLlib's other names it is accepted under. */
  readonly aliases: readonly string[];
  readonly doc: string;
  readonly note?: string;
  readonly cleanrl?: string;
}

export function keyRows(keys: SectionedKeys): KeyRow[] {
  return allKeys(keys).map((k) => {
    const setter = setterOf(k.section);
    const r = rllibKeyOf(k, setter);
    const rllib = 'name' in r ? r.name : '(none)';
    return {
      section: k.section,
      path: k.path,
      name: k.path.slice(k.section.length + 1),
      default: k.key.default,
      rllib,
      aliases: namesOf(k, setter).filter((n) => n !== rllib),
      doc: k.key.doc,
      ...(k.key.note === undefined ? {} : { note: k.key.note }),
      ...(k.key.cleanrl === undefined ? {} : { cleanrl: k.key.cleanrl }),
    };
  });
}
