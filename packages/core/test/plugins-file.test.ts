// plugins.json as a hand-edited or damaged file: whatever its content, checking it names the damage
// (never throws), and the salvaged file it returns passes the check and keeps every valid entry.
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPluginsText } from '../src/store/plugins-file.js';

const configDir = '/home/me/.config/fctl';
const entry = (name: string, version: string) => ({
  compatibleWith: '>=3.0.0 <4.0.0',
  path: join(configDir, 'plugins', name, `${version}-abcdef012345`, `fctl-plugin-${name}`),
  sha256: 'ab'.repeat(32),
  source: 'registry:https://registry.example.com/registry.yaml',
  installedAt: '2026-12-01T00:00:00.000Z',
  service: name,
  description: `the ${name} plugin`,
});
const valid = { plugins: [{ name: 'ledger', versions: { '3.2.0': entry('ledger', '3.2.0'), dev: entry('ledger', 'dev') } }, { name: 'payments', versions: { '1.0.0': entry('payments', '1.0.0') } }] };

/** Replaces the value at a random place of `value` by `replacement`. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (!path.length || value === null || typeof value !== 'object') return replacement;
  const keys = Object.keys(value);
  if (!keys.length) return replacement;
  const key = keys[path[0]! % keys.length]!;
  const copy: Record<string, unknown> = Array.isArray(value) ? ([...value] as unknown as Record<string, unknown>) : { ...(value as Record<string, unknown>) };
  copy[key] = mutate((value as Record<string, unknown>)[key], path.slice(1), replacement);
  return copy;
}

describe('checkPluginsText', () => {
  it('accepts what fctl writes, unchanged', () => {
    const checked = checkPluginsText(JSON.stringify(valid), configDir);
    expect(checked.damage).toEqual([]);
    expect(checked.file).toEqual(valid);
  });

  it('names the damage of any mutated file, and salvages a file that passes and keeps the untouched entries', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.anything(), (path, replacement) => {
        const text = JSON.stringify(mutate(valid, path, replacement)) ?? 'null';
        const checked = checkPluginsText(text, configDir);
        for (const damage of checked.damage) {
          expect(typeof damage.problem).toBe('string');
          expect(`${damage.place} ${damage.problem} ${damage.dropped}`).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        }
        const again = checkPluginsText(JSON.stringify(checked.file), configDir);
        expect(again.damage).toEqual([]);
        // Every version the mutation did not reach is still there.
        const original = JSON.parse(text) as unknown;
        for (const plugin of valid.plugins) {
          for (const [version, installed] of Object.entries(plugin.versions)) {
            const listed = (original as { plugins?: unknown })?.plugins;
            // (unless the mutation gave another entry its name: the first of two is kept)
            const same =
              Array.isArray(listed) &&
              listed.some((p) => JSON.stringify(p) === JSON.stringify(plugin)) &&
              listed.filter((p) => (p as { name?: unknown } | null)?.name === plugin.name).length === 1;
            if (same) expect(checked.file.plugins.find((p) => p.name === plugin.name)?.versions[version]).toEqual(installed);
          }
        }
      }),
      { numRuns: 2000 },
    );
  }, 30_000);

  it('refuses a path outside the plugin store, even one that climbs out with ..', () => {
    for (const path of ['/bin/sh', join(configDir, 'plugins', 'ledger', '..', '..', '..', 'x'), join(configDir, 'plugins', 'payments', 'x'), 'relative/path']) {
      const file = { plugins: [{ name: 'ledger', versions: { '3.2.0': { ...entry('ledger', '3.2.0'), path } } }] };
      const checked = checkPluginsText(JSON.stringify(file), configDir);
      expect(checked.damage.map((d) => d.place), path).toEqual(['plugins[0].versions["3.2.0"].path']);
      expect(checked.file.plugins).toEqual([]);
    }
  });

  it('accepts a linked development build where its source says it is', () => {
    const linked = { ...entry('ledger', 'dev'), path: '/home/me/ledger/dist/fctl-plugin-ledger.cjs', source: 'link:/home/me/ledger/dist/fctl-plugin-ledger.cjs' };
    expect(checkPluginsText(JSON.stringify({ plugins: [{ name: 'ledger', versions: { dev: linked } }] }), configDir).damage).toEqual([]);
    const elsewhere = { ...linked, source: 'link:/somewhere/else' };
    expect(checkPluginsText(JSON.stringify({ plugins: [{ name: 'ledger', versions: { dev: elsewhere } }] }), configDir).damage).toHaveLength(1);
  });
});
