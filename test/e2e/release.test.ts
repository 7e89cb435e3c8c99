// `fctl-kit release`: from a product repository's fctl-plugin.json "release" section - verify the
// version, build (signed), publish to a url backend and GitHub releases (the emulator), register in
// a registry file or by a pull request to a registry repository; fctl then discovers the release.
// Re-running changes nothing; each way the version rule can break is refused before any upload.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, parseChecksums } from '@fctl-kit/artifacts';
import { fctlKit as runFctlKit, type ExecResult } from '../support/exec.js';
import { newFctl } from '../support/fctl.js';
import { GithubEmulator } from '../support/github-emulator.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { examplePluginDir, repoRoot } from '../support/paths.js';

const TOKEN = 'ghp_releaseTokenThatMustNeverBePrinted00001';
const keys = generateSigningKey();
let product: string;
let plugin: string;
let github: GithubEmulator;
let ledger: RunningLedger;

interface Summary {
  version: string;
  buildDir: string;
  published: Array<{ backend: string; location: string; actions: Array<{ action: string }> }>;
  registry: { changed: boolean; file?: string; pullRequest?: { number: number; url: string; created: boolean } };
  steps: Array<{ name: string; status: string; summary: string; durationMs: number }>;
}

async function release(args: string[] = []): Promise<ExecResult> {
  const result = await runFctlKit(['release', 'cmd/fctl-plugin', '--signing-key', 'release.key', ...args], { cwd: product, env: { GITHUB_TOKEN: TOKEN, FCTL_KIT_GITHUB_RETRIES: '0' } });
  expect(result.stdout + result.stderr).not.toContain(TOKEN);
  return result;
}

function configure(registry: unknown, mirrors: unknown[] = []): void {
  const config = { name: 'ledger', service: 'ledger', version: { source: 'package-json', path: '../../package.json' } };
  const backends = [{ backend: 'url', to: '../../site' }, { backend: 'github-releases', repo: 'acme/ledger', apiUrl: github.url }, ...mirrors];
  writeFileSync(join(plugin, 'fctl-plugin.json'), JSON.stringify({ ...config, release: { backends, registry } }, null, 2));
}
const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: product, stdio: 'pipe' });
const registryFile = () => join(product, 'registry.yaml');

beforeAll(async () => {
  product = mkdtempSync(join(tmpdir(), 'release-'));
  plugin = join(product, 'cmd', 'fctl-plugin');
  cpSync(examplePluginDir, plugin, { recursive: true, filter: (path) => !/[\\/](dist|node_modules)$/.test(path) });
  symlinkSync(join(repoRoot, 'node_modules'), join(product, 'node_modules'));
  writeFileSync(join(product, 'package.json'), JSON.stringify({ name: 'ledger', version: '3.2.0', private: true }));
  writeFileSync(join(product, 'release.key'), keys.privateKey);
  writeFileSync(join(product, '.gitignore'), 'node_modules\ndist\nsite\nmirror\nrelease.key\n');
  writeFileSync(registryFile(), '# plugins of the acme stack\nplugins: {}\n');
  github = await new GithubEmulator(TOKEN).start();
  github.addRepository('acme/ledger');
  github.addRepository('acme/fctl-registry', { files: { 'registry.yaml': 'plugins: {}\n' }, defaultBranch: 'trunk' });
  configure({ file: '../../registry.yaml' });
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'ledger 3.2.0');
  ledger = await startLedger('3.2.0');
}, 60_000);
afterEach(() => {
  expect(github.schemaErrors).toEqual([]);
});
afterAll(async () => {
  await Promise.all([github?.stop(), ledger?.stop()]);
  if (product) rmSync(product, { recursive: true, force: true });
});

describe('fctl-kit release', () => {
  const STEPS = ['verify-version', 'check-registry', 'build', 'verify-build', 'publish', 'register'];
  const writes = () => github.requests.filter((r) => r.method !== 'GET').length;
  const siteSource = () => ({ backend: 'url', url: `${pathToFileURL(join(product, 'site')).href}/{name}/{version}/{file}` });
  const githubSource = () => ({ backend: 'github-releases', repo: 'acme/ledger', githubUrl: github.url });

  it('--dry-run prints every step\'s plan, builds nothing, uploads and writes nothing', async () => {
    const registry = readFileSync(registryFile(), 'utf8');
    const before = writes();
    const dry = await release(['--targets', 'host', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const summary = JSON.parse(dry.stdout) as Summary & { dryRun: boolean };
    expect(summary).toMatchObject({ dryRun: true, version: '3.2.0', published: [] });
    expect(summary.steps.map((s) => [s.name, s.status])).toEqual(STEPS.map((name) => [name, 'planned']));
    for (const step of summary.steps) expect(step.durationMs).toBeGreaterThanOrEqual(0);
    for (const name of STEPS) expect(dry.stderr).toContain(`release step ${name}: would run (`);
    expect(summary.steps[2]!.summary.startsWith('build ledger 3.2.0 for ')).toBe(true);
    expect(summary.steps[2]!.summary.endsWith(` into ${join(plugin, 'dist', 'release')}, signed (not built on a dry run)`)).toBe(true);
    // Before a build exists, a dry run cannot say what each backend would upload: it says so, and names them.
    expect(dry.stderr).toContain("what each uploads is planned once the build exists (give --build-dir for each backend's exact plan)\n");
    expect(dry.stderr).toContain(`\n  url ${join(product, 'site')}\n  github-releases acme/ledger\n`);
    expect(dry.stderr).toContain(`${registryFile()} does not list ledger yet`);
    expect(existsSync(join(plugin, 'dist'))).toBe(false);
    expect(existsSync(join(product, 'site'))).toBe(false);
    expect(readFileSync(registryFile(), 'utf8')).toBe(registry);
    expect(writes()).toBe(before);
    expect(github.repositories.get('acme/ledger')!.releases).toEqual([]);
  }, 120_000);

  it('builds, publishes to both backends and registers both sources in order; fctl falls back to the second when the first is gone; a re-run skips everything', async () => {
    // GitHub fails: the url backend is still published, nothing is registered, a re-run finishes.
    github.faults.push({ method: 'POST', path: /^\/repos\/acme\/ledger\/releases$/, status: 500 });
    const failed = await release(['--targets', 'host']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/release step build: done \(\d+\.\d s\): built into /);
    expect(failed.stderr).toContain('release step publish: publishing failed, so nothing was registered:\n  - github-releases acme/ledger: creating the draft release v3.2.0: GitHub answered 500');
    expect(failed.stderr).toContain('Run the release again to finish it');
    expect(failed.stderr).not.toContain('release step register');
    expect(existsSync(join(product, 'site', 'ledger', '3.2.0', 'checksums.txt.sig'))).toBe(true);
    expect(readFileSync(registryFile(), 'utf8')).toBe('# plugins of the acme stack\nplugins: {}\n');

    const first = await release(['--build-dir', 'cmd/fctl-plugin/dist/release']);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as Summary;
    expect(summary).toMatchObject({ version: '3.2.0', buildDir: join(plugin, 'dist', 'release'), registry: { file: registryFile(), changed: true } });
    expect(summary.steps.map((s) => [s.name, s.status])).toEqual([['verify-version', 'done'], ['check-registry', 'done'], ['build', 'skipped'], ['verify-build', 'done'], ['publish', 'done'], ['register', 'done']]);
    expect(summary.steps[2]!.summary).toBe(`--build-dir: releasing the build in ${join(plugin, 'dist', 'release')}`);
    for (const step of summary.steps) expect(typeof step.durationMs).toBe('number');
    expect(summary.published.map((p) => p.backend)).toEqual(['url', 'github-releases']);
    expect(summary.published[0]!.actions.every((action) => action.action === 'skip')).toBe(true);
    expect(first.stderr).toContain(`registered ledger 3.2.0 in ${registryFile()}`);

    const registry = readFileSync(registryFile(), 'utf8');
    expect(registry.startsWith('# plugins of the acme stack\n')).toBe(true);
    const entry = parse(registry).plugins.ledger;
    // Where the files are is per version: no plugin-level distribution fields, only the key.
    // The protocol versions the built plugin speaks (the SDK: 1 and 2), read from its bundle.
    expect(entry).toEqual({
      publicKey: keys.publicKey,
      versions: { '3.2.0': { compatibleWith: '>=3.0.0 <4.0.0', checksumsSha256: expect.stringMatching(/^[0-9a-f]{64}$/), protocolVersions: [1, 2], sources: [siteSource(), githubSource()] } },
    });
    expect(registry).toContain('        protocolVersions: [ 1, 2 ]\n');
    expect(summary.steps[3]!.summary).toMatch(/, speaks protocol 1, 2, 3 compat scenario\(s\) in scenarios\.yaml$/);
    expect(github.repositories.get('acme/ledger')!.releases.map((r) => [r.tag, r.draft])).toEqual([['v3.2.0', false]]);
    // The compat scenarios are a release file: the plugin's own, listed in checksums.txt (which the
    // registry pins and the key signs), published by both backends with the same bytes.
    const scenarios = readFileSync(join(plugin, 'compat', 'scenarios.yaml'));
    const published = readFileSync(join(product, 'site', 'ledger', '3.2.0', 'scenarios.yaml'));
    expect(published.equals(scenarios)).toBe(true);
    const checksums = readFileSync(join(product, 'site', 'ledger', '3.2.0', 'checksums.txt'), 'utf8');
    expect(parseChecksums(checksums).get('scenarios.yaml')).toBe(createHash('sha256').update(scenarios).digest('hex'));
    expect(createHash('sha256').update(checksums).digest('hex')).toBe(entry.versions['3.2.0'].checksumsSha256);
    const asset = github.repositories.get('acme/ledger')!.releases[0]!.assets.find((a) => a.name === 'scenarios.yaml');
    expect(asset?.bytes.equals(scenarios)).toBe(true);

    const fctl = newFctl({ FCTL_REGISTRY: registryFile() });
    await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    const installed = await fctl.run(['plugin', 'install', 'ledger']);
    expect(installed.stderr).toContain('Plugin "ledger" installed (version: 3.2.0, compatible with >=3.0.0 <4.0.0).');
    expect((await fctl.run(['ledger', 'accounts', 'list', '-o', 'json'])).code).toBe(0);

    const before = writes();
    const again = await release(['--build-dir', 'cmd/fctl-plugin/dist/release']);
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as Summary;
    expect(second.steps.filter((s) => ['build', 'publish', 'register'].includes(s.name)).map((s) => s.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(second.published.flatMap((p) => p.actions).filter((a) => a.action !== 'skip')).toEqual([]);
    expect(second.registry.changed).toBe(false);
    expect(readFileSync(registryFile(), 'utf8')).toBe(registry);
    expect(writes()).toBe(before);

    // The first source is gone: a new fctl installs from the second (GitHub), the pin holding.
    rmSync(join(product, 'site', 'ledger'), { recursive: true });
    const fallback = newFctl({ FCTL_REGISTRY: registryFile(), FCTL_DOWNLOAD_RETRIES: '0' });
    await fallback.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    const seen = github.requests.length;
    const fromGithub = await fallback.run(['plugin', 'install', 'ledger']);
    expect(fromGithub.stderr).toContain('Plugin "ledger" installed (version: 3.2.0, compatible with >=3.0.0 <4.0.0).');
    const downloads = github.requests.slice(seen).filter((r) => r.method === 'GET' && r.path.startsWith('/acme/ledger/releases/download/v3.2.0/'));
    expect(downloads.map((r) => r.path)).toEqual(expect.arrayContaining(['/acme/ledger/releases/download/v3.2.0/checksums.txt', '/acme/ledger/releases/download/v3.2.0/checksums.txt.sig']));
    const ran = await fallback.run(['ledger', 'accounts', 'list', '-o', 'json']);
    expect(ran.code, ran.stderr).toBe(0);
  }, 300_000);

  it('a mirror added to release.backends: the dry run plans its uploads and the source it appends; the re-run appends it', async () => {
    configure({ file: '../../registry.yaml' }, [{ backend: 'url', to: '../../mirror' }]);
    try {
      const registered = readFileSync(registryFile(), 'utf8');
      const mirrorSource = { backend: 'url', url: `${pathToFileURL(join(product, 'mirror')).href}/{name}/{version}/{file}` };
      const dry = await release(['--build-dir', 'cmd/fctl-plugin/dist/release', '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      const plan = JSON.parse(dry.stdout) as Summary;
      expect(plan.steps.map((s) => [s.name, s.status])).toEqual([['verify-version', 'planned'], ['check-registry', 'planned'], ['build', 'skipped'], ['verify-build', 'planned'], ['publish', 'planned'], ['register', 'planned']]);
      // With a build, each backend's exact plan: the mirror's files to upload, GitHub's already there.
      expect(plan.published.map((p) => [p.backend, p.location])).toEqual([['url', join(product, 'site', 'ledger', '3.2.0')], ['github-releases', expect.any(String)], ['url', join(product, 'mirror', 'ledger', '3.2.0')]]);
      expect(plan.published[1]!.actions.every((a) => a.action === 'skip')).toBe(true);
      expect(plan.published[2]!.actions.some((a) => a.action === 'upload')).toBe(true);
      expect(dry.stderr).toContain(`would publish to ${join(product, 'mirror', 'ledger', '3.2.0')} (url)`);
      expect(dry.stderr).toMatch(/\n {4}upload {2}checksums\.txt/);
      expect(dry.stderr).toContain(`would register ledger 3.2.0 in ${registryFile()} (sources: url (${siteSource().url}), github-releases (acme/ledger, ${github.url}), url (${mirrorSource.url}))`);
      expect(plan.registry).toEqual({ file: registryFile(), changed: true });
      expect(existsSync(join(product, 'mirror'))).toBe(false);
      expect(readFileSync(registryFile(), 'utf8')).toBe(registered);

      const run = await release(['--build-dir', 'cmd/fctl-plugin/dist/release']);
      expect(run.code, run.stderr).toBe(0);
      expect(existsSync(join(product, 'mirror', 'ledger', '3.2.0', 'checksums.txt.sig'))).toBe(true);
      const entry = parse(readFileSync(registryFile(), 'utf8')).plugins.ledger.versions['3.2.0'];
      expect(entry.sources).toEqual([siteSource(), githubSource(), mirrorSource]);
      expect(entry.checksumsSha256).toBe(parse(registered).plugins.ledger.versions['3.2.0'].checksumsSha256);
    } finally {
      configure({ file: '../../registry.yaml' });
    }
  }, 180_000);

  it('opens a pull request to a registry repository; a re-run finds it and duplicates nothing', async () => {
    configure({ github: { repo: 'acme/fctl-registry', path: 'registry.yaml', apiUrl: github.url } });
    try {
      const first = await release(['--build-dir', 'cmd/fctl-plugin/dist/release']);
      expect(first.code, first.stderr).toBe(0);
      const summary = JSON.parse(first.stdout) as Summary;
      expect(summary.registry).toEqual({ repo: 'acme/fctl-registry', path: 'registry.yaml', changed: true, pullRequest: { number: 1, url: `${github.url}/acme/fctl-registry/pull/1`, created: true } });
      expect(first.stderr).toContain(`opened pull request ${github.url}/acme/fctl-registry/pull/1`);
      expect(github.fileOn('acme/fctl-registry', 'trunk', 'registry.yaml')).toBe('plugins: {}\n');
      const proposed = parse(github.fileOn('acme/fctl-registry', 'fctl-kit/ledger-3.2.0', 'registry.yaml')!);
      expect(Object.keys(proposed.plugins.ledger.versions)).toEqual(['3.2.0']);
      // No "base" configured: the pull request targets the repository's default branch.
      expect(github.repositories.get('acme/fctl-registry')!.pulls).toMatchObject([{ title: 'ledger 3.2.0', head: 'fctl-kit/ledger-3.2.0', base: 'trunk' }]);

      const again = await release(['--build-dir', 'cmd/fctl-plugin/dist/release']);
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout) as Summary).registry).toMatchObject({ changed: false, pullRequest: { number: 1, created: false } });
      expect(github.repositories.get('acme/fctl-registry')!.pulls).toHaveLength(1);
    } finally {
      configure({ file: '../../registry.yaml' });
    }
  }, 120_000);
});

describe('fctl-kit release refuses, before uploading anything', () => {
  const uploads = () => github.requests.filter((r) => r.method !== 'GET').length;

  it('a release tag that is not the service version', async () => {
    git('tag', 'v3.1.0');
    try {
      const before = uploads();
      const result = await release(['--out', 'dist/tagged']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('release step verify-version: plugin version = service version is broken:\n  - the release tag is 3.1.0 (git tag v3.1.0), but the service version is 3.2.0');
      expect(existsSync(join(product, 'dist', 'tagged'))).toBe(false);
      expect(uploads()).toBe(before);
    } finally {
      git('tag', '-d', 'v3.1.0');
    }
  });

  it('a build whose version was edited by hand', async () => {
    const edited = join(product, 'dist', 'edited');
    cpSync(join(plugin, 'dist', 'release'), edited, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(edited, 'manifest.json'), 'utf8'));
    writeFileSync(join(edited, 'manifest.json'), JSON.stringify({ ...manifest, version: '3.2.1' }));
    const before = uploads();
    const result = await release(['--build-dir', 'dist/edited']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('release step verify-build: plugin version = service version is broken');
    expect(result.stderr).toContain(`the built plugin reports 3.2.1 (${join(edited, 'manifest.json')}), but the service version is 3.2.0`);
    expect(uploads()).toBe(before);
  });

  it('a build whose scenarios are not the plugin\'s: refused at verify-build', async () => {
    const source = join(plugin, 'compat', 'scenarios.yaml');
    const original = readFileSync(source);
    writeFileSync(source, `${original.toString('utf8')}# edited after the build\n`);
    try {
      const before = uploads();
      const result = await release(['--build-dir', 'cmd/fctl-plugin/dist/release']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`release step verify-build: ${join(plugin, 'dist', 'release', 'scenarios.yaml')} differs from ${source}: the build is not of these sources (rebuild it)`);
      expect(result.stderr).not.toContain('release step publish');
      expect(uploads()).toBe(before);
    } finally {
      writeFileSync(source, original);
    }
  });

  it('a registry that already has this version with other content', async () => {
    const registered = readFileSync(registryFile(), 'utf8');
    writeFileSync(registryFile(), registered.replace(/checksumsSha256: [0-9a-f]{64}/, `checksumsSha256: ${'a'.repeat(64)}`));
    try {
      const before = uploads();
      const result = await release(['--build-dir', 'cmd/fctl-plugin/dist/release']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('release step verify-build: plugins.ledger.versions.3.2.0 is already registered with another checksumsSha256: released versions are immutable (release a new version)');
      expect(uploads()).toBe(before);
    } finally {
      writeFileSync(registryFile(), registered);
    }
  });

  it('a registry that fetches the plugin from a backend the release does not publish to, or expects another signing key', async () => {
    const registered = readFileSync(registryFile(), 'utf8');
    try {
      writeFileSync(registryFile(), 'plugins:\n  ledger:\n    distribution: oci\n    oci: registry.example.com/fctl/ledger\n    versions: {}\n');
      const elsewhere = await release(['--out', 'dist/elsewhere']);
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.stderr).toContain(`release step check-registry: ${registryFile()} fetches ledger from oci (registry.example.com/fctl/ledger), but release.backends does not publish there`);
      expect(existsSync(join(product, 'dist', 'elsewhere'))).toBe(false);

      // Registered versions' own sources count: the same kinds, other places (an attacker's repository, another directory).
      writeFileSync(registryFile(), `plugins:\n  ledger:\n    versions:\n      3.1.0:\n        compatibleWith: ">=3.0.0 <4.0.0"\n        sources:\n          - { backend: github-releases, repo: evil/ledger, githubUrl: "${github.url}" }\n          - { backend: url, url: "file:///srv/other/{name}/{version}/{file}" }\n`);
      const otherPlaces = await release(['--out', 'dist/elsewhere']);
      expect(otherPlaces.code).toBe(1);
      expect(otherPlaces.stderr).toContain(`release step check-registry: ${registryFile()} fetches ledger from github-releases (evil/ledger, ${github.url}), url (file:///srv/other/{name}/{version}/{file}), but release.backends does not publish there`);
      expect(existsSync(join(product, 'dist', 'elsewhere'))).toBe(false);

      writeFileSync(registryFile(), `plugins:\n  ledger:\n    distribution: url\n    url: ${pathToFileURL(join(product, 'site')).href}/{name}/{version}/{file}\n    publicKey: |\n${generateSigningKey().publicKey.trim().split('\n').map((l) => `      ${l}`).join('\n')}\n    versions: {}\n`);
      const otherKey = await release(['--out', 'dist/other-key']);
      expect(otherKey.code).toBe(1);
      expect(otherKey.stderr).toContain(`the signing key is not the one ${registryFile()} expects for ledger (its publicKey differs): fctl would refuse this release`);
    } finally {
      writeFileSync(registryFile(), registered);
    }
  });

  it('a compatibleWith range outside the version itself: the dry run refuses it from the source, before any build', async () => {
    const source = join(plugin, 'src', 'plugin.ts');
    const written = readFileSync(source, 'utf8');
    writeFileSync(source, written.replace("compatibleWith: '>=3.0.0 <4.0.0'", "compatibleWith: '>=3.0.0 <3.2.0'"));
    try {
      const registry = readFileSync(registryFile(), 'utf8');
      const dry = await release(['--out', 'dist/outside', '--dry-run']);
      expect(dry.code).toBe(1);
      expect(dry.stderr).toContain(
        `release step check-registry: ledger 3.2.0 with compatibleWith ">=3.0.0 <3.2.0" is refused (against ${registryFile()}):\n  - ledger 3.2.0 is outside its own compatibleWith ">=3.0.0 <3.2.0": stacks on 3.2.0 would get no version, and stacks on 3.0.0 to below 3.2.0 would get 3.2.0 (no version serves them now)`,
      );
      expect(dry.stderr).not.toContain('release step build');
      expect(existsSync(join(product, 'dist', 'outside'))).toBe(false);
      expect(readFileSync(registryFile(), 'utf8')).toBe(registry);
    } finally {
      writeFileSync(source, written);
    }
  });

  it('a built range that would give stacks past a higher registered version this one: refused at verify-build', async () => {
    const registered = readFileSync(registryFile(), 'utf8');
    const source = join(plugin, 'src', 'plugin.ts');
    const written = readFileSync(source, 'utf8');
    // Not a literal: only the built manifest says the range, and verify-build judges it.
    writeFileSync(source, written.replace("compatibleWith: '>=3.0.0 <4.0.0'", 'compatibleWith: RANGE').replace('export const plugin', "const RANGE = '>=3.0.0 <4.0.0';\nexport const plugin"));
    const site = `${pathToFileURL(join(product, 'site')).href}/{name}/{version}/{file}`;
    writeFileSync(registryFile(), `plugins:\n  ledger:\n    versions:\n      3.5.0:\n        compatibleWith: ">=3.5.0 <3.6.0"\n        sources:\n          - { backend: url, url: "${site}" }\n`);
    try {
      const before = uploads();
      const result = await release(['--build-dir', 'cmd/fctl-plugin/dist/release']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('release step check-registry: done');
      expect(result.stderr).toContain(
        `release step verify-build: ledger 3.2.0 with compatibleWith ">=3.0.0 <4.0.0" is refused (against ${registryFile()}):\n  - stacks on 3.6.0 to 3.x would get 3.2.0 (no version serves them now), though 3.5.0, a higher version, stops below them (compatibleWith ">=3.5.0 <3.6.0")`,
      );
      expect(result.stderr).not.toContain('release step publish');
      expect(uploads()).toBe(before);
      expect(readFileSync(registryFile(), 'utf8')).toContain('3.5.0');
      expect(readFileSync(registryFile(), 'utf8')).not.toContain('3.2.0');
    } finally {
      writeFileSync(source, written);
      writeFileSync(registryFile(), registered);
    }
  });

  it('a dry run where a backend would refuse fails as the real run would, naming the step, and writes nothing', async () => {
    const manifest = join(product, 'site', 'ledger', '3.2.0', 'manifest.json');
    const published = readFileSync(manifest);
    writeFileSync(manifest, Buffer.concat([published, Buffer.from(' ')]));
    try {
      const registry = readFileSync(registryFile(), 'utf8');
      const before = uploads();
      const dry = await release(['--build-dir', 'cmd/fctl-plugin/dist/release', '--dry-run']);
      expect(dry.code).toBe(1);
      expect(dry.stderr).toContain(`release step publish: publishing failed, so nothing was registered:\n  - url ${join(product, 'site')}: `);
      expect(dry.stderr).toContain('already exists with other bytes');
      expect(dry.stderr).not.toContain('release step register');
      expect(uploads()).toBe(before);
      expect(readFileSync(registryFile(), 'utf8')).toBe(registry);
    } finally {
      writeFileSync(manifest, published);
    }
  });

  it('a missing or misspelt release configuration', async () => {
    const config = readFileSync(join(plugin, 'fctl-plugin.json'), 'utf8');
    try {
      const { release: _, ...withoutRelease } = JSON.parse(config);
      writeFileSync(join(plugin, 'fctl-plugin.json'), JSON.stringify(withoutRelease));
      const missing = await release();
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`${join(plugin, 'fctl-plugin.json')} has no "release" section`);

      const misspelt = JSON.parse(config);
      misspelt.release.backends[0].publicbase = 'https://x';
      writeFileSync(join(plugin, 'fctl-plugin.json'), JSON.stringify(misspelt));
      const typo = await release();
      expect(typo.code).toBe(1);
      expect(typo.stderr).toContain(`release.backends[0] has unknown setting "publicbase" (known: backend, to, publicBase)`);
    } finally {
      writeFileSync(join(plugin, 'fctl-plugin.json'), config);
    }
  });
});
