// Objects keyed by any string (TypeBox's Type.Record(Type.String(), X)) are emitted as
// patternProperties {"^(.*)$": X}; "." matches no line break, so a key holding "\n", "\r" or
// U+2028 skipped the value's schema entirely. Every such object is now `additionalProperties: X`; this
// attacks each affected schema with such keys and fails if a generated schema brings the pattern back.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a JavaScript tool without declarations
import { renderSchemaFiles, SCHEMAS } from '../tools/emit-schemas.mjs';
import { validate as validateCoreMessage } from '../packages/protocol/src/generated/core-message.js';
import { validate as validateRegistry } from '../packages/registry/src/generated/registry.js';
import { validate as validatePluginsFile } from '../packages/core/src/store/generated/plugins-file.js';
import { parseRegistry } from '../packages/registry/src/index.js';
import { checkPluginsText } from '../packages/core/src/store/plugins-file.js';

const files = (await renderSchemaFiles()) as Map<string, string>;
const BREAKS = [['\\n', '\n'], ['\\r', '\r'], ['U+2028', '\u2028'], ['U+2029', '\u2029']] as const;
const isValid = (validate: unknown, value: unknown) => (validate as (value: unknown) => boolean)(value);

describe('generated schemas', () => {
  it.each([...files.keys()])('%s has no "^(.*)$" key pattern', (path) => {
    expect(files.get(path)).not.toContain('^(.*)$');
  });

  it('every patternProperties is closed by additionalProperties: false (a key matching no pattern is refused, not skipped)', async () => {
    for (const entry of SCHEMAS as Array<{ module: string; exported: string }>) {
      const schema = (await import(pathToFileURL(join(import.meta.dirname, '..', entry.module)).href))[entry.exported];
      const pending: unknown[] = [schema];
      while (pending.length) {
        const node = pending.pop();
        if (!node || typeof node !== 'object') continue;
        const object = node as Record<string, unknown>;
        if (object.patternProperties) expect(object.additionalProperties, `${entry.exported}: ${JSON.stringify(object).slice(0, 200)}`).toBe(false);
        pending.push(...Object.values(object));
      }
    }
  });
});

describe.each(BREAKS)('a key holding %s, its value invalid', (_name, lineBreak) => {
  const key = `a${lineBreak}b`;

  it('protocol: Execute.flags checks the value', () => {
    const execute = (value: unknown) => ({
      type: 'execute',
      id: '1',
      command: ['x'],
      args: [],
      flags: { [key]: value },
      output: 'json',
      debug: false,
      auth: { serviceUrl: 'http://127.0.0.1:1', insecureSkipTlsVerify: false },
      timeoutMs: 1000,
    });
    expect(isValid(validateCoreMessage, execute('v'))).toBe(true);
    expect(isValid(validateCoreMessage, execute({ not: 'a flag value' }))).toBe(false);
    expect(isValid(validateCoreMessage, execute(1.5))).toBe(false);
  });

  it('registry: versions checks the entry (and the loader names the field)', () => {
    const registry = (entry: unknown) => ({ plugins: { ledger: { repo: 'o/r', versions: { [`1.0.0${lineBreak}`]: entry } } } });
    expect(isValid(validateRegistry, registry({ compatibleWith: '*' }))).toBe(true);
    expect(isValid(validateRegistry, registry({ compatibleWith: 5 }))).toBe(false);
    expect(isValid(validateRegistry, registry({ compatibleWith: '*', evil: true }))).toBe(false);
    expect(() => parseRegistry(JSON.stringify(registry({ compatibleWith: '*', checksumsSha256: 'nope' })), 'r.json')).toThrow(/versions\.".*"\.checksumsSha256 must match pattern/);
  });

  it('registry: a plugin name holding it is refused', () => {
    expect(isValid(validateRegistry, { plugins: { [`ledger${lineBreak}`]: { repo: 'o/r', versions: {} } } })).toBe(false);
  });

  it('plugins.json: versions refuses the key and checks the entry', () => {
    const file = (key: string, entry: unknown) => ({ plugins: [{ name: 'ledger', versions: { [key]: entry } }] });
    expect(isValid(validatePluginsFile, file(`1.0.0${lineBreak}`, { sha256: 'x' }))).toBe(false);
    const checked = checkPluginsText(JSON.stringify(file(key, { sha256: 'x' })), '/config');
    expect(checked.file.plugins).toEqual([]);
    expect(checked.damage.length).toBeGreaterThan(0);
  });
});
