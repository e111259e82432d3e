/**
 * A quiet first open: the page's default setup (PPO on CartPole-v1, its preset) raises no warning
 * on a 2-core machine, while the CPU warning stays for a layout a person chose (and for the
 * preset on a machine where its workers alone do not fit); every preset says what it is in one
 * plain sentence, with its tuning notes apart.
 */
import { describe, expect, it } from 'vitest';
import { ALGORITHM_SPECS, getSpec, presetIds, getPreset } from '../../src/algorithms/registry';
import { composeConfig, envPreset } from '../../src/app/compose-config';
import { validateConfig } from '../../src/app/config-form';
import { RESOURCES_WARNING_PATH } from '../../src/core/config-limits';

const PPO = getSpec('PPO');
const warnings = (issues: readonly { severity: string; path: string }[]): string[] =>
  issues.filter((i) => i.severity === 'warning').map((i) => i.path);

describe('the default setup on a 2-core machine', () => {
  const two = { hardwareConcurrency: 2 };
  const preset = envPreset(PPO, 'CartPole-v1').id;
  const config = composeConfig(PPO, { env: 'CartPole-v1', preset, context: two }).config;

  it('raises no warning: the preset is the default and its layout is its own', () => {
    expect(preset).toBe('CartPole-v1');
    // Without the preset's layout the 3 CPUs asked (page 1 + 2 runners) would warn...
    expect(warnings(validateConfig(config, two).issues)).toEqual([RESOURCES_WARNING_PATH]);
    // ...with it, the first open is quiet.
    const check = validateConfig(config, two, config);
    expect(check.valid).toBe(true);
    expect(check.issues).toEqual([]);
  });

  it('keeps the warning for a layout a person chose, and where the workers alone exceed the cores', () => {
    const chosen = { ...config, envRunners: { ...config.envRunners, numEnvRunners: 3 } };
    expect(warnings(validateConfig(chosen, two, config).issues)).toContain(RESOURCES_WARNING_PATH);
    const one = { hardwareConcurrency: 1 };
    expect(warnings(validateConfig(config, one, config).issues)).toEqual([RESOURCES_WARNING_PATH]);
  });
});

describe('preset descriptions', () => {
  it('are one plain sentence each, with the tuning notes under details', () => {
    for (const spec of ALGORITHM_SPECS) {
      for (const id of presetIds(spec)) {
        const { description, details } = getPreset(spec, id);
        expect(description, `${spec.name} ${id}`).toMatch(/^[A-Z][^.]*(\.[^ .][^.]*)*\.$/);
        expect(description.length, `${spec.name} ${id}: ${description}`).toBeLessThanOrEqual(100);
        expect(details, `${spec.name} ${id} has no details`).toBeTruthy();
      }
    }
  });
});
