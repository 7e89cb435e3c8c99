// Snapshot mode through the built fctl-kit, on a product repository whose plugin takes its version
// from a git tag: on a commit without a release tag (a pull request's HEAD) FCTL_KIT_SNAPSHOT=1
// lets verify-version, build and compat - the checks a pull request runs - pass, with the version
// of the nearest tag or 0.0.0 in a repository that has none; publishing refuses in snapshot mode.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fctlKit } from '../support/exec.js';
import { examplePluginDir, repoRoot } from '../support/paths.js';

const SNAPSHOT = { FCTL_KIT_SNAPSHOT: '1' };
let product: string;
let plugin: string;

const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: product, stdio: 'pipe' });
const kit = (args: string[], env: NodeJS.ProcessEnv = {}) => fctlKit(args, { cwd: product, env: { FCTL_KIT_SNAPSHOT: '', ...env } });

beforeAll(() => {
  product = mkdtempSync(join(tmpdir(), 'snapshot-product-'));
  plugin = join(product, 'cmd', 'fctl-plugin');
  cpSync(examplePluginDir, plugin, { recursive: true, filter: (path) => !/[\\/](dist|node_modules)$/.test(path) });
  symlinkSync(join(repoRoot, 'node_modules'), join(product, 'node_modules'));
  writeFileSync(join(product, '.gitignore'), 'node_modules\ndist\nsite\n');
  writeFileSync(
    join(plugin, 'fctl-plugin.json'),
    JSON.stringify({ name: 'ledger', service: 'ledger', version: { source: 'git-tag' }, release: { backends: [{ backend: 'url', to: '../../site' }] } }, null, 2),
  );
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'a brand-new repository: no tag yet');
});
afterAll(() => {
  if (product) rmSync(product, { recursive: true, force: true });
});

describe('FCTL_KIT_SNAPSHOT=1 on untagged commits', () => {
  const hostBuild = () => join(plugin, 'dist', 'host');

  it('a brand-new untagged repository: verify-version, build and compat (the Nx targets a pull request runs) pass with 0.0.0', async () => {
    const refused = await kit(['verify-version', 'cmd/fctl-plugin']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('has none');

    const verified = await kit(['verify-version', 'cmd/fctl-plugin'], SNAPSHOT);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stderr).toBe('ok: 0.0.0 (snapshot: no tag on HEAD and none reachable from it; 0.0.0, the fallback)\n');

    // The commands of the Nx build and compat targets.
    const built = await kit(['build', 'cmd/fctl-plugin', '--targets', 'host', '--compression', 'none', '--out', hostBuild()], SNAPSHOT);
    expect(built.code, built.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(hostBuild(), 'manifest.json'), 'utf8'))).toMatchObject({ name: 'ledger', version: '0.0.0' });
    const withBuild = await kit(['verify-version', 'cmd/fctl-plugin', '--build-dir', hostBuild()], SNAPSHOT);
    expect(withBuild.code, withBuild.stderr).toBe(0);
    expect(withBuild.stderr).toBe('ok: 0.0.0 (snapshot: no tag on HEAD and none reachable from it; 0.0.0, the fallback); the built plugin reports 0.0.0\n');

    const compat = await kit(['compat', 'cmd/fctl-plugin', '--build-dir', hostBuild()], SNAPSHOT);
    expect(compat.code, compat.stdout + compat.stderr).toBe(0);
    expect(compat.stdout).toMatch(/^\d+ scenarios, 0 failed \(ledger: /m);
  }, 300_000);

  it('after a release: the nearest tag version on later commits, the tag itself on its commit, and a build of another version is refused', async () => {
    git('tag', 'v3.1.0');
    writeFileSync(join(product, 'CHANGES.md'), 'a change after the release\n');
    git('add', 'CHANGES.md');
    git('commit', '-qm', 'a pull request commit');

    const verified = await kit(['verify-version', 'cmd/fctl-plugin'], SNAPSHOT);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stderr).toBe('ok: 3.1.0 (snapshot: no tag on HEAD; v3.1.0 from the nearest tag)\n');
    expect((await kit(['version', 'cmd/fctl-plugin'], SNAPSHOT)).stdout).toBe('3.1.0\n');
    // The 0.0.0 build from before is not this version: snapshot mode keeps checking the build.
    const stale = await kit(['verify-version', 'cmd/fctl-plugin', '--build-dir', hostBuild()], SNAPSHOT);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('the built plugin reports 0.0.0');

    git('checkout', '-q', 'HEAD~1');
    const onTag = await kit(['verify-version', 'cmd/fctl-plugin'], SNAPSHOT);
    expect(onTag.stderr).toBe('ok: 3.1.0 (git tag v3.1.0); the release tag is 3.1.0\n');
    git('checkout', '-q', '-');
  }, 120_000);

  it('fctl-kit publish refuses in snapshot mode, a dry run too, and uploads nothing', async () => {
    for (const extra of [[], ['--dry-run']]) {
      const published = await kit(['publish', hostBuild(), '--backend', 'url', '--to', 'site', ...extra], SNAPSHOT);
      expect(published.code).toBe(1);
      expect(published.stderr).toBe(
        'Error: fctl-kit publish does not run in snapshot mode (FCTL_KIT_SNAPSHOT=1 or --snapshot, for checks on untagged commits): publish from a tagged commit without it\n',
      );
      expect(published.stdout).toBe('');
    }
    expect(existsSync(join(product, 'site'))).toBe(false);
    // Without snapshot mode the same build publishes (the refusal is the mode's, nothing else).
    const published = await kit(['publish', hostBuild(), '--backend', 'url', '--to', 'site']);
    expect(published.code, published.stderr).toBe(0);
    expect(existsSync(join(product, 'site'))).toBe(true);
  }, 120_000);

  it('fctl-kit release and registry add refuse in snapshot mode and write nothing', async () => {
    const released = await kit(['release', 'cmd/fctl-plugin', '--dry-run'], SNAPSHOT);
    expect(released.code).toBe(1);
    expect(released.stderr).toContain(
      'Error: release step verify-version: fctl-kit release refuses a snapshot version: 3.1.0 (snapshot: no tag on HEAD; v3.1.0 from the nearest tag) does not come from a release tag on HEAD. Tag the commit (vX.Y.Z) and run it without FCTL_KIT_SNAPSHOT\n',
    );
    writeFileSync(join(product, 'registry.yaml'), 'plugins: {}\n');
    const added = await kit(['registry', 'add', 'registry.yaml', 'ledger', '3.1.0', '--compatible-with', '>=3.0.0 <4.0.0'], SNAPSHOT);
    expect(added.code).toBe(1);
    expect(added.stderr).toBe('Error: fctl-kit registry add does not run in snapshot mode (FCTL_KIT_SNAPSHOT=1 or --snapshot, for checks on untagged commits): publish from a tagged commit without it\n');
    expect(readFileSync(join(product, 'registry.yaml'), 'utf8')).toBe('plugins: {}\n');
  }, 120_000);
});
