/**
 * An AlgorithmSpec from its key catalogue: the defaults, alias table, validation, form sections
 * and RLlib key table are derived here, the same way for every algorithm, so an algorithm's folder
 * declares each key once (its `<algo>-config.ts`) and writes only what is its own: the rules
 * between keys, presets, charts and the implementation.
 */
import type { AlgorithmConfigBase } from '../core/config';
import { groupsOf, validateCatalogue, type FormSection } from '../core/config-catalogue';
import { aliasTable, configDefaults, formSections, rllibTable, type SectionedKeys } from '../core/config-tables';
import { IssueList, formatValue, validateBase, type ValidationContext } from '../core/config-validation';
import type { ConfigIssue } from '../core/errors';
import { isPlainObject } from '../core/json';
import { envConfigIssues } from '../envs/env-config-check';
import { FORM_SECTIONS, SHARED_KEYS } from '../core/shared-keys';
import { AlgorithmConfigBuilder, type BuilderSchema } from './algorithm-config';
import type { RLlibMapping } from './rllib/rllib-mapping';
import type { AlgorithmSpec } from './spec';

/**
 * What an algorithm's config file derives from its catalogue (RLlib's XConfig without the build):
 * the defaults, the alias table, the dict-valued settings merged entry by entry, and validation
 * (the shared sections', each own key's, then the algorithm's rules between keys).
 */
export interface ConfigSchema<C extends AlgorithmConfigBase> extends BuilderSchema<C> {
  readonly name: C['algo'];
  readonly keys: SectionedKeys;
}

/**
 * Rules between keys and checks against the env or the machine. They run once every key of the
 * algorithm's own sections passed its own checks; a shared key may still have failed: check it
 * before use.
 */
export type ConfigRules<C> = (config: C, ctx: ValidationContext, out: IssueList) => void;

export function configSchema<C extends AlgorithmConfigBase>(
  name: C['algo'],
  keys: SectionedKeys,
  rules?: ConfigRules<C>,
): ConfigSchema<C> {
  const ownSections = Object.entries(keys).filter(([section]) => !Object.hasOwn(SHARED_KEYS, section));
  const article = /^[AEIOU]/.test(name) ? 'an' : 'a';
  const validate = (config: C, ctx: ValidationContext = {}): ConfigIssue[] => {
    const out = new IssueList();
    out.issues.push(...validateBase(config, ctx));
    // The env's own keyword arguments: a key it does not read is refused (Gymnasium's make does too).
    if (isPlainObject(config.environment)) {
      out.issues.push(...envConfigIssues(config.environment.env, config.environment.envConfig));
    }
    if (config.algo !== name) {
      out.error('algo', `algo must be '${name}' for ${article} ${name} config, got ${formatValue(config.algo)}.`);
    }
    let sectionsOk = true;
    for (const [section, catalogue] of ownSections) {
      sectionsOk =
        validateCatalogue(catalogue, section, (config as Record<string, unknown>)[section], out) && sectionsOk;
    }
    if (sectionsOk) rules?.(config, ctx, out);
    return out.issues;
  };
  return {
    name,
    keys,
    defaults: configDefaults(name, keys) as unknown as C,
    keyAliases: Object.freeze(aliasTable(keys)),
    groupPaths: Object.entries(keys).flatMap(([section, c]) => groupsOf(c, section).map((g) => g.path)),
    validate,
  };
}

/** RLlib's `XConfig()`: a fluent builder over the schema's defaults (or others, e.g. a multi-agent start). */
export function builderOf<C extends AlgorithmConfigBase>(
  schema: ConfigSchema<C>,
  defaults?: C,
): AlgorithmConfigBuilder<C> {
  return new AlgorithmConfigBuilder<C>(schema, defaults);
}

/** An algorithm as its folder declares it; `defineAlgorithm` derives the rest of its spec. */
export interface AlgorithmDefinition<C extends AlgorithmConfigBase> extends Omit<
  AlgorithmSpec<C>,
  'name' | 'keys' | 'defaults' | 'keyAliases' | 'groupPaths' | 'builder' | 'validate' | 'formSections' | 'rllib'
> {
  readonly schema: ConfigSchema<C>;
  /** The form section of the algorithm's own keys, where a key's form hint names none. */
  readonly formSection: FormSection;
  /** How the run's weights map onto RLlib's module; the key table is derived from the keys. */
  readonly rllib?: Omit<RLlibMapping, 'keys'>;
  /** Where `builder()` starts, when not the schema's defaults. */
  readonly builderDefaults?: C;
}

/** Config sections in the order the form lays them out (the shared Sampling section first). */
const FORM_ORDER = [
  'envRunners',
  'environment',
  'offlineData',
  'evaluation',
  'training',
  'multiAgent',
  'rlModule',
  'learners',
  'faultTolerance',
  'debugging',
  'reporting',
];

export function defineAlgorithm<C extends AlgorithmConfigBase>(def: AlgorithmDefinition<C>): AlgorithmSpec<C> {
  const { schema, formSection, rllib, builderDefaults, ...rest } = def;
  const sectionOf: Record<string, FormSection> = {
    envRunners: FORM_SECTIONS.sampling,
    environment: FORM_SECTIONS.sampling,
    rlModule: FORM_SECTIONS.model,
    faultTolerance: FORM_SECTIONS.faultTolerance,
  };
  for (const section of Object.keys(schema.keys))
    if (!Object.hasOwn(SHARED_KEYS, section)) sectionOf[section] = formSection;
  return {
    ...rest,
    name: schema.name,
    keys: schema.keys,
    defaults: schema.defaults,
    keyAliases: schema.keyAliases,
    groupPaths: schema.groupPaths,
    validate: schema.validate,
    builder: () => builderOf(schema, builderDefaults),
    formSections: formSections(schema.keys, FORM_ORDER, sectionOf),
    ...(rllib ? { rllib: { ...rllib, keys: rllibTable(schema.keys) } } : {}),
  };
}
