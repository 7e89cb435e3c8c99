// The GitHub backends' plan (pure): every starting state a run can find - no release, a draft with
// none, some or all of the assets, a partial upload, other bytes or another size; a published
// release holding the build, another file, another size or missing one - and what the registry
// records. apply executes exactly this plan (test/e2e/publish-github.test.ts compares them).
import { describe, expect, it } from 'vitest';
import type { ReleaseArtifacts } from '../src/distribution-backend.js';
import { backends, githubReleases, privateReleases } from '../src/github/backend.js';
import type { GithubConfig, GithubState } from '../src/github/plan.js';
import { repoProblem } from '../src/github/repo.js';

const release: ReleaseArtifacts = {
  dir: '/build',
  name: 'ledger',
  version: '3.2.0',
  files: [
    { name: 'fctl-plugin-ledger-linux-amd64', kind: 'binary', os: 'linux', arch: 'amd64', size: 100, sha256: 'a'.repeat(64) },
    { name: 'checksums.txt', kind: 'checksums', size: 20, sha256: 'c'.repeat(64) },
    { name: 'checksums.txt.sig', kind: 'signature', size: 10, sha256: 'd'.repeat(64) },
  ],
};
const config: GithubConfig = { backend: 'github-releases', repo: 'acme/ledger' };
const asset = (index: number, changes: Partial<{ state: string; size: number; digest: string | null }> = {}) => {
  const file = release.files[index]!;
  return { id: 10 + index, name: file.name, state: 'uploaded', size: file.size, digest: `sha256:${file.sha256}`, ...changes };
};
const draft = (assets: ReturnType<typeof asset>[]): GithubState => ({ release: { id: 7, draft: true, uploadUrl: 'https://uploads.example/7{?name,label}', htmlUrl: 'https://example/untagged-1', assets } });
const published = (assets: ReturnType<typeof asset>[]): GithubState => ({ release: { ...draft(assets).release!, draft: false, htmlUrl: 'https://github.com/acme/ledger/releases/tag/v3.2.0' } });
const summary = (state: GithubState) => {
  const plan = githubReleases.plan(config, release, state);
  return { actions: plan.actions.map((a) => `${a.action} ${a.subject}${a.bytes ? ` ${a.bytes}` : ''}`), refusals: plan.refusals };
};

describe('the GitHub plan', () => {
  it('no release: create the draft, upload every file in order, publish', () => {
    expect(summary({})).toEqual({ actions: ['create draft', 'upload fctl-plugin-ledger-linux-amd64 100', 'upload checksums.txt 20', 'upload checksums.txt.sig 10', 'finish publish'], refusals: [] });
    expect(githubReleases.plan(config, release, {}).location).toBe('acme/ledger v3.2.0');
  });

  it('a draft with no, some or all of the assets: uploads only what is missing, then publishes', () => {
    expect(summary(draft([])).actions).toEqual(['upload fctl-plugin-ledger-linux-amd64 100', 'upload checksums.txt 20', 'upload checksums.txt.sig 10', 'finish publish']);
    expect(summary(draft([asset(0)])).actions).toEqual(['skip fctl-plugin-ledger-linux-amd64', 'upload checksums.txt 20', 'upload checksums.txt.sig 10', 'finish publish']);
    expect(summary(draft([asset(2), asset(0), asset(1)]))).toEqual({ actions: ['skip fctl-plugin-ledger-linux-amd64', 'skip checksums.txt', 'skip checksums.txt.sig', 'finish publish'], refusals: [] });
  });

  it('a draft with a partial upload, other bytes or another size: replaced, saying why', () => {
    const plan = githubReleases.plan(config, release, draft([asset(0, { state: 'open', digest: null }), asset(1, { digest: `sha256:${'e'.repeat(64)}` }), asset(2, { size: 11 })]));
    expect(plan.refusals).toEqual([]);
    expect(plan.actions.slice(0, 3)).toEqual([
      { subject: 'fctl-plugin-ledger-linux-amd64', action: 'replace', bytes: 100, reason: 'the draft holds a partial upload (state open)' },
      { subject: 'checksums.txt', action: 'replace', bytes: 20, reason: `the draft holds other bytes, sha256:${'e'.repeat(64)}` },
      { subject: 'checksums.txt.sig', action: 'replace', bytes: 10, reason: "the draft holds another size, 11 bytes (this build's: 10)" },
    ]);
  });

  it('a published release with the same assets: nothing to do, nothing refused', () => {
    const plan = githubReleases.plan(config, release, published([asset(0), asset(1), asset(2)]));
    expect(summary(published([asset(0), asset(1), asset(2)]))).toEqual({ actions: ['skip fctl-plugin-ledger-linux-amd64', 'skip checksums.txt', 'skip checksums.txt.sig'], refusals: [] });
    expect(plan.location).toBe('https://github.com/acme/ledger/releases/tag/v3.2.0');
  });

  it('a published release with another file, another size (same digest) or a file missing: refused, naming each', () => {
    expect(summary(published([asset(0), asset(1), asset(2, { digest: `sha256:${'f'.repeat(64)}` })])).refusals).toEqual([
      `acme/ledger v3.2.0 is published with another checksums.txt.sig (other bytes, sha256:${'f'.repeat(64)}): a published release is never overwritten (publish a new version)`,
    ]);
    expect(summary(published([asset(0, { size: 99 }), asset(1), asset(2)])).refusals).toEqual([
      "acme/ledger v3.2.0 is published with another fctl-plugin-ledger-linux-amd64 (another size, 99 bytes (this build's: 100)): a published release is never overwritten (publish a new version)",
    ]);
    expect(summary(published([asset(0), asset(2)])).refusals).toEqual(['acme/ledger v3.2.0 is published without checksums.txt: a published release is immutable (publish a new version)']);
    expect(summary(published([asset(0, { digest: null }), asset(1), asset(2)])).refusals).toHaveLength(1);
  });

  it('is the same plan for both backends, which differ only in what the registry records', () => {
    const state = draft([asset(0)]);
    expect(privateReleases.plan({ ...config, backend: 'private-releases' }, release, state).actions).toEqual(githubReleases.plan(config, release, state).actions);
    expect(backends.map((b) => b.kind)).toEqual(['github-releases', 'private-releases']);
  });
});

describe('what the registry records, and publishesTo', () => {
  const source = (backend: 'github-releases' | 'private-releases', apiUrl?: string) =>
    (backend === 'private-releases' ? privateReleases : githubReleases).plan({ backend, repo: 'acme/ledger', ...(apiUrl ? { apiUrl } : {}) }, release, {}).source;

  it('github-releases: the web URL users download from, derived from the API URL', () => {
    expect(source('github-releases')).toEqual({ backend: 'github-releases', repo: 'acme/ledger' });
    expect(source('github-releases', 'https://api.github.com/')).toEqual({ backend: 'github-releases', repo: 'acme/ledger' });
    expect(source('github-releases', 'https://ghe.example.com/api/v3')).toEqual({ backend: 'github-releases', repo: 'acme/ledger', githubUrl: 'https://ghe.example.com' });
    expect(source('github-releases', 'https://api.acme.ghe.com')).toEqual({ backend: 'github-releases', repo: 'acme/ledger', githubUrl: 'https://acme.ghe.com' });
  });

  it('private-releases: the API URL', () => {
    expect(source('private-releases')).toEqual({ backend: 'private-releases', repo: 'acme/ledger' });
    expect(source('private-releases', 'https://ghe.example.com/api/v3/')).toEqual({ backend: 'private-releases', repo: 'acme/ledger', githubApiUrl: 'https://ghe.example.com/api/v3' });
  });

  it('publishesTo: the same backend, repository (any case) and server', () => {
    expect(githubReleases.publishesTo(config, { backend: 'github-releases', repo: 'Acme/Ledger' })).toBe(true);
    expect(githubReleases.publishesTo(config, { backend: 'github-releases', repo: 'acme/ledger', githubUrl: 'https://github.com/' })).toBe(true);
    expect(githubReleases.publishesTo(config, { backend: 'github-releases', repo: 'acme/ledger', githubUrl: 'https://ghe.example.com' })).toBe(false);
    expect(githubReleases.publishesTo(config, { backend: 'private-releases', repo: 'acme/ledger' })).toBe(false);
    expect(githubReleases.publishesTo(config, { backend: 'github-releases', repo: 'acme/other' })).toBe(false);
    const ghe: GithubConfig = { backend: 'private-releases', repo: 'acme/ledger', apiUrl: 'https://ghe.example.com/api/v3' };
    expect(privateReleases.publishesTo(ghe, { backend: 'private-releases', repo: 'acme/ledger', githubApiUrl: 'https://ghe.example.com/api/v3/' })).toBe(true);
    expect(privateReleases.publishesTo(ghe, { backend: 'private-releases', repo: 'acme/ledger' })).toBe(false);
  });
});

describe('configuration', () => {
  it('flags --repo (required) and --api-url; configFrom refuses what is not owner/name', () => {
    expect(githubReleases.flags.map((f) => [f.field, Boolean(f.required)])).toEqual([['repo', true], ['apiUrl', false]]);
    expect(privateReleases.configFrom({ repo: 'acme/ledger', apiUrl: 'https://ghe.example.com/api/v3' }, '/')).toEqual({ backend: 'private-releases', repo: 'acme/ledger', apiUrl: 'https://ghe.example.com/api/v3' });
    for (const repo of ['acme', 'acme/ledger/extra', '../ledger', 'acme/..', './x', 'acme/ledger?x', 'ac me/ledger']) {
      expect(() => githubReleases.configFrom({ repo }, '/'), repo).toThrow(/"repo" must be owner\/name/);
      expect(repoProblem(repo), repo).toBeDefined();
    }
    expect(repoProblem('acme/ledger.js')).toBeUndefined();
    expect(repoProblem('a.b/..c')).toBeUndefined();
  });

  it('schemas: the release-section entry and the registry source, loaded on demand', async () => {
    const { Value } = await import('@sinclair/typebox/value');
    const pub = await githubReleases.schemas();
    const priv = await privateReleases.schemas();
    expect(Value.Check(pub.config, { backend: 'github-releases', repo: 'acme/ledger', apiUrl: 'https://ghe.example.com/api/v3' })).toBe(true);
    expect(Value.Check(pub.config, { backend: 'private-releases', repo: 'acme/ledger' })).toBe(false);
    expect(Value.Check(pub.config, { backend: 'github-releases', repo: 'acme/ledger', extra: 1 })).toBe(false);
    expect(Value.Check(pub.source, { backend: 'github-releases', repo: 'acme/ledger', githubUrl: 'https://ghe.example.com' })).toBe(true);
    expect(Value.Check(pub.source, { backend: 'github-releases', repo: '../ledger' })).toBe(false);
    expect(Value.Check(pub.source, { backend: 'github-releases', repo: 'acme/ledger', githubApiUrl: 'https://x' })).toBe(false);
    expect(Value.Check(priv.source, { backend: 'private-releases', repo: 'acme/ledger', githubApiUrl: 'https://ghe.example.com/api/v3' })).toBe(true);
    expect(Value.Check(priv.config, { backend: 'private-releases', repo: 'acme/ledger' })).toBe(true);
  });
});
