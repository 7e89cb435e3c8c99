// Publishing to GitHub releases against the emulator (every response validated against GitHub's
// OpenAPI description): draft -> assets -> publish; a failure injected at each step, then a re-run
// that converges without duplicates; a published release never changed; the token never printed;
// and the core installing from github-releases and private-releases.
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { currentPlatform, generateSigningKey, loadPrivateKey, signBlob } from '@fctl-kit/artifacts';
import type { PublishSummary } from '@fctl-kit/backends';
import { newFctl } from '../support/fctl.js';
import { GithubEmulator } from '../support/github-emulator.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { fctlKit as runFctlKit, type ExecResult } from '../support/exec.js';
import { examplePluginDir } from '../support/paths.js';
import { makeRelease } from '../support/releases.js';
import { expectDiscoveredAndRan, onTerminal } from '../support/terminal.js';

const TOKEN = 'ghp_emulatorTokenThatMustNeverBePrinted0001';
const keys = generateSigningKey();
const platform = currentPlatform();
let work: string;
let small: string;
let github: GithubEmulator;
let ledger: RunningLedger;

async function fctlKit(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ExecResult> {
  const result = await runFctlKit(args, { cwd: work, env: { GITHUB_TOKEN: TOKEN, FCTL_KIT_GITHUB_RETRIES: '0', ...env } });
  expect(result.stdout + result.stderr).not.toContain(TOKEN);
  return result;
}

const publish = (dir: string, repo: string, extra: string[] = []) => fctlKit(['publish', dir, '--backend', 'github-releases', '--repo', repo, '--api-url', github.url, ...extra]);
const sha = (path: string) => `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;

function expectPublished(repo: string, dir: string): void {
  const releases = github.repositories.get(repo)!.releases;
  expect(releases).toHaveLength(1);
  expect(releases[0]!.draft).toBe(false);
  const expected = readdirSync(dir).filter((name) => readFileSync(join(dir, 'checksums.txt'), 'utf8').includes(`  ${name}\n`) || name.startsWith('checksums.txt'));
  expect(releases[0]!.assets.map((a) => a.name).sort()).toEqual(expected.sort());
  for (const asset of releases[0]!.assets) expect(`sha256:${createHash('sha256').update(asset.bytes).digest('hex')}`).toBe(sha(join(dir, asset.name)));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'publish-github-'));
  small = (await makeRelease(join(work, 'small', '3.2.0'), '3.2.0', { signingKey: keys.privateKey })).dir;
  github = await new GithubEmulator(TOKEN).start();
  ledger = await startLedger('3.2.0');
}, 60_000);
afterEach(() => {
  expect(github.schemaErrors).toEqual([]);
});
afterAll(async () => {
  await Promise.all([github?.stop(), ledger?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('publishing to GitHub releases', () => {
  it('creates a draft, uploads the assets, publishes; a re-run uploads nothing', async () => {
    github.addRepository('acme/ledger');
    const first = await publish(small, 'acme/ledger');
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as PublishSummary;
    expect(summary).toMatchObject({ backend: 'github-releases', version: '3.2.0', registry: { distribution: 'github-releases', repo: 'acme/ledger', githubApiUrl: github.url } });
    expect(summary.steps.map((s) => s.file)).toEqual([`fctl-plugin-ledger-${platform.os}-${platform.arch}`, 'checksums.txt', 'checksums.txt.sig', 'publish']);
    expectPublished('acme/ledger', small);
    const requestsBefore = github.requests.length;
    const bytesBefore = github.uploadedBytes;
    const again = JSON.parse((await publish(small, 'acme/ledger')).stdout) as PublishSummary;
    expect(again.bytesUploaded).toBe(0);
    expect(github.uploadedBytes).toBe(bytesBefore);
    expect(github.requests.slice(requestsBefore).every((r) => r.method === 'GET')).toBe(true);
  });

  it('--dry-run changes nothing', async () => {
    github.addRepository('acme/dry');
    const result = await publish(small, 'acme/dry', ['--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ dryRun: true, bytesUploaded: 0 });
    expect(github.repositories.get('acme/dry')!.releases).toEqual([]);
  });

  const failures: Array<[string, { method: string; path: (repo: string) => RegExp; skip?: number }]> = [
    ['creating the draft', { method: 'POST', path: (repo) => new RegExp(`^/repos/${repo}/releases$`) }],
    ['uploading the binary', { method: 'POST', path: (repo) => new RegExp(`^/uploads/repos/${repo}/releases/\\d+/assets$`) }],
    ['uploading checksums.txt', { method: 'POST', path: (repo) => new RegExp(`^/uploads/repos/${repo}/releases/\\d+/assets$`), skip: 1 }],
    ['uploading the signature', { method: 'POST', path: (repo) => new RegExp(`^/uploads/repos/${repo}/releases/\\d+/assets$`), skip: 2 }],
    ['publishing the draft', { method: 'PATCH', path: (repo) => new RegExp(`^/repos/${repo}/releases/\\d+$`) }],
  ];
  it.each(failures)('after a failure %s, a re-run converges with no duplicate assets', async (_, fault) => {
    const repo = `acme/ledger-${Math.random().toString(36).slice(2, 8)}`;
    github.addRepository(repo);
    github.faults.push({ method: fault.method, path: fault.path(repo), status: 500, ...(fault.skip ? { skip: fault.skip } : {}) });
    const failed = await publish(small, repo);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^Error: (creating the draft release v3\.2\.0|uploading \S+ to v3\.2\.0|publishing v3\.2\.0): GitHub answered 500/);
    const again = await publish(small, repo);
    expect(again.code, again.stderr).toBe(0);
    expectPublished(repo, small);
  });

  it('refuses to change a published release whose assets differ', async () => {
    github.addRepository('acme/immutable');
    await publish(small, 'acme/immutable');
    const other = join(work, 'resigned');
    cpSync(small, other, { recursive: true });
    writeFileSync(join(other, 'checksums.txt.sig'), `${signBlob(readFileSync(join(other, 'checksums.txt')), loadPrivateKey(generateSigningKey().privateKey, 'k'))}\n`);
    const refused = await publish(other, 'acme/immutable');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('Error: acme/immutable v3.2.0 is published with another checksums.txt.sig: a published release is never overwritten (publish a new version)\n');
  });

  it('needs a token, and reports a wrong one without printing it', async () => {
    github.addRepository('acme/secret', { private: true });
    const missing = await fctlKit(['publish', small, '--backend', 'private-releases', '--repo', 'acme/secret', '--api-url', github.url], { GITHUB_TOKEN: '' });
    expect(missing.stderr).toBe('Error: publishing to GitHub needs a token: set GITHUB_TOKEN or pass --token-file\n');
    const wrong = await fctlKit(['publish', small, '--backend', 'private-releases', '--repo', 'acme/secret', '--api-url', github.url], { GITHUB_TOKEN: 'ghp_wrongTokenValue' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe('Error: listing the releases of acme/secret: GitHub answered 404 (Not Found)\n');
    expect(wrong.stderr).not.toContain('ghp_wrongTokenValue');
  });
});

describe('build -> publish -> registry -> the core installs and runs', () => {
  let build: string;
  beforeAll(async () => {
    build = join(work, 'build');
    const built = await fctlKit(['build', examplePluginDir, '--service-version', '3.2.0', '--out', build, '--targets', `${platform.os}-${platform.arch}`], { FCTL_KIT_SIGNING_KEY: keys.privateKey });
    if (built.code !== 0) throw new Error(built.stderr);
  }, 120_000);

  function registry(distribution: string, repo: string): string {
    const path = join(work, `${repo.replace('/', '-')}.yaml`);
    const lines = ['plugins:', '  ledger:', `    distribution: ${distribution}`, `    repo: ${repo}`, `    githubUrl: ${github.url}`, `    githubApiUrl: ${github.url}`, '    publicKey: |', ...keys.publicKey.trim().split('\n').map((l) => `      ${l}`), '    versions:', '      3.2.0:', '        compatibleWith: ">=3.0.0 <4.0.0"', `        checksumsSha256: ${sha(join(build, 'checksums.txt')).slice(7)}`, ''];
    writeFileSync(path, lines.join('\n'));
    return path;
  }

  it('github-releases: public downloads by the RFC URL convention', async () => {
    github.addRepository('formance/ledger');
    expect((await publish(build, 'formance/ledger')).code).toBe(0);
    const fctl = newFctl({ FCTL_REGISTRY: registry('github-releases', 'formance/ledger') });
    await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    // Discovered on first use: the prompt answered on a terminal, then the command runs.
    expectDiscoveredAndRan(await onTerminal(fctl, ['ledger', 'transactions', 'list'], 'y'));
    expect(github.requests.some((r) => r.path === `/formance/ledger/releases/download/v3.2.0/fctl-plugin-ledger-${platform.os}-${platform.arch}`)).toBe(true);
  }, 120_000);

  it('private-releases: downloads through the API with the token, which is never printed', async () => {
    github.addRepository('formance/ledger-enterprise', { private: true });
    const published = await fctlKit(['publish', build, '--backend', 'private-releases', '--repo', 'formance/ledger-enterprise', '--api-url', github.url]);
    expect(published.code, published.stderr).toBe(0);
    const registryPath = registry('private-releases', 'formance/ledger-enterprise');
    const anonymous = newFctl({ FCTL_REGISTRY: registryPath });
    await anonymous.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    const refused = await anonymous.run(['plugin', 'install', 'ledger']);
    expect(refused.stderr).toContain('plugin "ledger" is distributed privately: set GITHUB_TOKEN (or FCTL_GITHUB_TOKEN_FILE) to a token that can read formance/ledger-enterprise');

    const tokenFile = join(work, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    // The token goes to this GitHub API because the user names it, not because the registry does.
    const fctl = newFctl({ FCTL_REGISTRY: registryPath, FCTL_GITHUB_TOKEN_FILE: tokenFile, FCTL_GITHUB_API_URL: github.url });
    await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    const install = await fctl.run(['--debug', 'plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout + install.stderr).not.toContain(TOKEN);
    expect(github.requests.filter((r) => r.path.startsWith('/objects/')).every((r) => r.authorization === undefined)).toBe(true);
    expect((await fctl.run(['ledger', 'transactions', 'list'])).code).toBe(0);
  }, 120_000);
});
