// Snapshot mode on real git repositories in temporary directories: where a git-tag source's version
// comes from with no release tag on HEAD (the nearest tag, else 0.0.0), that a tag on HEAD wins,
// several tags, <package>@X.Y.Z tags, tags that are not semver, a shallow clone without tags, and
// the refusal everything that publishes makes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serviceVersion, VersionError } from '../src/plugin-config.js';
import { nearestReleaseTag, refuseSnapshot, SnapshotError, snapshotRequested } from '../src/snapshot.js';

const SNAPSHOT = { env: { FCTL_KIT_SNAPSHOT: '1' } };
const PLAIN = { env: {} };
const CONFIG = { name: 'ledger', service: 'ledger', version: { source: 'git-tag' as const } };

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A repository with the plugin in cmd/fctl-plugin; returns the plugin directory, the root and a commit function. */
function repository() {
  const root = mkdtempSync(join(tmpdir(), 'snapshot-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const plugin = join(root, 'cmd', 'fctl-plugin');
  mkdirSync(plugin, { recursive: true });
  writeFileSync(join(plugin, 'fctl-plugin.json'), JSON.stringify(CONFIG));
  git(root, 'init', '-q');
  let n = 0;
  const commit = () => {
    writeFileSync(join(root, 'change.txt'), String(n++));
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', `change ${n}`);
  };
  commit();
  return { root, plugin, commit, tag: (...args: string[]) => git(root, 'tag', ...args) };
}

describe('snapshot mode: a git-tag source on a commit without a release tag', () => {
  it('with no tag at all: 0.0.0, the fallback, said as such; without snapshot mode: the error as before', async () => {
    const { root, plugin } = repository();
    expect(await serviceVersion(plugin, CONFIG, SNAPSHOT)).toEqual({ version: '0.0.0', from: 'snapshot: no tag on HEAD and none reachable from it; 0.0.0, the fallback', snapshot: 'fallback' });
    await expect(serviceVersion(plugin, CONFIG, PLAIN)).rejects.toThrow(new VersionError(`the version comes from a vX.Y.Z git tag on HEAD, and HEAD of ${root} has none`));
  });

  it('after an older tag: that tag version, from the nearest tag (lightweight or annotated)', async () => {
    const { plugin, commit, tag } = repository();
    tag('v1.3.0');
    commit();
    tag('-a', '-m', 'release', 'v1.4.0');
    commit();
    commit();
    expect(await serviceVersion(plugin, CONFIG, SNAPSHOT)).toEqual({ version: '1.4.0', from: 'snapshot: no tag on HEAD; v1.4.0 from the nearest tag', snapshot: 'nearest-tag' });
    // --snapshot (the option) does what the environment does.
    expect((await serviceVersion(plugin, CONFIG, { snapshot: true, env: {} })).version).toBe('1.4.0');
  });

  it('a tag on HEAD always wins, in snapshot mode too, over a higher older tag', async () => {
    const { plugin, commit, tag } = repository();
    tag('v9.0.0');
    commit();
    tag('v1.5.0');
    expect(await serviceVersion(plugin, CONFIG, SNAPSHOT)).toEqual({ version: '1.5.0', from: 'git tag v1.5.0' });
    expect(await serviceVersion(plugin, CONFIG, PLAIN)).toEqual({ version: '1.5.0', from: 'git tag v1.5.0' });
  });

  it('several tags: the nearest commit with a release tag, its highest version; tags that are not semver and tags of other branches are passed over', async () => {
    const { root, plugin, commit, tag } = repository();
    tag('v3.0.0');
    commit();
    tag('v2.1.0');
    tag('v2.0.9');
    tag('v2.1.0-rc.1');
    commit();
    tag('v2.2-broken');
    tag('vnext');
    tag('nightly');
    git(root, 'checkout', '-q', '-b', 'other');
    commit();
    tag('v7.0.0');
    git(root, 'checkout', '-q', 'main');
    commit();
    expect(await serviceVersion(plugin, CONFIG, SNAPSHOT)).toMatchObject({ version: '2.1.0', from: 'snapshot: no tag on HEAD; v2.1.0 from the nearest tag' });
  });

  it('<package>@X.Y.Z tags count for the packages named; a git-tag source reads only vX.Y.Z', async () => {
    const { root, plugin, commit, tag } = repository();
    tag('ledger-service@2.3.0');
    commit();
    tag('unrelated@9.0.0');
    commit();
    expect(await nearestReleaseTag(root, ['ledger-service'])).toEqual({ tag: 'ledger-service@2.3.0', version: '2.3.0' });
    expect(await nearestReleaseTag(root, ['@acme/ledger'])).toBeUndefined();
    expect(await nearestReleaseTag(root)).toBeUndefined();
    expect((await serviceVersion(plugin, CONFIG, SNAPSHOT)).version).toBe('0.0.0');
    tag('@acme/ledger@2.4.0');
    expect(await nearestReleaseTag(root, ['@acme/ledger'])).toEqual({ tag: '@acme/ledger@2.4.0', version: '2.4.0' });
  });

  it('a shallow clone without tags (actions/checkout by default): the fallback, and the message says why', async () => {
    const { root, commit, tag } = repository();
    tag('v1.4.0');
    commit();
    const clone = mkdtempSync(join(tmpdir(), 'snapshot-clone-'));
    onTestFinished(() => rmSync(clone, { recursive: true, force: true }));
    git(clone, 'clone', '-q', '--depth', '1', '--no-tags', `file://${root}`, 'repo');
    const plugin = join(clone, 'repo', 'cmd', 'fctl-plugin');
    expect(await serviceVersion(plugin, CONFIG, SNAPSHOT)).toEqual({
      version: '0.0.0',
      from: 'snapshot: no tag on HEAD and none reachable from it (a shallow clone: fetch the history and tags, e.g. actions/checkout with fetch-depth: 0, to get the nearest tag); 0.0.0, the fallback',
      snapshot: 'fallback',
    });
    // With the history and the tags fetched, the nearest tag is found.
    git(join(clone, 'repo'), 'fetch', '-q', '--unshallow', '--tags');
    expect((await serviceVersion(plugin, CONFIG, SNAPSHOT)).version).toBe('1.4.0');
  });

  it('FCTL_KIT_SNAPSHOT: 1/true/yes on, 0/false/no/unset off, anything else refused', async () => {
    for (const on of ['1', 'true', 'YES', ' 1 ']) expect(snapshotRequested({ FCTL_KIT_SNAPSHOT: on })).toBe(true);
    for (const off of [undefined, '', '0', 'false', 'no']) expect(snapshotRequested({ FCTL_KIT_SNAPSHOT: off })).toBe(false);
    expect(() => snapshotRequested({ FCTL_KIT_SNAPSHOT: 'snapshot' })).toThrow(new SnapshotError('FCTL_KIT_SNAPSHOT is "snapshot": set it to 1 (snapshot mode) or 0'));
    const { plugin } = repository();
    await expect(serviceVersion(plugin, CONFIG, { env: { FCTL_KIT_SNAPSHOT: 'on please' } })).rejects.toThrow(SnapshotError);
  });
});

describe('refuseSnapshot: what publishes never runs with a snapshot version', () => {
  it('refuses in snapshot mode and a version snapshot mode gave; passes a tagged version outside snapshot mode', () => {
    expect(() => refuseSnapshot('fctl-kit publish', { env: { FCTL_KIT_SNAPSHOT: '1' } })).toThrow(
      new SnapshotError('fctl-kit publish does not run in snapshot mode (FCTL_KIT_SNAPSHOT=1 or --snapshot, for checks on untagged commits): publish from a tagged commit without it'),
    );
    expect(() => refuseSnapshot('fctl-kit release', { snapshot: true, env: {} })).toThrow(/^fctl-kit release does not run in snapshot mode/);
    expect(() => refuseSnapshot('fctl-kit release', { env: {}, version: { version: '1.4.0', from: 'snapshot: no tag on HEAD; v1.4.0 from the nearest tag', snapshot: 'nearest-tag' } })).toThrow(
      new SnapshotError('fctl-kit release refuses a snapshot version: 1.4.0 (snapshot: no tag on HEAD; v1.4.0 from the nearest tag) does not come from a release tag on HEAD. Tag the commit (vX.Y.Z) and run it without FCTL_KIT_SNAPSHOT'),
    );
    expect(() => refuseSnapshot('fctl-kit publish', { env: { FCTL_KIT_SNAPSHOT: 'maybe' } })).toThrow(/FCTL_KIT_SNAPSHOT is "maybe"/);
    expect(() => refuseSnapshot('fctl-kit release', { env: { FCTL_KIT_SNAPSHOT: '0' }, version: { version: '1.5.0', from: 'git tag v1.5.0' } })).not.toThrow();
  });
});
