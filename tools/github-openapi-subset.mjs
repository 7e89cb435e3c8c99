#!/usr/bin/env node
// Extracts, from GitHub's official OpenAPI description as published in @octokit/openapi, the
// response schemas of the endpoints the GitHub emulator serves (releases; and refs, contents and
// pull requests for registry pull requests), into a checked-in fixture
// (the package is ~28 MB; the subset is what the tests need). Run again to move to a newer version.
// Usage: node tools/github-openapi-subset.mjs [version]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const version = process.argv[2] ?? '23.0.2';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const operations = [
  ['get', '/repos/{owner}/{repo}/releases'],
  ['post', '/repos/{owner}/{repo}/releases'],
  ['get', '/repos/{owner}/{repo}/releases/tags/{tag}'],
  ['patch', '/repos/{owner}/{repo}/releases/{release_id}'],
  ['get', '/repos/{owner}/{repo}/releases/{release_id}/assets'],
  ['post', '/repos/{owner}/{repo}/releases/{release_id}/assets'],
  ['get', '/repos/{owner}/{repo}/releases/assets/{asset_id}'],
  ['patch', '/repos/{owner}/{repo}/releases/assets/{asset_id}'],
  ['delete', '/repos/{owner}/{repo}/releases/assets/{asset_id}'],
  ['get', '/repos/{owner}/{repo}'],
  ['get', '/repos/{owner}/{repo}/git/ref/{ref}'],
  ['post', '/repos/{owner}/{repo}/git/refs'],
  ['get', '/repos/{owner}/{repo}/contents/{path}'],
  ['put', '/repos/{owner}/{repo}/contents/{path}'],
  ['get', '/repos/{owner}/{repo}/pulls'],
  ['post', '/repos/{owner}/{repo}/pulls'],
];
const work = mkdtempSync(join(tmpdir(), 'openapi-'));
try {
  execFileSync('npm', ['pack', `@octokit/openapi@${version}`, '--pack-destination', work], { cwd: work, stdio: 'ignore' });
  execFileSync('tar', ['xzf', `octokit-openapi-${version}.tgz`, 'package/generated/api.github.com.deref.json'], { cwd: work });
  const spec = JSON.parse(readFileSync(join(work, 'package/generated/api.github.com.deref.json'), 'utf8'));
  const subset = { source: `@octokit/openapi@${version} generated/api.github.com.deref.json`, openapi: spec.openapi, operations: {} };
  for (const [method, path] of operations) {
    const operation = spec.paths[path][method];
    subset.operations[`${method.toUpperCase()} ${path}`] = {
      operationId: operation.operationId,
      responses: Object.fromEntries(Object.entries(operation.responses).map(([status, response]) => [status, response.content?.['application/json']?.schema ?? null])),
    };
  }
  writeFileSync(join(root, 'test/fixtures/github/openapi-subset.json'), `${JSON.stringify(subset, null, 1)}\n`);
  console.log(`wrote test/fixtures/github/openapi-subset.json from ${subset.source}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
