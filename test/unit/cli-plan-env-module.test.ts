/** The CLI's plan for user envs: --env-module checked where it enters, the automatic preset, the env's stop. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { checkEnvModulePath, planRun, withEnvStop } from '../../src/cli/plan';

const dir = mkdtempSync(path.join(os.tmpdir(), 'plan-envmod-'));
const moduleFile = path.join(dir, 'corridor.ts');
writeFileSync(moduleFile, 'export {};\n');

describe('--env-module', () => {
  it('is resolved to an absolute path', () => {
    const plan = planRun(parseArgs(['--env-module', moduleFile, '--env', 'Corridor-v0']));
    expect(plan.envModule).toBe(moduleFile);
  });

  it.each([
    [path.join(dir, 'missing.ts'), 'does not exist'],
    [dir, 'is not a file'],
    [path.join(dir, 'notes.txt'), 'give a .ts, .mts, .js or .mjs module'],
  ])('refuses %s (exit 2, cli/env-module)', (file, why) => {
    if (file.endsWith('.txt')) writeFileSync(file, '');
    expect(() => checkEnvModulePath(file)).toThrow(why);
    try {
      checkEnvModulePath(file);
    } catch (e) {
      expect((e as { code: string }).code).toBe('cli/env-module');
    }
  });
});

describe('the automatic preset in the plan', () => {
  it('an env without a preset gets preset auto, and the header note says so', () => {
    const plan = planRun(parseArgs(['--env-module', moduleFile, '--env', 'Corridor-v0']));
    expect(plan.configInput['preset']).toBe('auto');
    expect(plan.presetNote).toContain('automatic layout');
    expect(plan.presetNote).toContain('--preset none');
    expect(plan.stopFromEnv).toBe(true);
  });

  it('--preset none keeps the plain defaults and says so; a tuned preset is kept', () => {
    const none = planRun(parseArgs(['--env', 'Corridor-v0', '--preset', 'none']));
    expect(none.configInput['preset']).toBeUndefined();
    expect(none.presetNote).toBe("PPO's plain defaults (--preset none)");
    const tuned = planRun(parseArgs(['--env', 'GridWalk-v0']));
    expect(tuned.presetNote).toContain("preset 'GridWalk-v0'");
    expect(tuned.stopFromEnv).toBe(false);
  });

  it("stops at the env's rewardThreshold once the page tells it; --as-test needs one", () => {
    const plan = planRun(parseArgs(['--env', 'Corridor-v0']));
    const withStop = withEnvStop(plan, 0.9, false);
    expect(withStop.stop).toEqual({ training_iteration: 100, 'env_runners/episode_return_mean': 0.9 });
    expect(withStop.stopReward).toBe(0.9);
    expect(withStop.stopSource).toBe("Corridor-v0's rewardThreshold");
    expect(withEnvStop(plan, undefined, false)).toBe(plan);
    expect(() => withEnvStop(plan, undefined, true)).toThrow('--as-test needs a reward');
    const flagged = planRun(parseArgs(['--env', 'Corridor-v0', '--stop-reward', '0.5']));
    expect(withEnvStop(flagged, 0.9, false).stopReward).toBe(0.5);
  });
});
