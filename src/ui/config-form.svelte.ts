/**
 * The configuration form's state: the chosen algorithm's spec, and field texts over a base config
 * (its defaults, a preset, the URL or a checkpoint), validated on every change through the app's
 * validateConfig, so every field can show its own message and Train knows whether the config is
 * usable. Nothing here names an algorithm: fields, presets and sizes come from the spec.
 */
import type { ValidationContext } from '../core/config-validation';
import { getPath, setPath } from '../core/json-path';
import {
  DEFAULT_SPEC,
  findSpec,
  getPreset,
  getSpec,
  hasPreset,
  parseFieldValue,
  validateConfig,
  type AnyAlgorithmConfig,
  type AnySpec,
  type ConfigCheck,
  type ConfigIssue,
  type PresetLayout,
  type SamplingLayout,
} from '../app/config-form';
import { choosePreset, composeConfig, envPreset } from '../app/compose-config';
import { STOP_FIELDS, configFieldsFor, formatFieldValue, type FieldDef } from './config-fields';

export type FieldValue = string | boolean;

/** The env the page starts with when the URL names no setting: its preset is fast, small, and it learns. */
export const START_ENV = 'CartPole-v1';

/** Stop criteria used when neither the URL nor a preset gives any. */
export const FALLBACK_STOP: Readonly<Record<string, number>> = { training_iteration: 100 };

export interface StopCheck {
  readonly stop: Readonly<Record<string, number>>;
  readonly issues: readonly ConfigIssue[];
}

export class ConfigFormState {
  /** The algorithm being configured: its fields, presets, defaults and sampling layout. */
  spec: AnySpec = $state.raw(DEFAULT_SPEC);
  /** Settings the form does not show come from here. */
  base: AnyAlgorithmConfig = $state.raw(DEFAULT_SPEC.defaults);
  /** Field text (or checkbox state) by config path; stop criteria under `stop.<result key>`. */
  values: Record<string, FieldValue> = $state({});
  /** The preset the settings started from ('' = the algorithm's defaults). */
  presetId = $state('');
  /** What the browser offers (WebGPU adapter, cores), for the device checks. */
  context: ValidationContext = $state.raw({});
  /** Problems in the URL the page was opened with (unknown keys, bad escapes). */
  urlIssues: readonly ConfigIssue[] = $state.raw([]);

  /** Every config field shown for the algorithm (its own sections included). */
  readonly fields: readonly FieldDef[] = $derived(configFieldsFor(this.spec));
  readonly input: AnyAlgorithmConfig = $derived.by(() => this.buildInput());
  /** The runner layout of the preset in force (null: none): its CPU ask is the preset's, not a person's. */
  readonly presetLayout: PresetLayout | null = $derived.by(() => this.presetBase());
  readonly check: ConfigCheck = $derived(validateConfig(this.input, this.context, this.presetLayout));
  readonly stopCheck: StopCheck = $derived.by(() => this.parseStop());
  readonly issues: readonly ConfigIssue[] = $derived([
    ...this.urlIssues,
    ...this.check.issues,
    ...this.stopCheck.issues,
  ]);
  readonly valid: boolean = $derived(this.check.valid && !this.stopCheck.issues.some((i) => i.severity === 'error'));
  readonly sizes: SamplingLayout | null = $derived(
    this.check.valid ? this.spec.samplingLayout(this.check.config) : null,
  );
  /** Issues whose path matches no field: shown at the top of the form. */
  readonly generalIssues: readonly ConfigIssue[] = $derived(
    this.issues.filter((i) => !this.fields.some((f) => matches(i.path, f.path)) && !i.path.startsWith('stop.')),
  );

  constructor() {
    this.applyPreset(envPreset(this.spec, START_ENV).id ?? '');
  }

  /** Issues for one field (its path or any element of it, e.g. `rlModule.fcnetHiddens.1`). */
  issuesFor(path: string): ConfigIssue[] {
    return this.issues.filter((i) => matches(i.path, path));
  }

  /** Shows `config` (of any registered algorithm) in every field; `stop` replaces the stop criteria. */
  load(config: AnyAlgorithmConfig, stop: Readonly<Record<string, number>> | null, presetId = ''): void {
    this.spec = findSpec(config.algo) ?? DEFAULT_SPEC;
    this.base = config;
    this.presetId = presetId;
    const values: Record<string, FieldValue> = {};
    for (const field of configFieldsFor(this.spec)) {
      const v = getPath(config, field.path);
      values[field.path] = field.kind === 'checkbox' ? v === true : formatFieldValue(v);
    }
    const stops = stop ?? this.stopCheck.stop;
    for (const field of STOP_FIELDS) values[field.path] = formatFieldValue(stops[field.path.slice(5)]);
    this.values = values;
  }

  /**
   * Applies a preset of `spec` ('' = its defaults for the current env) over its defaults. The
   * device and seed stay as they were: they describe this machine and this experiment, not the env.
   */
  applyPreset(id: string, spec: AnySpec = this.spec): void {
    const keep =
      Object.keys(this.values).length > 0 ? { learners: this.input.learners, debugging: this.input.debugging } : {};
    const { config, presetId, presetStop } = composeConfig(spec, {
      env: this.env,
      preset: choosePreset(spec, { asked: id === '' ? null : id, env: this.env }).id,
      context: this.context,
      overrides: keep,
    });
    this.load(config, presetStop ?? envStop(spec, config.environment.env), presetId ?? '');
  }

  /**
   * Switches the algorithm (the menu): its form sections, defaults and charts replace the old
   * one's, starting from the preset the rule picks for the current env (choosePreset: the env's
   * own, else the automatic layout, else the algorithm's defaults).
   */
  setAlgorithm(name: string): void {
    const spec = getSpec(name);
    if (spec === this.spec) return;
    this.applyPreset(choosePreset(spec, { env: this.env }).id ?? '', spec);
  }

  /**
   * A new env brings the preset the rule picks for it (sizes and nets differ a lot between envs):
   * its own, else the automatic layout sized from its spaces (the preset menu's "RLlib defaults"
   * undoes it); an algorithm with neither keeps its settings for the new env.
   */
  setEnv(env: string): void {
    this.values['environment.env'] = env;
    const preset = choosePreset(this.spec, { env });
    if (preset.id !== null) this.applyPreset(preset.id);
    else this.presetId = '';
  }

  /** The env the form is set to (the start env before any). */
  private get env(): string {
    const env = this.values['environment.env'];
    return typeof env === 'string' ? env : START_ENV;
  }

  private presetBase(): PresetLayout | null {
    if (this.presetId === '') return null;
    try {
      return composeConfig(this.spec, { env: this.env, preset: this.presetId, context: this.context }).config;
    } catch {
      return null; // an unknown preset id: the menu offers only known ones
    }
  }

  private buildInput(): AnyAlgorithmConfig {
    const fields: Record<string, unknown> = {};
    for (const field of this.fields) {
      const raw = this.values[field.path];
      if (raw === undefined) continue;
      setPath(fields, field.path, typeof raw === 'boolean' ? raw : parseField(field, raw));
    }
    return composeConfig(this.spec, { base: this.base, overrides: fields }).config;
  }

  private parseStop(): StopCheck {
    const stop: Record<string, number> = {};
    const issues: ConfigIssue[] = [];
    for (const field of STOP_FIELDS) {
      const raw = this.values[field.path];
      if (typeof raw !== 'string' || raw.trim() === '') continue;
      const v = Number(raw);
      if (!Number.isFinite(v)) {
        issues.push({ path: field.path, severity: 'error', message: `${field.rllib} must be a number, got '${raw}'.` });
      } else {
        stop[field.path.slice(5)] = v;
      }
    }
    if (Object.keys(stop).length === 0 && issues.length === 0) {
      issues.push({
        path: 'stop',
        severity: 'error',
        message: 'Set at least one stop criterion (return, env steps, iterations or seconds).',
      });
    }
    return { stop, issues };
  }
}

function parseField(field: FieldDef, raw: string): unknown {
  // Selects and ids are strings as written; everything else follows the URL/CLI rules.
  if (
    field.path === 'environment.env' ||
    field.path === 'algo' ||
    field.path === 'envRunners.batchMode' ||
    field.path === 'rlModule.fcnetActivation'
  ) {
    return raw;
  }
  return parseFieldValue(field.path, raw, field.nullable === true);
}

function matches(issuePath: string, fieldPath: string): boolean {
  return issuePath === fieldPath || issuePath.startsWith(`${fieldPath}.`);
}

/** Stop criteria for an env without a preset: its Gymnasium reward threshold is not always set. */
function envStop(spec: AnySpec, env: string): Readonly<Record<string, number>> {
  return hasPreset(spec, env) ? (getPreset(spec, env).stop ?? FALLBACK_STOP) : FALLBACK_STOP;
}
