// plugin version = service version, enforced: `fctl-kit version` reads the service version from the
// source fctl-plugin.json names (a vX.Y.Z tag on HEAD, a package.json, a VERSION file), and
// `fctl-kit verify-version` refuses, naming every value, when the built plugin, the release tag or
// the registry key disagree with it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { fctlKit } from '../support/exec.js';

const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** A product repository (a git repository) with cmd/fctl-plugin/fctl-plugin.json. */
function product(version: Record<string, string>, files: Record<string, string> = {}): { root: string; plugin: string } {
  const root = mkdtempSync(join(tmpdir(), 'product-'));
  roots.push(root);
  const plugin = join(root, 'cmd', 'fctl-plugin');
  mkdirSync(plugin, { recursive: true });
  writeFileSync(join(plugin, 'fctl-plugin.json'), JSON.stringify({ name: 'ledger', service: 'ledger', version }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root, stdio: 'ignore' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'initial');
  return { root, plugin };
}
const tag = (root: string, name: string) => execFileSync('git', ['tag', name], { cwd: root });
function built(version: string, name = 'ledger'): string {
  const dir = mkdtempSync(join(tmpdir(), 'built-'));
  roots.push(dir);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ name, version }));
  return dir;
}

describe('fctl-kit version', () => {
  it('reads package.json, a VERSION file, or the vX.Y.Z tag on HEAD', async () => {
    const fromPackage = product({ source: 'package-json', path: '../../package.json' }, { 'package.json': '{"version":"3.2.0"}' });
    expect((await fctlKit(['version', fromPackage.plugin])).stdout).toBe('3.2.0\n');
    const fromFile = product({ source: 'file', path: '../../VERSION' }, { VERSION: '3.3.1\n' });
    expect((await fctlKit(['version', fromFile.plugin])).stdout).toBe('3.3.1\n');
    const fromTag = product({ source: 'git-tag' });
    const untagged = await fctlKit(['version', fromTag.plugin]);
    expect(untagged.code).toBe(1);
    expect(untagged.stderr).toBe(`Error: the version comes from a vX.Y.Z git tag on HEAD, and HEAD of ${fromTag.root} has none\n`);
    tag(fromTag.root, 'v3.4.0');
    expect((await fctlKit(['version', fromTag.plugin])).stdout).toBe('3.4.0\n');
  });

  it.each([
    [{ source: 'svn' }, 'version.source must be one of git-tag, package-json, file; got "svn"'],
    [{ source: 'file' }, 'version.path is missing'],
  ])('refuses the configuration %j', async (version, message) => {
    const { plugin } = product(version as Record<string, string>);
    const result = await fctlKit(['version', plugin]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Error: ${join(plugin, 'fctl-plugin.json')}: ${message}\n`);
  });

  it('refuses a version that is not semver', async () => {
    const { plugin, root } = product({ source: 'file', path: '../../VERSION' }, { VERSION: 'latest\n' });
    expect((await fctlKit(['version', plugin])).stderr).toBe(`Error: ${join(root, 'VERSION')} holds "latest", not a semver version like 3.2.0\n`);
  });
});

describe('fctl-kit verify-version', () => {
  let repo: { root: string; plugin: string };
  beforeEach(() => {
    repo = product({ source: 'package-json', path: '../../package.json' }, { 'package.json': '{"version":"3.2.0"}' });
  });

  it('agrees when the build, the tag and the registry say the service version', async () => {
    tag(repo.root, 'v3.2.0');
    const registry = join(repo.root, 'registry.yaml');
    writeFileSync(registry, 'plugins:\n  ledger:\n    repo: acme/ledger\n    versions:\n      3.2.0:\n        compatibleWith: ">=3.0.0"\n');
    const result = await fctlKit(['verify-version', repo.plugin, '--build-dir', built('3.2.0'), '--registry', registry]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe(`ok: 3.2.0 (${join(repo.root, 'package.json')}); the built plugin reports 3.2.0; the release tag is 3.2.0; the registry lists 3.2.0\n`);
  });

  it('a hand-edited version in the built plugin', async () => {
    const build = built('3.2.1');
    const result = await fctlKit(['verify-version', repo.plugin, '--build-dir', build]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `Error: plugin version = service version is broken:\n  - the built plugin reports 3.2.1 (${join(build, 'manifest.json')}), but the service version is 3.2.0 (${join(repo.root, 'package.json')})\n`,
    );
  });

  it('a release tag that is not the service version', async () => {
    tag(repo.root, 'v3.2.1');
    const result = await fctlKit(['verify-version', repo.plugin]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`  - the release tag is 3.2.1 (git tag v3.2.1), but the service version is 3.2.0 (${join(repo.root, 'package.json')})`);
  });

  it('a registry whose key is not the service version', async () => {
    const registry = join(repo.root, 'registry.yaml');
    writeFileSync(registry, 'plugins:\n  ledger:\n    repo: acme/ledger\n    versions:\n      3.1.0:\n        compatibleWith: ">=3.0.0"\n');
    const result = await fctlKit(['verify-version', repo.plugin, '--registry', registry]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`  - the registry lists no such version (${registry} (plugins.ledger: 3.1.0)), but the service version is 3.2.0`);
  });
});
