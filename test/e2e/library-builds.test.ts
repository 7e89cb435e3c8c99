// The built library entry points (dist/index.js), loaded by plain node as a dependent package
// loads them. A CommonJS npm package inlined from a workspace package (undici, through
// @fctl-kit/http) once failed at its first call with "Dynamic require of node:assert is not
// supported": the program entries had a require() and the libraries had none.
import { createServer } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exec } from '../support/exec.js';
import { repoRoot, requireBuilt } from '../support/paths.js';

const packagesDir = join(repoRoot, 'packages');
const libraries = readdirSync(packagesDir).filter((name) => {
  const manifest = JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')) as { exports?: Record<string, { default?: string }> };
  return manifest.exports?.['.']?.default === './dist/index.js';
});

const server = createServer((request, response) => {
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify({ versions: [{ name: 'ledger', version: 'v2.3.1' }] }));
});
let stackUrl: string;

beforeAll(async () => {
  requireBuilt(...libraries.map((name) => join('packages', name, 'dist', 'index.js')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  stackUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const runModule = (source: string) => exec(process.execPath, ['--input-type=module', '-e', source], { cwd: repoRoot });

it('every library entry point loads in plain node', async () => {
  expect(libraries).toEqual(expect.arrayContaining(['core', 'http', 'plugin-sdk', 'protocol']));
  const urls = libraries.map((name) => pathToFileURL(join(packagesDir, name, 'dist', 'index.js')).href);
  const result = await runModule(`for (const url of ${JSON.stringify(urls)}) await import(url); console.log('loaded');`);
  expect(result.stderr).toBe('');
  expect(result.stdout.trim()).toBe('loaded');
});

it("@fctl-kit/core's library makes an HTTP request through its inlined undici", async () => {
  const core = pathToFileURL(join(packagesDir, 'core', 'dist', 'index.js')).href;
  const result = await runModule(
    `const { fetchStackVersions } = await import(${JSON.stringify(core)});\n` +
      `const versions = await fetchStackVersions({ stackUrl: ${JSON.stringify(stackUrl)} });\n` +
      `console.log(JSON.stringify([...versions.services]));`,
  );
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual([['ledger', '2.3.1']]);
});
