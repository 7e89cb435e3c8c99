// `fctl-kit version bump` through the built CLI, on a copy of the example ledger repository: every
// place the version is written moves together, or none does.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fctlKit } from '../support/exec.js';
import { examplePluginDir } from '../support/paths.js';

let product: string | undefined;
afterEach(() => {
  if (product) rmSync(product, { recursive: true, force: true });
  product = undefined;
});

function repository(version: Record<string, string> = { source: 'package-json', path: '../../package.json' }) {
  product = mkdtempSync(join(tmpdir(), 'version-bump-'));
  const plugin = join(product, 'cmd', 'fctl-plugin');
  cpSync(examplePluginDir, plugin, { recursive: true, filter: (path) => !/[\\/](dist|node_modules)$/.test(path) });
  writeFileSync(join(product, 'package.json'), '{\n  "name": "@fctl-kit-example/ledger",\n  "version": "3.2.0",\n  "private": true\n}\n');
  writeFileSync(join(plugin, 'fctl-plugin.json'), JSON.stringify({ name: 'ledger', service: 'ledger', version }, null, 2));
  const files = {
    service: join(product, 'package.json'),
    pluginPackage: join(plugin, 'package.json'),
    source: join(plugin, 'src', 'plugin.ts'),
    scenarios: join(plugin, 'compat', 'scenarios.yaml'),
  };
  const snapshot = () => Object.fromEntries(Object.entries(files).map(([key, path]) => [key, readFileSync(path, 'utf8')]));
  return { product, plugin, files, snapshot };
}

const run = (cwd: string, ...args: string[]) => fctlKit(args, { cwd });

describe('fctl-kit version bump', () => {
  it('patch: the service package, the plugin package and the scenarios on that version; the range still serves it', async () => {
    const repo = repository();
    const before = repo.snapshot();
    const bumped = await run(repo.product, 'version', 'bump', 'patch', 'cmd/fctl-plugin');
    expect(bumped.stderr, bumped.stderr).toBe(
      [
        `changed ${repo.files.service}: "version" 3.2.0 -> 3.2.1`,
        `changed ${repo.files.pluginPackage}: "version" 3.2.0 -> 3.2.1`,
        `changed ${repo.files.scenarios}: 2 scenario stack(s) on ledger 3.2.0 -> 3.2.1`,
        '',
      ].join('\n'),
    );
    expect(bumped.stdout).toBe('3.2.1\n');
    expect(bumped.code).toBe(0);
    const after = repo.snapshot();
    expect(after.service).toBe(before.service!.replace('"version": "3.2.0"', '"version": "3.2.1"'));
    expect(JSON.parse(after.pluginPackage!).version).toBe('3.2.1');
    // Only the version field moved; the dependency on the service package at 3.2.0 is not a version of this plugin.
    expect(after.pluginPackage).toBe(before.pluginPackage!.replace('"version": "3.2.0"', '"version": "3.2.1"'));
    expect(after.source).toBe(before.source);
    // In place: comments, flow maps and the v4 scenario (another stack) untouched.
    expect(after.scenarios).toBe(before.scenarios!.replaceAll('services: { ledger: 3.2.0 }', 'services: { ledger: 3.2.1 }'));
    expect(after.scenarios).toContain('services: { ledger: 4.0.0 }');

    expect((await run(repo.product, 'version', 'cmd/fctl-plugin')).stdout).toBe('3.2.1\n');
    const verified = await run(repo.product, 'verify-version', 'cmd/fctl-plugin');
    expect(verified.code, verified.stderr).toBe(0);
  }, 60_000);

  it('major: compatibleWith moves to the new line; an exact version below the current one is refused', async () => {
    const repo = repository();
    const before = repo.snapshot();
    const bumped = await run(repo.plugin, 'version', 'bump', 'major');
    expect(bumped.code, bumped.stderr).toBe(0);
    expect(bumped.stdout).toBe('4.0.0\n');
    expect(bumped.stderr).toContain(`changed ${repo.files.source}: compatibleWith ">=3.0.0 <4.0.0" -> ">=4.0.0 <5.0.0"`);
    expect(repo.snapshot().source).toBe(before.source!.replace("compatibleWith: '>=3.0.0 <4.0.0'", "compatibleWith: '>=4.0.0 <5.0.0'"));

    const lower = await run(repo.plugin, 'version', 'bump', '3.9.0');
    expect(lower.code).toBe(1);
    expect(lower.stderr).toContain('3.9.0 is not above the current version 4.0.0: versions only go up');
    const bad = await run(repo.plugin, 'version', 'bump', 'mayor');
    expect(bad.stderr).toContain('"mayor" is not major, minor, patch or a version like 1.5.0');
  }, 60_000);

  it('writes nothing when one place cannot be edited: a range that is not a literal, a plugin package on another version', async () => {
    const repo = repository();
    writeFileSync(repo.files.source, readFileSync(repo.files.source, 'utf8').replace("compatibleWith: '>=3.0.0 <4.0.0'", 'compatibleWith: RANGE').replace('export const plugin', "const RANGE = '>=3.0.0 <4.0.0';\nexport const plugin"));
    const before = repo.snapshot();
    const refused = await run(repo.product, 'version', 'bump', 'major', 'cmd/fctl-plugin');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`4.0.0 starts a new release line, and the compatibleWith range cannot be edited: ${repo.files.source} does not write compatibleWith as one string literal`);
    expect(repo.snapshot()).toEqual(before);

    writeFileSync(repo.files.pluginPackage, readFileSync(repo.files.pluginPackage, 'utf8').replace('"version": "3.2.0"', '"version": "3.1.0"'));
    const mismatch = repo.snapshot();
    const disagreeing = await run(repo.product, 'version', 'bump', 'patch', 'cmd/fctl-plugin');
    expect(disagreeing.code).toBe(1);
    expect(disagreeing.stderr).toContain(`${repo.files.pluginPackage} has "version": "3.1.0", not 3.2.0: make them agree first`);
    expect(repo.snapshot()).toEqual(mismatch);
  }, 60_000);

  it('a VERSION file source is rewritten; a git-tag source prints the tag to create once the edits are committed', async () => {
    const file = repository({ source: 'file', path: '../../VERSION' });
    writeFileSync(join(file.product, 'VERSION'), '3.2.0\n');
    const minor = await run(file.product, 'version', 'bump', 'minor', 'cmd/fctl-plugin');
    expect(minor.code, minor.stderr).toBe(0);
    expect(readFileSync(join(file.product, 'VERSION'), 'utf8')).toBe('3.3.0\n');
    expect(JSON.parse(readFileSync(file.files.pluginPackage, 'utf8')).version).toBe('3.3.0');
    rmSync(file.product, { recursive: true, force: true });

    const tagged = repository({ source: 'git-tag' });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: tagged.product, stdio: 'pipe' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'ledger 3.2.0');
    git('tag', 'v3.2.0');
    const before = tagged.snapshot();
    const bumped = await run(tagged.product, 'version', 'bump', 'patch', 'cmd/fctl-plugin');
    expect(bumped.code, bumped.stderr).toBe(0);
    expect(bumped.stdout).toBe('3.2.1\n');
    expect(bumped.stderr).toContain('The version source is the release tag: commit these changes, then run: git tag v3.2.1\n');
    expect(git('tag', '--list').toString()).toBe('v3.2.0\n');
    expect(tagged.snapshot().service).toBe(before.service);
    expect(JSON.parse(tagged.snapshot().pluginPackage!).version).toBe('3.2.1');
  }, 60_000);
});
