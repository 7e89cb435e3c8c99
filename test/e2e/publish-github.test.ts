// Publishing to GitHub releases against the emulator (every response validated against GitHub's
// OpenAPI description): draft -> assets -> publish; from every starting state a run can find, the
// plan a dry run prints is what the real run then does, write for write; a failure injected at each
// step, then a re-run that converges without duplicates; a published release never changed (other
// bytes or another size refused by the dry run and the real run alike); the token never printed;
// and the core installing from github-releases and private-releases, the token kept off the storage
// redirect and away from any API the registry names.
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { currentPlatform, generateSigningKey, loadPrivateKey, signBlob } from '@fctl-kit/artifacts';
import { DownloadError, publicationOrder, readBuildRelease, type PublishAction, type ReleaseArtifacts } from '@fctl-kit/backends';
import { githubReleases, privateReleases, type GithubBackend, type GithubConfig } from '../../packages/backends/src/github/backend.js';
import { newFctl } from '../support/fctl.js';
import { GithubEmulator } from '../support/github-emulator.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { fctlKit as runFctlKit, type ExecResult } from '../support/exec.js';
import { examplePluginDir } from '../support/paths.js';
import { makeRelease } from '../support/releases.js';
import { expectDiscoveredAndRan, onTerminal } from '../support/terminal.js';

const TOKEN = 'ghp_emulatorTokenThatMustNeverBePrinted0001';
/** fctl-kit publish's JSON summary: the plan's (dry run) or apply's actions, and the registry source. */
type Report = { backend: string; location: string; source: Record<string, unknown>; dryRun: boolean; actions: PublishAction[]; refusals: string[]; bytesUploaded: number };
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

/** The files of a build that are published: those checksums.txt lists, itself and its signature. */
const publishedNames = (dir: string) => readdirSync(dir).filter((name) => readFileSync(join(dir, 'checksums.txt'), 'utf8').includes(`  ${name}\n`) || name.startsWith('checksums.txt'));

function expectPublished(repo: string, dir: string): void {
  const releases = github.repositories.get(repo)!.releases;
  expect(releases).toHaveLength(1);
  expect(releases[0]!.draft).toBe(false);
  expect(releases[0]!.assets.map((a) => a.name).sort()).toEqual(publishedNames(dir).sort());
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
    const summary = JSON.parse(first.stdout) as Report;
    expect(summary).toMatchObject({ backend: 'github-releases', version: '3.2.0', source: { backend: 'github-releases', repo: 'acme/ledger', githubUrl: github.url } });
    const files = summary.actions.map((a) => a.subject);
    expect([files[0], files.at(-1)]).toEqual(['draft', 'publish']);
    expect(files.slice(1, -1).sort()).toEqual(publishedNames(small).sort());
    // checksums.txt and what signs it last, so that a release whose checksums are visible is complete.
    const signed = files.findIndex((file) => file.startsWith('checksums.txt'));
    expect(files[signed]).toBe('checksums.txt');
    expect(files.slice(signed, -1).every((file) => file.startsWith('checksums.txt'))).toBe(true);
    expectPublished('acme/ledger', small);
    const requestsBefore = github.requests.length;
    const bytesBefore = github.uploadedBytes;
    const again = JSON.parse((await publish(small, 'acme/ledger')).stdout) as Report;
    expect(again.bytesUploaded).toBe(0);
    expect(github.uploadedBytes).toBe(bytesBefore);
    expect(github.requests.slice(requestsBefore).every((r) => r.method === 'GET')).toBe(true);
  });

  it('--dry-run changes nothing, and prints the steps the real run then takes', async () => {
    github.addRepository('acme/dry');
    const result = await publish(small, 'acme/dry', ['--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    const dry = JSON.parse(result.stdout) as Report;
    expect(dry).toMatchObject({ dryRun: true, bytesUploaded: 0 });
    expect(dry.actions.map((a) => a.action)).toEqual(['create', ...publishedNames(small).map(() => 'upload'), 'finish']);
    expect(github.repositories.get('acme/dry')!.releases).toEqual([]);
    const real = JSON.parse((await publish(small, 'acme/dry')).stdout) as Report;
    expect(real.actions).toEqual(dry.actions);
    expect(real.actions).toEqual(dry.actions);
    expectPublished('acme/dry', small);
  });

  it('--dry-run and the real run refuse a published release whose asset has the build\'s digest but another size', async () => {
    const repo = 'acme/other-size';
    github.addRepository(repo);
    const release = github.seedRelease(repo, 'v3.2.0', { immutable: true });
    for (const name of publishedNames(small)) github.seedAsset(release, name, readFileSync(join(small, name)), name === 'checksums.txt' ? { reportedSize: statSync(join(small, name)).size + 1 } : {});
    const before = github.requests.length;
    const dry = await publish(small, repo, ['--dry-run']);
    const real = await publish(small, repo);
    const refusal = `Error: ${repo} v3.2.0 is published with another checksums.txt (another size, ${statSync(join(small, 'checksums.txt')).size + 1} bytes (this build's: ${statSync(join(small, 'checksums.txt')).size})): a published release is never overwritten (publish a new version)\n`;
    expect([dry.code, dry.stderr.split('\n').slice(-2).join('\n')]).toEqual([1, refusal]);
    expect(dry.stderr).toContain(`refused ${refusal.slice('Error: '.length, -1)}`);
    expect([real.code, real.stderr]).toEqual([1, refusal]);
    expect(github.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  const uploads = (repo: string) => new RegExp(`^/uploads/repos/${repo}/releases/\\d+/assets$`);
  const failures: Array<[string, { method: string; path: (repo: string) => RegExp; name?: string }]> = [
    ['creating the draft', { method: 'POST', path: (repo) => new RegExp(`^/repos/${repo}/releases$`) }],
    ['uploading the binary', { method: 'POST', path: uploads, name: `fctl-plugin-ledger-${platform.os}-${platform.arch}` }],
    ['uploading checksums.txt', { method: 'POST', path: uploads, name: 'checksums.txt' }],
    ['uploading the signature', { method: 'POST', path: uploads, name: 'checksums.txt.sig' }],
    ['publishing the draft', { method: 'PATCH', path: (repo) => new RegExp(`^/repos/${repo}/releases/\\d+$`) }],
  ];
  it.each(failures)('after a failure %s, a re-run converges with no duplicate assets', async (_, fault) => {
    const repo = `acme/ledger-${Math.random().toString(36).slice(2, 8)}`;
    github.addRepository(repo);
    github.faults.push({ method: fault.method, path: fault.path(repo), status: 500, ...(fault.name ? { name: fault.name } : {}) });
    const failed = await publish(small, repo);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`^Error: ${fault.name ? `uploading ${fault.name.replace(/\./g, '\\.')} to v3\\.2\\.0` : '(creating the draft release|publishing) v3\\.2\\.0'}: GitHub answered 500`));
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
    expect(refused.stderr).toBe(`Error: acme/immutable v3.2.0 is published with another checksums.txt.sig (other bytes, ${sha(join(small, 'checksums.txt.sig'))}): a published release is never overwritten (publish a new version)\n`);
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

describe('plan == apply: from every starting state, the dry run\'s actions are the real run\'s writes', () => {
  const binary = `fctl-plugin-ledger-${platform.os}-${platform.arch}`;
  const context = () => ({ env: { ...process.env, FCTL_KIT_GITHUB_RETRIES: '0' }, token: TOKEN });
  async function artifactsOf(dir: string): Promise<ReleaseArtifacts> {
    const release = await readBuildRelease(dir);
    // The GitHub backends read names, sizes and digests; the kinds come with artifacts.json.
    return { ...release, files: publicationOrder(release) as ReleaseArtifacts['files'] };
  }
  /** The writes GitHub must see for `actions`, in order. */
  const writesOf = (repo: string, actions: PublishAction[]) =>
    actions.flatMap((a) => {
      switch (a.action) {
        case 'create': return [`POST /repos/${repo}/releases`];
        case 'upload': return [`POST upload ${a.subject}`];
        case 'replace': return ['DELETE asset', `POST upload ${a.subject}`];
        case 'finish': return ['PATCH release'];
        default: return [];
      }
    });
  const writesSince = (from: number) =>
    github.requests.slice(from).filter((r) => r.method !== 'GET').map((r) =>
      r.name ? `POST upload ${r.name}` : r.method === 'DELETE' ? 'DELETE asset' : r.method === 'PATCH' ? 'PATCH release' : `${r.method} ${r.path}`);

  /** A dry run (inspect + plan), then the real run (inspect + plan + apply); what each did. */
  async function dryThenReal(repo: string, backend: GithubBackend = githubReleases) {
    const config: GithubConfig = { backend: backend.kind as GithubConfig['backend'], repo, apiUrl: github.url };
    const release = await artifactsOf(small);
    const start = github.requests.length;
    const dry = backend.plan(config, release, await backend.inspect(config, release, context()));
    expect(writesSince(start), 'a dry run writes nothing').toEqual([]);
    const plan = backend.plan(config, release, await backend.inspect(config, release, context()));
    const before = github.requests.length;
    const applied = await backend.apply(plan, context()).then((outcome) => ({ outcome }), (error: Error) => ({ error }));
    return { dry, plan, applied, writes: writesSince(before) };
  }

  type Seed = (release: ReturnType<GithubEmulator['seedRelease']>) => void;
  const bytesOf = (name: string) => readFileSync(join(small, name));
  const all: Seed = (release) => publishedNames(small).forEach((name) => github.seedAsset(release, name, bytesOf(name)));
  const converging: Array<[string, { draft: boolean; seed?: Seed }]> = [
    ['no release', { draft: false }],
    ['a draft with no assets', { draft: true, seed: () => {} }],
    ['a draft with some of the assets', { draft: true, seed: (release) => github.seedAsset(release, binary, bytesOf(binary)) }],
    ['a draft with all the assets', { draft: true, seed: all }],
    ['a draft with a partial upload ("open")', { draft: true, seed: (release) => github.seedAsset(release, binary, bytesOf(binary).subarray(0, 1000), { state: 'open' }) }],
    ['a draft with other bytes', { draft: true, seed: (release) => github.seedAsset(release, 'checksums.txt.sig', Buffer.from('not this build\'s signature\n')) }],
    ['a draft with the build\'s digest but another size', { draft: true, seed: (release) => github.seedAsset(release, 'checksums.txt', bytesOf('checksums.txt'), { reportedSize: 1 }) }],
    ['a published release with the same assets', { draft: false, seed: all }],
  ];
  it.each(converging)('%s: the real run does exactly the dry run\'s plan, and publishes the build', async (state, setup) => {
    const repo = `acme/state-${Math.random().toString(36).slice(2, 8)}`;
    github.addRepository(repo);
    if (setup.seed) setup.seed(github.seedRelease(repo, 'v3.2.0', { draft: setup.draft, immutable: !setup.draft }));
    const { dry, plan, applied, writes } = await dryThenReal(repo);
    expect(dry.refusals).toEqual([]);
    expect(plan.actions).toEqual(dry.actions);
    expect('outcome' in applied && applied.outcome.actions).toEqual(dry.actions);
    expect(writes).toEqual(writesOf(repo, dry.actions));
    expect(dry.actions.some((a) => a.action === 'replace')).toBe(/partial|other bytes|another size/.test(state));
    expectPublished(repo, small);
    const again = await dryThenReal(repo);
    expect(again.dry.actions.every((a) => a.action === 'skip')).toBe(true);
    expect(again.writes).toEqual([]);
  }, 180_000);

  const refused: Array<[string, Seed, RegExp]> = [
    ['another asset', (release) => { all(release); release.assets.find((a) => a.name === 'checksums.txt.sig')!.bytes = Buffer.from('another signature\n'); }, /is published with another checksums\.txt\.sig \(other bytes, sha256:/],
    ['a missing asset', (release) => { all(release); release.assets.splice(release.assets.findIndex((a) => a.name === binary), 1); }, new RegExp(`is published without ${binary}: a published release is immutable`)],
    ['the build\'s digest but another size', (release) => { all(release); release.assets.find((a) => a.name === binary)!.reportedSize = 7; }, new RegExp(`is published with another ${binary} \\(another size, 7 bytes`)],
  ];
  it.each(refused)('a published release with %s: refused by the plan and by apply, nothing written', async (_, seed, refusal) => {
    const repo = `acme/refused-${Math.random().toString(36).slice(2, 8)}`;
    github.addRepository(repo);
    seed(github.seedRelease(repo, 'v3.2.0', { immutable: true }));
    const { dry, plan, applied, writes } = await dryThenReal(repo);
    expect(dry.refusals).toHaveLength(1);
    expect(dry.refusals[0]).toMatch(refusal);
    expect(plan.refusals).toEqual(dry.refusals);
    expect('error' in applied && applied.error.message).toBe(dry.refusals[0]);
    expect(writes).toEqual([]);
  }, 120_000);

  it('private-releases plans and applies the same way', async () => {
    const repo = 'acme/private-plan';
    github.addRepository(repo, { private: true });
    github.seedAsset(github.seedRelease(repo, 'v3.2.0', { draft: true }), binary, bytesOf(binary).subarray(0, 10), { state: 'open' });
    const { dry, applied, writes } = await dryThenReal(repo, privateReleases);
    expect(dry.source).toEqual({ backend: 'private-releases', repo, githubApiUrl: github.url });
    expect('outcome' in applied && applied.outcome.actions).toEqual(dry.actions);
    expect(writes).toEqual(writesOf(repo, dry.actions));
    expectPublished(repo, small);
  }, 120_000);

  it('apply fails, naming the race, when the draft was published by another run after the plan', async () => {
    const repo = 'acme/raced';
    github.addRepository(repo);
    const release = github.seedRelease(repo, 'v3.2.0', { draft: true });
    github.seedAsset(release, binary, Buffer.from('partial'), { state: 'open' });
    const config: GithubConfig = { backend: 'github-releases', repo, apiUrl: github.url };
    const artifacts = await artifactsOf(small);
    const plan = githubReleases.plan(config, artifacts, await githubReleases.inspect(config, artifacts, context()));
    expect(plan.actions.find((a) => a.subject === binary)?.action).toBe('replace');
    release.draft = false;
    release.immutable = true;
    await expect(githubReleases.apply(plan, context())).rejects.toThrow(`${repo} v3.2.0: the draft was published by another run: another publish of ledger 3.2.0 ran at the same time`);
    expect(release.assets.map((a) => a.bytes.toString())).toEqual(['partial']);
  });
});

describe('downloading: where the token goes', () => {
  const ref = { name: 'ledger', version: '3.2.0', platform };
  it('private-releases: a registry naming another GitHub API gets no request and no token', async () => {
    const attacker = await new GithubEmulator(TOKEN).start();
    try {
      for (const [githubApiUrl, env] of [
        [attacker.url, { GITHUB_TOKEN: TOKEN, FCTL_GITHUB_API_URL: github.url }],
        [attacker.url, { GITHUB_TOKEN: TOKEN }],
        [undefined, { GITHUB_TOKEN: TOKEN, FCTL_GITHUB_API_URL: attacker.url.replace('127.0.0.1', 'localhost') }],
      ] as const) {
        const files = privateReleases.files({ backend: 'private-releases', repo: 'formance/ledger', ...(githubApiUrl ? { githubApiUrl } : {}) }, ref, env);
        const error = await files.open('checksums.txt', AbortSignal.timeout(30_000)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DownloadError);
        expect((error as Error).message).toContain('a registry cannot choose where your token goes');
        expect((error as Error).message).not.toContain(TOKEN);
      }
      expect(attacker.requests).toEqual([]);
    } finally {
      await attacker.stop();
    }
  });

  it('a registry repo with "." or ".." segments is refused before any request', async () => {
    const before = github.requests.length;
    for (const backend of [githubReleases, privateReleases]) {
      for (const repo of ['../formance', 'formance/..', 'formance/ledger/../x']) {
        const files = backend.files({ backend: backend.kind as GithubConfig['backend'], repo, githubUrl: github.url, githubApiUrl: github.url }, ref, { GITHUB_TOKEN: TOKEN, FCTL_GITHUB_API_URL: github.url });
        await expect(files.open('checksums.txt', AbortSignal.timeout(30_000))).rejects.toThrow(/"repo" must be owner\/name/);
      }
    }
    expect(github.requests.length).toBe(before);
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

  it('fctl downloads from GitHub without evaluating octokit (it is loaded only to publish)', async () => {
    const repo = 'formance/ledger-lazy';
    github.addRepository(repo);
    expect((await publish(build, repo)).code).toBe(0);
    // A module hook records every module the fctl process loads.
    const hooks = join(work, 'hooks');
    mkdirSync(hooks, { recursive: true });
    writeFileSync(join(hooks, 'register.mjs'), "import { register } from 'node:module';\nregister(new URL('./hooks.mjs', import.meta.url), { data: process.env.LOADED_LOG });\n");
    writeFileSync(join(hooks, 'hooks.mjs'), "import { appendFileSync } from 'node:fs';\nlet log;\nexport function initialize(data) { log = data; }\nexport async function load(url, context, next) { appendFileSync(log, url + '\\n'); return next(url, context); }\n");
    const log = join(hooks, 'loaded.txt');
    const fctl = newFctl({ FCTL_REGISTRY: registry('github-releases', repo), LOADED_LOG: log, NODE_OPTIONS: `--import ${pathToFileURL(join(hooks, 'register.mjs')).href}` });
    await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    writeFileSync(log, '');
    const install = await fctl.run(['plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
    expect(install.code, install.stderr).toBe(0);
    const loaded = readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file:') && url.includes('/packages/core/dist/'));
    expect(loaded.some((url) => /\/chunks\/discovery-/.test(url)), 'the downloading code was loaded').toBe(true);
    expect(loaded.filter((url) => readFileSync(fileURLToPath(url), 'utf8').includes('octokit-core.js'))).toEqual([]);
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
    const installFrom = github.requests.length;
    const install = await fctl.run(['--debug', 'plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout + install.stderr).not.toContain(TOKEN);
    const downloads = github.requests.slice(installFrom);
    const storage = downloads.filter((r) => r.path.startsWith('/objects/'));
    expect(storage.length).toBeGreaterThan(0);
    expect(storage.every((r) => r.authorization === undefined && r.status === 200)).toBe(true);
    // Every other request of the install went to the API, each with the token.
    expect(downloads.filter((r) => !r.path.startsWith('/objects/')).every((r) => r.path.startsWith('/repos/formance/ledger-enterprise/releases/') && r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect((await fctl.run(['ledger', 'transactions', 'list'])).code).toBe(0);
  }, 120_000);
});
