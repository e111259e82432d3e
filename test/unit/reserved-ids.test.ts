/**
 * Issue 27 item 9: a module id `__proto__` passed the id pattern, and `optimizers[id] = ...` set a
 * prototype instead of a key, so that module's optimizer state was lost from the checkpoint.
 * Reserved names are refused as module and agent ids, and id-keyed records have no prototype.
 */
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/algorithms/registry';
import { idRecord, RESERVED_KEYS } from '../../src/core/json';

describe('reserved ids', () => {
  for (const id of RESERVED_KEYS) {
    it(`module id '${id}' is refused, naming the id`, () => {
      const { issues } = checkConfig({
        env: 'MultiAgentCartPole',
        policies: [id, 'p1'],
        policy_mapping_fn: { '0': id, '1': 'p1' },
      });
      const errors = issues.filter((i) => i.severity === 'error' && i.path === 'multiAgent.policies');
      expect(errors.map((i) => i.message)).toEqual([
        `module id '${id}' is reserved (a JavaScript object member, not data); pick another name.`,
      ]);
    });
  }

  it('an id-keyed record keeps __proto__ as data and survives JSON', () => {
    const optimizers = idRecord<number>();
    optimizers['__proto__'] = 1;
    optimizers['p1'] = 2;
    expect(Object.keys(optimizers).sort()).toEqual(['__proto__', 'p1']);
    expect(JSON.parse(JSON.stringify(optimizers))).toEqual(JSON.parse('{"__proto__": 1, "p1": 2}'));
  });
});
