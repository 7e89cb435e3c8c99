// Every JSON Schema file and precompiled validator comes from its TypeBox definition through
// tools/emit-schemas.mjs; a checked-in file that differs from what the generator renders fails here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a JavaScript tool without declarations
import { BACKEND_LIST, renderSchemaFiles, SCHEMAS } from '../tools/emit-schemas.mjs';

const root = join(import.meta.dirname, '..');
const files = (await renderSchemaFiles()) as Map<string, string>;
const hint = 'out of date: run `npm run schemas` and commit the result';

describe('generated schema files', () => {
  it('cover every schema the generator lists, each with its validator', () => {
    for (const entry of SCHEMAS as Array<{ validator: string; jsonSchema?: string }>) {
      expect(files.has(entry.validator)).toBe(true);
      if (entry.jsonSchema) expect(files.has(entry.jsonSchema)).toBe(true);
    }
  });

  it('include every schema the protocol publishes', async () => {
    const { publishedSchemas } = await import('../packages/protocol/src/schema.js');
    const listed = (SCHEMAS as Array<{ jsonSchema?: string }>).map((entry) => entry.jsonSchema);
    for (const stem of Object.keys(publishedSchemas)) expect(listed).toContain(`packages/protocol/schema/${stem}.schema.json`);
  });

  it.each([...files.keys()])('%s is up to date', (path) => {
    const text = files.get(path)!;
    expect(readFileSync(join(root, path), 'utf8'), `${path} is ${hint}`).toBe(text);
    // Validators run in fctl and in plugins: no runtime dependency, not even ajv.
    if (path.endsWith('.ts') && path !== BACKEND_LIST) expect(text).not.toMatch(/\brequire\(|\bimport\s/);
  });

  it('list exactly the backend modules that export `backends` (a new module needs nothing else)', async () => {
    const dir = join(root, 'packages', 'backends', 'src');
    const modules = readdirSync(dir).filter((name) => existsSync(join(dir, name, 'backend.ts')) && /^export const backends\b/m.test(readFileSync(join(dir, name, 'backend.ts'), 'utf8')));
    expect(modules).toContain('url');
    const imported = [...files.get(BACKEND_LIST)!.matchAll(/from '\.\.\/([^/]+)\/backend\.js'/g)].map((match) => match[1]);
    expect(imported).toEqual(modules.sort());
    const { BACKENDS } = await import('../packages/backends/src/backends.js');
    expect(new Set(BACKENDS.map((backend) => backend.kind)).size).toBe(BACKENDS.length);
  });
});
