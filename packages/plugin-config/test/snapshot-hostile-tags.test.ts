// Snapshot mode reads tag names that anyone with push access (or a fork's pull request) can write.
// Git allows $, (, ), `, ;, | and non-ASCII bytes in tag names: none of them may run anything, reach
// a message, or stop the search for the real nearest release tag; past a bound the search stops.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serviceVersion } from '../src/plugin-config.js';
import { nearestReleaseTag } from '../src/snapshot.js';

const CONFIG = { name: 'ledger', service: 'ledger', version: { source: 'git-tag' as const } };

function repository() {
  const root = mkdtempSync(join(tmpdir(), 'snapshot-hostile-'));
  onTestFinished(() => rmSync(root, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  git('init', '-q');
  writeFileSync(join(root, 'fctl-plugin.json'), JSON.stringify(CONFIG));
  let n = 0;
  const commit = () => {
    writeFileSync(join(root, 'change.txt'), String(n++));
    git('add', '.');
    git('commit', '-q', '-m', `change ${n}`);
  };
  commit();
  return { root, commit, tag: (name: string) => git('tag', name) };
}

const HOSTILE_TAGS = [
  'v9$(touch${IFS}pwned)',
  'v9`touch${IFS}pwned`',
  'v9;touch${IFS}pwned',
  'v9|touch${IFS}pwned',
  'v3.0.0-\u202egnp',
  'v3.0.0-é',
  'v99999999999999999999.0.0',
  'v4.0.0+build.1',
  'v05.0.0',
  'v6.0',
  'v7.0.0-',
  `v8.0.0-${'x'.repeat(200)}!`,
];

describe('snapshot mode with hostile tag names', () => {
  it('skips every tag that matches v[0-9]* but is not a plain semver version, runs nothing, and finds the real nearest tag behind them', async () => {
    const { root, commit, tag } = repository();
    tag('v1.2.0');
    for (const name of HOSTILE_TAGS) {
      commit();
      tag(name);
    }
    commit();
    expect(await nearestReleaseTag(root)).toEqual({ tag: 'v1.2.0', version: '1.2.0' });
    const version = await serviceVersion(root, CONFIG, { env: { FCTL_KIT_SNAPSHOT: '1' } });
    expect(version).toEqual({ version: '1.2.0', from: 'snapshot: no tag on HEAD; v1.2.0 from the nearest tag', snapshot: 'nearest-tag' });
    expect(existsSync(join(root, 'pwned'))).toBe(false);
  });

  it('a hostile tag on the same commit as a release tag is ignored: the release tag wins', async () => {
    const { root, commit, tag } = repository();
    tag('v2.0.0');
    tag('v9$(touch${IFS}pwned)');
    tag('v10.0.0-\u202e');
    commit();
    expect(await nearestReleaseTag(root)).toEqual({ tag: 'v2.0.0', version: '2.0.0' });
    expect(existsSync(join(root, 'pwned'))).toBe(false);
  });

  it('more non-semver tags in front of the release tag than the bound: the search stops and the fallback is said, not an endless walk', async () => {
    const { root, commit, tag } = repository();
    tag('v1.0.0');
    for (let i = 0; i < 60; i++) {
      commit();
      tag(`v${i}-not-semver`);
    }
    expect(await nearestReleaseTag(root)).toBeUndefined();
    expect((await serviceVersion(root, CONFIG, { env: { FCTL_KIT_SNAPSHOT: '1' } })).version).toBe('0.0.0');
  });
});
