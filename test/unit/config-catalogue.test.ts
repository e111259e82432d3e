/**
 * One declaration per key (issue 26): every key of every algorithm comes from a catalogue entry,
 * and the places people read about it are derived from that entry. These tests check the
 * derivations and that the README's generated tables are what the catalogues say today.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALGORITHM_SPECS } from '../../src/algorithms/registry';
import { leafPaths } from '../../src/core/config-keys';
import { keyRows } from '../../src/core/config-tables';
import { readmeWithReference } from '../../src/cli/docs';
import { helpText } from '../../src/cli/help';

describe('key catalogues', () => {
  for (const spec of ALGORITHM_SPECS) {
    describe(spec.name, () => {
      const rows = keyRows(spec.keys);

      it('declare every key of the config exactly once, each with a one-line doc', () => {
        const declared = rows.map((r) => r.path);
        expect(new Set(declared).size).toBe(declared.length);
        // Every leaf of the defaults (groups one level deeper) is a declared key.
        const leaves = leafPaths(spec.defaults).flatMap((p) => {
          const group = spec.groupPaths.includes(p);
          return group ? declared.filter((d) => d.startsWith(`${p}.`)) : [p];
        });
        expect(leaves.filter((p) => p !== 'algo').sort()).toEqual([...declared].sort());
        for (const r of rows) {
          expect(r.doc.length, r.path).toBeGreaterThan(10);
          expect(r.doc, r.path).not.toContain('\n');
        }
      });

      it('derive the alias table: each RLlib name and alias resolves to its key', () => {
        for (const r of rows) {
          // A group entry RLlib keeps elsewhere (SAC's policy layers: model_config's fcnet_hiddens) is
          // accepted under its dict's name only.
          const inGroup = r.path.split('.').length > 2;
          for (const name of [...(inGroup ? [] : [r.rllib]), ...r.aliases].filter((n) => n !== '(none)')) {
            const path = spec.keyAliases[name];
            // A name two keys share (fcnet_hiddens) belongs to the first declared; it must still be a key.
            expect(path === r.path || rows.some((o) => o.path === path), `${spec.name} ${name}`).toBe(true);
          }
        }
      });

      it('derive the form: every field is a declared key, labelled, with the key doc as help', () => {
        const fields = spec.formSections.flatMap((s) => s.fields);
        expect(fields.length).toBeGreaterThan(10);
        for (const f of fields) {
          const row = rows.find((r) => r.path === f.path);
          expect(row, f.path).toBeDefined();
          expect(f.help).toBe(row!.doc);
          expect(f.label.length).toBeGreaterThan(0);
        }
      });

      it('derive the RLlib key table: every key mapped, or the reason RLlib has none', () => {
        const table = spec.rllib?.keys ?? {};
        for (const r of rows) expect(Object.hasOwn(table, r.path), r.path).toBe(true);
      });

      it('derive --help: every key with its doc line', () => {
        const help = helpText(spec);
        for (const r of rows) expect(help, r.path).toContain(r.doc);
      });
    });
  }
});

describe('README configuration reference', () => {
  it('is what the catalogues generate (run `npm run docs` when this fails)', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(await readmeWithReference(readme)).toBe(readme);
  });
});
