// schema/registry.schema.json and the precompiled validator come from src/schema.ts and must not drift.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { renderSchema, renderValidator } from '../src/emit-schema.js';

const packageDir = join(import.meta.dirname, '..');
const hint = 'out of date: run `npm run schemas -w packages/registry` and commit the result';

it('schema/registry.schema.json is up to date', () => {
  expect(readFileSync(join(packageDir, 'schema', 'registry.schema.json'), 'utf8'), hint).toBe(renderSchema());
});

it('src/generated/registry.ts is up to date and self-contained', () => {
  const text = renderValidator();
  expect(readFileSync(join(packageDir, 'src', 'generated', 'registry.ts'), 'utf8'), hint).toBe(text);
  expect(text).not.toMatch(/\brequire\(|\bimport\s/);
});
