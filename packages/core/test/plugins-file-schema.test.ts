// plugins.json against its schema (src/store/plugins-file-schema.ts, generated validator), through
// checkPluginsText: each refusal names the place; fields a newer fctl may add are kept, unless they
// nest deeper than fctl could write back.
import { describe, expect, it } from 'vitest';
import { checkPluginsText } from '../src/store/plugins-file.js';
import { UNKNOWN_FIELD_DEPTH } from '../src/store/plugins-file-schema.js';

const configDir = '/home/me/.config/fctl';
const entry = {
  compatibleWith: '>=3.0.0 <4.0.0',
  path: `${configDir}/plugins/ledger/3.2.0-0123456789ab/fctl-plugin-ledger`,
  sha256: 'a'.repeat(64),
  source: 'registry:https://registry.example.com/registry.yaml',
  installedAt: '2026-12-01T10:00:00.000Z',
  service: 'ledger',
  description: 'Ledger commands',
};
const file = (versions: Record<string, unknown>, plugin: Record<string, unknown> = {}) => JSON.stringify({ plugins: [{ name: 'ledger', versions, ...plugin }] });
const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('the plugins.json schema', () => {
  it('accepts what fctl writes, and keeps fields it does not know', () => {
    const text = JSON.stringify({ plugins: [{ name: 'ledger', versions: { '3.2.0': { ...entry, signedBy: { key: 'k', at: [1, 2] } }, dev: entry }, pinned: true }], format: 2 });
    const checked = checkPluginsText(text, configDir);
    expect(checked.damage).toEqual([]);
    expect(checked.file).toEqual(JSON.parse(text));
  });

  it.each([
    [file({ latest: entry }), 'plugins[0].versions', 'has a key "latest" that is not a version (semver like 3.2.0, or "dev")'],
    [file({ '3.2.0': { ...entry, sha256: 'ABC' } }), 'plugins[0].versions["3.2.0"].sha256', 'must be 64 lowercase hexadecimal digits; got "ABC"'],
    [file({ '3.2.0': { ...entry, service: 3 } }), 'plugins[0].versions["3.2.0"].service', 'must be a string; got 3'],
    [file({ '3.2.0': { ...entry, path: '' } }), 'plugins[0].versions["3.2.0"].path', 'must not be empty'],
    [file({ '3.2.0': { ...entry, compatibleWith: undefined } }), 'plugins[0].versions["3.2.0"].compatibleWith', 'is missing'],
    [JSON.stringify({ plugins: [{ name: 'Ledger!', versions: {} }] }), 'plugins[0].name', 'must be a plugin name (a-z, 0-9 and "-", at most 63 characters); got "Ledger!"'],
    [JSON.stringify({ plugins: [{ name: 'ledger', versions: null }] }), 'plugins[0].versions', 'must be an object; got null'],
  ])('refuses %s at %s', (text, place, problem) => {
    expect(checkPluginsText(text, configDir).damage[0]).toMatchObject({ place, problem });
  });

  it(`refuses a field nested more than ${UNKNOWN_FIELD_DEPTH} deep, which could not be written back, and keeps one at the limit`, () => {
    const at = (depth: number) => `{"plugins":[{"name":"ledger","versions":{"3.2.0":${JSON.stringify(entry).slice(0, -1)},"extra":${deep(depth)}}}}]}`;
    expect(checkPluginsText(at(UNKNOWN_FIELD_DEPTH), configDir).damage).toEqual([]);
    const refused = checkPluginsText(at(100_000), configDir);
    expect(refused.damage).toHaveLength(1);
    expect(refused.damage[0]!.problem).toBe(`nests lists and objects more than ${UNKNOWN_FIELD_DEPTH} deep; got a list`);
    expect(refused.damage[0]!.place).toMatch(/^plugins\[0\]\.versions\["3\.2\.0"\]\.extra(\[0\]){16}$/);
    expect(() => JSON.stringify(refused.file)).not.toThrow();
  });
});
