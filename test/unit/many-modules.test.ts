/**
 * Issue 27 item 8: the parameter limits count every module. A link with fcnet_hiddens 1024,1024
 * and 2,000 policies passed validation (4.2 G parameters, the limit was per module) and asked
 * nothing before it built; a weights file whose metadata names such a run built it on an empty
 * page without asking either.
 */
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/algorithms/registry';
import { AppFacade } from '../../src/app/app-facade';
import { autostartWarnings, moduleCount } from '../../src/core/config-limits';
import { encodeSafetensors } from '../../src/rl-module/safetensors';

const policies = (n: number): string[] => Array.from({ length: n }, (_, i) => `p${i}`);
const multiAgent = (n: number, hiddens: number[]): object => ({
  env: 'MultiAgentCartPole',
  env_config: { numAgents: 2 },
  num_env_runners: 0,
  fcnet_hiddens: hiddens,
  policies: policies(n),
  policy_mapping_fn: { '*': 'p0' },
});

describe('parameters over all modules', () => {
  it('2,000 modules of [1024, 1024] are refused with the total and the way out', () => {
    const { issues } = checkConfig(multiAgent(2000, [1024, 1024]));
    const error = issues.find((i) => i.severity === 'error' && i.path === 'rlModule.fcnetHiddens');
    expect(error?.message).toMatch(/fcnetHiddens \[1024, 1024\] x 2,000 modules gives at least 4.2e\+9 parameters/);
    expect(error?.message).toMatch(/fewer modules \(policies\)/);
  });

  it('100 modules of [256, 256] (13 M parameters) are a question before a link builds, one module is not', () => {
    const many = checkConfig(multiAgent(100, [256, 256]));
    expect(many.valid).toBe(true);
    expect(moduleCount(many.config)).toBe(100);
    expect(autostartWarnings(many.config, { hardwareConcurrency: 8 }).map((w) => w.message)).toEqual([
      expect.stringMatching(/x 100 modules is a large model/),
    ]);
    const one = checkConfig(multiAgent(1, [256, 256]));
    expect(autostartWarnings(one.config, { hardwareConcurrency: 8 })).toEqual([]);
  });

  it('a weights file naming a large run asks before building on an empty page; declined, nothing is built', async () => {
    const bytes = encodeSafetensors([], { config: JSON.stringify({ algo: 'PPO', ...multiAgent(100, [256, 256]) }) });
    const app = new AppFacade();
    const asked: (readonly string[])[] = [];
    const declined = app.checkpoints.importWeights(bytes, { backend: 'cpu' }, null, (warnings) => {
      asked.push(warnings);
      return Promise.resolve(false);
    });
    await expect(declined).rejects.toMatchObject({ code: 'app/cancelled' });
    expect(asked).toHaveLength(1);
    expect(asked[0]![0]).toMatch(/x 100 modules is a large model/);
    expect(app.algorithm).toBeNull();
  });
});
