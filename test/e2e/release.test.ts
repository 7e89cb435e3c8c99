// `fctl-kit release`: from a product repository's fctl-plugin.json "release" section - verify the
// version, build (signed), publish to a url backend and GitHub releases (the emulator), register in
// a registry file or by a pull request to a registry repository; fctl then discovers the release.
// Re-running changes nothing; each way the version rule can break is refused before any upload.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '@fctl-kit/artifacts';
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
  published: Array<{ backend: string; location: string; steps: Array<{ action: string }> }>;
  registry: { changed: boolean; file?: string; pullRequest?: { number: number; url: string; created: boolean } };
}

async function release(args: string[] = []): Promise<ExecResult> {
  const result = await runFctlKit(['release', 'cmd/fctl-plugin', '--signing-key', 'release.key', ...args], { cwd: product, env: { GITHUB_TOKEN: TOKEN, FCTL_KIT_GITHUB_RETRIES: '0' } });
  expect(result.stdout + result.stderr).not.toContain(TOKEN);
  return result;
}

function configure(registry: unknown): void {
  const config = { name: 'ledger', service: 'ledger', version: { source: 'package-json', path: '../../package.json' } };
  const backends = [{ backend: 'url', to: '../../site' }, { backend: 'github-releases', repo: 'acme/ledger', apiUrl: github.url }];
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
  writeFileSync(join(product, '.gitignore'), 'node_modules\ndist\nsite\nrelease.key\n');
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
  it('--dry-run builds and checks everything, and uploads and writes nothing', async () => {
    const registry = readFileSync(registryFile(), 'utf8');
    const dry = await release(['--targets', 'host', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const summary = JSON.parse(dry.stdout) as Summary & { dryRun: boolean };
    expect(summary).toMatchObject({ dryRun: true, registry: { file: registryFile(), changed: true } });
    expect(dry.stderr).toContain(`would register ledger 3.2.0 in ${registryFile()}`);
    expect(readFileSync(registryFile(), 'utf8')).toBe(registry);
    expect(existsSync(join(product, 'site'))).toBe(false);
    expect(github.repositories.get('acme/ledger')!.releases).toEqual([]);
  }, 120_000);

  it('builds, signs, publishes to every backend and registers in a registry file; fctl discovers it; a re-run changes nothing', async () => {
    // GitHub fails: the url backend is still published, nothing is registered, a re-run finishes.
    github.faults.push({ method: 'POST', path: /^\/repos\/acme\/ledger\/releases$/, status: 500 });
    const failed = await release(['--targets', 'host']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('publishing failed, so nothing was registered:\n  - github-releases acme/ledger: creating the draft release v3.2.0: GitHub answered 500');
    expect(failed.stderr).toContain('Run the release again to finish it');
    expect(existsSync(join(product, 'site', 'ledger', '3.2.0', 'checksums.txt.sig'))).toBe(true);
    expect(readFileSync(registryFile(), 'utf8')).toBe('# plugins of the acme stack\nplugins: {}\n');

    const first = await release(['--targets', 'host']);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as Summary;
    expect(summary).toMatchObject({ version: '3.2.0', buildDir: join(plugin, 'dist', 'release'), registry: { file: registryFile(), changed: true } });
    expect(summary.published.map((p) => p.backend)).toEqual(['url', 'github-releases']);
    expect(summary.published[0]!.steps.every((step) => step.action === 'skip')).toBe(true);
    expect(first.stderr).toContain(`registered ledger 3.2.0 in ${registryFile()}`);

    const registry = readFileSync(registryFile(), 'utf8');
    expect(registry.startsWith('# plugins of the acme stack\n')).toBe(true);
    const entry = parse(registry).plugins.ledger;
    expect(entry).toMatchObject({ distribution: 'url', url: expect.stringMatching(/^file:\/\/.*\/site\/\{name\}\/\{version\}\/\{file\}$/), publicKey: keys.publicKey });
    expect(entry.versions).toEqual({ '3.2.0': { compatibleWith: '>=3.0.0 <4.0.0', checksumsSha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const githubRelease = github.repositories.get('acme/ledger')!.releases;
    expect(githubRelease.map((r) => [r.tag, r.draft])).toEqual([['v3.2.0', false]]);

    const fctl = newFctl({ FCTL_REGISTRY: registryFile() });
    await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    const installed = await fctl.run(['plugin', 'install', 'ledger']);
    expect(installed.stderr).toContain('Plugin "ledger" installed (version: 3.2.0, compatible with >=3.0.0 <4.0.0).');
    const ran = await fctl.run(['ledger', 'accounts', 'list', '-o', 'json']);
    expect(ran.code, ran.stderr).toBe(0);

    const again = await release(['--targets', 'host']);
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as Summary;
    expect(second.published.flatMap((p) => p.steps.map((s) => s.action))).toEqual(expect.arrayContaining(['skip']));
    expect(second.published.flatMap((p) => p.steps).filter((s) => s.action !== 'skip')).toEqual([]);
    expect(second.registry.changed).toBe(false);
    expect(readFileSync(registryFile(), 'utf8')).toBe(registry);
    expect(github.repositories.get('acme/ledger')!.releases).toHaveLength(1);
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
      expect(result.stderr).toContain('plugin version = service version is broken:\n  - the release tag is 3.1.0 (git tag v3.1.0), but the service version is 3.2.0');
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
    expect(result.stderr).toContain(`the built plugin reports 3.2.1 (${join(edited, 'manifest.json')}), but the service version is 3.2.0`);
    expect(uploads()).toBe(before);
  });

  it('a registry that already has this version with other content', async () => {
    const registered = readFileSync(registryFile(), 'utf8');
    writeFileSync(registryFile(), registered.replace(/checksumsSha256: [0-9a-f]{64}/, `checksumsSha256: ${'a'.repeat(64)}`));
    try {
      const before = uploads();
      const result = await release(['--build-dir', 'cmd/fctl-plugin/dist/release']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('plugins.ledger.versions.3.2.0 is already registered with another checksumsSha256: released versions are immutable (release a new version)');
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
      expect(elsewhere.stderr).toContain(`${registryFile()} fetches ledger from oci (registry.example.com/fctl/ledger), but release.backends does not publish there`);
      expect(existsSync(join(product, 'dist', 'elsewhere'))).toBe(false);

      writeFileSync(registryFile(), `plugins:\n  ledger:\n    distribution: url\n    url: https://dl.example.com/{name}/{version}/{file}\n    publicKey: |\n${generateSigningKey().publicKey.trim().split('\n').map((l) => `      ${l}`).join('\n')}\n    versions: {}\n`);
      const otherKey = await release(['--out', 'dist/other-key']);
      expect(otherKey.code).toBe(1);
      expect(otherKey.stderr).toContain(`the signing key is not the one ${registryFile()} expects for ledger (its publicKey differs): fctl would refuse this release`);
    } finally {
      writeFileSync(registryFile(), registered);
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
