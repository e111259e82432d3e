/**
 * The key catalogue: every config key declared once, with its default, a one-line doc, its RLlib
 * name (or why RLlib has none), the other names it is accepted under, its range, and how the form
 * shows it. Everything people read about a key is derived from that one entry (DESIGN.md §12):
 * the defaults object, the alias tables, range validation, the form's sections, `--help`, the
 * RLlib export table and key_map.json, and the README's configuration tables. The config types
 * are derived too (`ValuesOf`), so the engine keeps reading plain data: `config.training.lr`.
 *
 * Cross-key rules (minibatch <= batch, exclusive fault-tolerance modes) are code next to each
 * catalogue; they report through the same IssueList.
 */
import { deepFreeze, isPlainObject } from './json';
import type { IssueList } from './issue-list';
import type { ScheduleRules, ScheduleValue } from './schedule';

/** The AlgorithmConfig setters a key can go to; `model_config` is `.rl_module(model_config=...)`. */
export type RLlibSetter =
  | 'environment'
  | 'env_runners'
  | 'learners'
  | 'model_config'
  | 'training'
  | 'offline_data'
  | 'evaluation'
  | 'fault_tolerance'
  | 'debugging'
  | 'reporting'
  | 'resources'
  | 'multi_agent';

/** Where a key goes in RLlib: a setter and its argument, or why RLlib has no such setting. */
export type RLlibKey =
  | {
      readonly method: RLlibSetter;
      /** RLlib's argument name; a dotted name is a key inside a dict argument (`replay_buffer_config.capacity`). */
      readonly name: string;
      /** Our value -> RLlib's, where they differ in form ('auto' GPUs, a range as a tuple). */
      readonly convert?: (value: unknown) => unknown;
      /** A line for the generated file when the conversion loses something. */
      readonly note?: string;
    }
  | { readonly none: string };

/** A key's RLlib name as declared: the argument of its section's setter, or the full form. */
export type RLlibDeclaration = string | RLlibKey;

export type ValueKind =
  'int' | 'number' | 'duration' | 'boolean' | 'choice' | 'schedule' | 'layers' | 'string' | 'dict' | 'custom';

/** A form section: its id (a test id and the key of its state) and title. */
export interface FormSection {
  readonly id: string;
  readonly title: string;
}

export type FieldKind = 'int' | 'number' | 'text' | 'select' | 'checkbox';

/** How the form shows a key; a key without one is not on the form (still a flag and a URL key). */
export interface FormHint {
  readonly label: string;
  /** The section it appears in; default: its catalogue section's. */
  readonly section?: FormSection;
  /** Shown under "More settings" of its section. */
  readonly advanced?: boolean;
  /** The input, where the value kind does not decide it ('custom' keys). */
  readonly kind?: FieldKind;
  /** Labels of a choice's values in its menu; default: the value itself. */
  readonly optionLabels?: Readonly<Record<string, string>>;
}

export interface Range {
  readonly min?: number;
  readonly max?: number;
  /** Strictly greater than. */
  readonly above?: number;
}

/** One config key. Build it with the constructors below (`num`, `int`, `bool`, ...). */
export interface KeyDef<V = unknown> {
  readonly kind: ValueKind;
  readonly default: V;
  /** One line: what the key does. The README, --help and the form's help line show it. */
  readonly doc: string;
  readonly rllib: RLlibDeclaration;
  /** More names accepted on input (RLlib's old-stack names, CLI short forms); the RLlib name comes first. */
  readonly aliases: readonly string[];
  /** The name CLI flags and URLs write, where RLlib's reads badly there (`lambda_`, `input_`); accepted too. */
  readonly flag?: string;
  /** CleanRL's name of the same setting, where it has one (shown in the README). */
  readonly cleanrl?: string;
  /** Why the default departs from RLlib's, or a caveat: a footnote under the README's table. */
  readonly note?: string;
  /** null is a value (its meaning is in the doc: no clip, no seed, no timeout). */
  readonly nullable: boolean;
  /** 'auto' is a value. */
  readonly auto: boolean;
  readonly range: Range;
  readonly choices?: readonly string[];
  readonly scheduleRules?: ScheduleRules;
  readonly form?: FormHint;
  /** Checks beyond the kind and range (a size limit, a value the kind cannot express). */
  check?(this: void, value: V, path: string, out: IssueList): void;
}

/** A dict-valued setting whose entries are keys of their own (RLlib's `replay_buffer_config`). */
export interface KeyGroup<C extends Catalogue = Catalogue> {
  readonly kind: 'group';
  readonly keys: C;
  readonly doc: string;
  /** RLlib's name of the dict argument; its entries are `name.entry`. */
  readonly rllib: string;
  readonly aliases: readonly string[];
}

export type CatalogueEntry = KeyDef | KeyGroup;
export interface Catalogue {
  readonly [name: string]: CatalogueEntry;
}

/** A config section's values from its catalogue: `ValuesOf<typeof PPO_TRAINING_KEYS>`. */
export type ValuesOf<C> = {
  readonly [K in keyof C]: C[K] extends KeyGroup<infer G> ? ValuesOf<G> : C[K] extends KeyDef<infer V> ? V : never;
};

/** What every constructor takes: the doc line, the RLlib name, and how the form shows the key. */
export interface Describe<V> {
  readonly doc: string;
  readonly rllib: RLlibDeclaration;
  readonly aliases?: readonly string[];
  readonly flag?: string;
  readonly cleanrl?: string;
  readonly note?: string;
  readonly form?: FormHint;
  check?(this: void, value: V, path: string, out: IssueList): void;
}

type NumberOptions<V> = Describe<V> & Range;

function define<V>(
  kind: ValueKind,
  value: V,
  d: Describe<V>,
  extra: Partial<Pick<KeyDef<V>, 'nullable' | 'auto' | 'range' | 'choices' | 'scheduleRules'>> = {},
): KeyDef<V> {
  const { doc, rllib, aliases = [], flag, cleanrl, note, form, check } = d;
  const range: Range = {};
  for (const k of ['min', 'max', 'above'] as const) {
    const bound = (d as Range)[k];
    if (bound !== undefined) Object.assign(range, { [k]: bound });
  }
  return {
    kind,
    default: value,
    doc,
    rllib,
    aliases,
    nullable: false,
    auto: false,
    range,
    ...(flag === undefined ? {} : { flag }),
    ...(cleanrl === undefined ? {} : { cleanrl }),
    ...(note === undefined ? {} : { note }),
    ...(form === undefined ? {} : { form }),
    ...(check === undefined ? {} : { check }),
    ...extra,
  };
}

/** A finite number within a range. */
export function num(value: number, o: NumberOptions<number>): KeyDef<number> {
  return define('number', value, o);
}
/** A number, or null (its meaning in the doc). */
num.orNull = (value: number | null, o: NumberOptions<number | null>): KeyDef<number | null> =>
  define('number', value, o, { nullable: true });
/** A number, or 'auto'. */
num.orAuto = (value: number | 'auto', o: NumberOptions<number | 'auto'>): KeyDef<number | 'auto'> =>
  define('number', value, o, { auto: true });

/** An integer >= min (0 unless given). */
export function int(value: number, o: NumberOptions<number>): KeyDef<number> {
  return define('int', value, o);
}
int.orNull = (value: number | null, o: NumberOptions<number | null>): KeyDef<number | null> =>
  define('int', value, o, { nullable: true });
int.orAuto = (value: number | 'auto', o: NumberOptions<number | 'auto'>): KeyDef<number | 'auto'> =>
  define('int', value, o, { auto: true });

/** Seconds that become a browser timer: > 0 (>= 0 with `min: 0`), at most what a timer holds. */
export function seconds(value: number, o: NumberOptions<number>): KeyDef<number> {
  return define('duration', value, o);
}
/** Seconds, or null for no timeout (RLlib's None). */
seconds.orNull = (value: number | null, o: NumberOptions<number | null>): KeyDef<number | null> =>
  define('duration', value, o, { nullable: true });

export function bool(value: boolean, o: Describe<boolean>): KeyDef<boolean> {
  return define('boolean', value, o);
}

/** One of a list of strings. */
export function oneOf<const T extends readonly string[]>(
  choices: T,
  value: T[number],
  o: Describe<T[number]>,
): KeyDef<T[number]> {
  return define('choice', value, o, { choices });
}

/** A constant or RLlib's piecewise-linear schedule `[[envStep, value], ...]`. */
export function schedule(value: ScheduleValue, o: Describe<ScheduleValue> & ScheduleRules): KeyDef<ScheduleValue> {
  const rules = o.allowZeroConstant === undefined ? {} : { allowZeroConstant: o.allowZeroConstant };
  return define('schedule', value, o, { scheduleRules: rules });
}

/** Hidden layer sizes, `[64, 64]`; one number on a CLI or in a URL is one layer. */
export function layers(value: readonly number[], o: Describe<readonly number[]>): KeyDef<readonly number[]> {
  return define('layers', value, o);
}

/** A non-empty string (an env id, a file name). */
export function text(value: string, o: Describe<string>): KeyDef<string> {
  return define('string', value, o);
}

/** A JSON object passed on whole (the env's own keyword arguments). */
export function dict(
  value: Readonly<Record<string, unknown>>,
  o: Describe<Readonly<Record<string, unknown>>>,
): KeyDef<Readonly<Record<string, unknown>>> {
  return define('dict', value, o);
}

/** Any other value: `check` validates it whole (an n-step range), or its section's rules do (a mapping table). */
export function custom<V>(value: V, o: Describe<V>): KeyDef<V> {
  return define('custom', value, o);
}

/** A dict-valued setting of named entries; a partial dict merges into the defaults (RLlib's deep update). */
export function group<const C extends Catalogue>(
  keys: C,
  o: { readonly doc: string; readonly rllib: string; readonly aliases?: readonly string[] },
): KeyGroup<C> {
  return { kind: 'group', keys, doc: o.doc, rllib: o.rllib, aliases: o.aliases ?? [] };
}

type DefaultOf<E> = E extends KeyDef<infer V> ? V : never;

/**
 * The same catalogue with some keys changed for one algorithm: what a shared key means or maps to
 * there (DQN has no value net to share layers with; MARWIL's runners are RLlib's evaluation runners).
 */
export function adjust<C extends Catalogue>(
  catalogue: C,
  changes: { readonly [K in keyof C]?: Partial<Omit<KeyDef<DefaultOf<C[K]>>, 'kind'>> },
): C {
  const out: Record<string, CatalogueEntry> = { ...catalogue };
  for (const [name, change] of Object.entries(changes)) {
    const entry = catalogue[name];
    if (!entry || entry.kind === 'group') throw new Error(`adjust: '${name}' is not a key of this catalogue`);
    out[name] = { ...entry, ...(change as object) };
  }
  return out as C;
}

/** A shared key with some of its entry changed for one algorithm; `form: null` takes it off the form. */
export function reuse<V>(
  key: KeyDef<V>,
  changes: Partial<Omit<KeyDef<V>, 'kind' | 'form'>> & { readonly form?: FormHint | null },
): KeyDef<V> {
  const { form, ...rest } = changes;
  const out: KeyDef<V> = { ...key, ...rest };
  if (form === null) {
    const { form: _dropped, ...withoutForm } = out;
    return withoutForm;
  }
  return form === undefined ? out : { ...out, form };
}

/** The same catalogue with other defaults (DQN samples on the page: numEnvRunners 0). */
export function withDefaults<C extends Catalogue>(catalogue: C, defaults: Partial<ValuesOf<C>>): C {
  const out: Record<string, CatalogueEntry> = { ...catalogue };
  for (const [name, value] of Object.entries(defaults)) {
    const entry = catalogue[name];
    if (!entry || entry.kind === 'group') throw new Error(`withDefaults: '${name}' is not a key of this catalogue`);
    out[name] = { ...entry, default: value };
  }
  return out as C;
}

/**
 * The keys of a shared catalogue an algorithm takes, with its own defaults, in the order given:
 * `including(TRAINING_KEYS, { lr: 5e-5, gamma: 0.99 })`.
 */
export function including<C extends Catalogue, const D extends { readonly [K in keyof C]?: DefaultOf<C[K]> }>(
  catalogue: C,
  defaults: D,
): { readonly [K in keyof D & keyof C]: C[K] } {
  const out: Record<string, CatalogueEntry> = {};
  for (const [name, value] of Object.entries(defaults)) {
    const entry = Object.hasOwn(catalogue, name) ? catalogue[name] : undefined;
    if (!entry || entry.kind === 'group') throw new Error(`including: '${name}' is not a key of this catalogue`);
    out[name] = { ...entry, default: value };
  }
  return out as { readonly [K in keyof D & keyof C]: C[K] };
}

/** The keys of `catalogue` named in `names`, in that order (an algorithm taking some of a shared list). */
export function pick<C extends Catalogue, const K extends keyof C>(catalogue: C, names: readonly K[]): Pick<C, K> {
  return Object.fromEntries(names.map((n) => [n, catalogue[n]])) as Pick<C, K>;
}

// ---------------------------------------------------------------------------------------------
// Walking a catalogue.

/** One key with its dotted path (`training.replayBufferConfig.capacity`) and its group's RLlib prefix. */
export interface KeyAtPath {
  readonly path: string;
  readonly key: KeyDef;
  /** The enclosing group's RLlib dict name, e.g. 'replay_buffer_config'; undefined at the top. */
  readonly groupRllib?: string;
}

/** Every key of a catalogue, groups flattened, in declaration order. */
export function keysOf(catalogue: Catalogue, prefix: string): KeyAtPath[] {
  const out: KeyAtPath[] = [];
  for (const [name, entry] of Object.entries(catalogue)) {
    const path = `${prefix}.${name}`;
    if (entry.kind === 'group') {
      for (const [child, key] of Object.entries(entry.keys)) {
        if (key.kind === 'group') throw new Error(`${path}.${child}: groups nest one level only`);
        out.push({ path: `${path}.${child}`, key, groupRllib: entry.rllib });
      }
    } else out.push({ path, key: entry });
  }
  return out;
}

/** Every group of a catalogue with its path. */
export function groupsOf(catalogue: Catalogue, prefix: string): { path: string; group: KeyGroup }[] {
  return Object.entries(catalogue).flatMap(([name, e]) =>
    e.kind === 'group' ? [{ path: `${prefix}.${name}`, group: e }] : [],
  );
}

/** The default values of a catalogue, groups as nested objects, frozen. */
export function defaultsOf<C extends Catalogue>(catalogue: C): ValuesOf<C> {
  const out: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(catalogue)) {
    out[name] = entry.kind === 'group' ? defaultsOf(entry.keys) : entry.default;
  }
  return deepFreeze(out) as ValuesOf<C>;
}

/** The RLlib key a declared name resolves to, given the setter of the catalogue's section. */
export function rllibKeyOf(k: KeyAtPath, setter: RLlibSetter): RLlibKey {
  const r = k.key.rllib;
  if (typeof r !== 'string') return r;
  return { method: setter, name: k.groupRllib === undefined ? r : `${k.groupRllib}.${r}` };
}

/** The names a key is accepted under besides its path: its flag name, its RLlib name, then its aliases. */
export function namesOf(k: KeyAtPath, setter: RLlibSetter): string[] {
  const r = rllibKeyOf(k, setter);
  const prefixed = k.key.aliases.map((a) => (k.groupRllib === undefined ? a : `${k.groupRllib}.${a}`));
  // A group entry that RLlib keeps elsewhere (SAC's policy layers are model_config's fcnet_hiddens)
  // is accepted under its dict's name only: the bare name belongs to the key of that name.
  const own = 'name' in r && (k.groupRllib === undefined || typeof k.key.rllib === 'string');
  const names = [...(k.key.flag === undefined ? [] : [k.key.flag]), ...(own ? [r.name] : []), ...prefixed];
  return [...new Set(names)];
}

// ---------------------------------------------------------------------------------------------
// Validation of each key's own value (kind, range, choices); cross-key rules are the caller's.

/** Checks one value against its key; returns whether it passed. */
export function checkValue(k: KeyDef, path: string, v: unknown, out: IssueList): boolean {
  if (v === null && k.nullable) return true;
  if (v === 'auto' && k.auto) return true;
  const before = out.issues.length;
  const { min, max, above } = k.range;
  switch (k.kind) {
    case 'int':
      if (out.integer(path, v, min ?? 0) && (max !== undefined || above !== undefined)) out.number(path, v, k.range);
      break;
    case 'number':
      out.number(path, v, k.range);
      break;
    case 'duration':
      out.duration(path, v, { nullable: k.nullable, allowZero: min === 0 });
      break;
    case 'boolean':
      out.boolean(path, v);
      break;
    case 'choice':
      out.oneOf(path, v, k.choices ?? []);
      break;
    case 'schedule':
      out.schedule(path, v, k.scheduleRules);
      break;
    case 'layers':
      checkLayers(path, v, out);
      break;
    case 'string':
      if (typeof v !== 'string' || v === '')
        out.error(path, `${leafName(path)} must be a non-empty string, got ${show(v)}.`);
      break;
    case 'dict':
      if (!isPlainObject(v)) out.error(path, `${leafName(path)} must be an object, got ${show(v)}.`);
      break;
    case 'custom':
      break;
  }
  if (out.issues.length === before && k.check) k.check(v, path, out);
  return out.issues.length === before;
}

function checkLayers(path: string, v: unknown, out: IssueList): void {
  if (!Array.isArray(v)) {
    out.error(path, `${leafName(path)} must be a list of layer sizes like [64, 64], got ${show(v)}.`);
    return;
  }
  v.forEach((h, i) => out.integer(`${path}.${i}`, h, 1));
}

const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v)));
const leafName = (path: string): string => path.slice(path.lastIndexOf('.') + 1);

/**
 * Checks every key of `catalogue` in `section` (a section, or a group, that is not an object is
 * one error). Returns whether the section itself was an object.
 */
export function validateCatalogue(catalogue: Catalogue, prefix: string, section: unknown, out: IssueList): boolean {
  if (!out.section(prefix, section)) return false;
  for (const [name, entry] of Object.entries(catalogue)) {
    const value = (section as Record<string, unknown>)[name];
    if (entry.kind === 'group') validateCatalogue(entry.keys, `${prefix}.${name}`, value, out);
    else checkValue(entry, `${prefix}.${name}`, value, out);
  }
  return true;
}
