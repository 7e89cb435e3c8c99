// The JSON Schema files and the precompiled validators are generated from src/schema.ts; they must
// never drift from it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPublishedSchemas, renderValidators } from '../src/published.js';

const packageDir = join(import.meta.dirname, '..');
const hint = 'out of date: run `npm run schemas -w packages/protocol` and commit the result';

describe('generated files', () => {
  it.each(Object.entries(renderPublishedSchemas()))('schema/%s is up to date', (file, text) => {
    expect(readFileSync(join(packageDir, 'schema', file), 'utf8'), `schema/${file} is ${hint}`).toBe(text);
  });
  it.each(Object.entries(renderValidators()))('src/generated/%s is up to date and self-contained', (file, text) => {
    expect(readFileSync(join(packageDir, 'src', 'generated', file), 'utf8'), `src/generated/${file} is ${hint}`).toBe(text);
    expect(text).not.toMatch(/\brequire\(|\bimport\s/);
  });
});
