// The generators on an in-memory Nx workspace (@nx/devkit's testing tree): what they write, the
// options they refuse before writing anything, and that running them again changes nothing.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { initGenerator, pluginGenerator, PluginGeneratorError } from '../src/generators.js';
import type { Tree } from '../src/devkit.js';
import { RELEASE_BACKENDS } from '../src/generators/plugin/generated/release-backends.js';

const repoRootDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const require = createRequire(join(repoRootDir, 'node_modules', '@changesets', 'cli', 'package.json'));
const { createTree, createTreeWithEmptyWorkspace } = createRequire(import.meta.url)('@nx/devkit/testing') as typeof import('@nx/devkit/testing');
const { readNxJson, readJson } = createRequire(import.meta.url)('@nx/devkit') as typeof import('@nx/devkit');

function snapshot(tree: Tree): Record<string, string> {
  return Object.fromEntries(tree.listChanges().map((change) => [change.path, change.content?.toString('utf8') ?? '']));
}

describe('init', () => {
  it('registers @fctl-kit/nx in nx.json once, and adds the dev dependencies', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree);
    await initGenerator(tree);
    expect(readNxJson(tree)?.plugins?.filter((p) => p === '@fctl-kit/nx')).toHaveLength(1);
    expect(readJson(tree, 'package.json').devDependencies).toMatchObject({ '@fctl-kit/nx': '0.1.0', '@fctl-kit/cli': '0.1.0', '@fctl-kit/plugin-sdk': '0.1.0', '@fctl-kit/core': '0.1.0', vitest: '^4.1.12', typescript: '^5.9.3' });
  });
});

describe('init in a plain repository', () => {
  it('initialises Nx: nx.json naming the plugin, and nx as a dev dependency', async () => {
    const tree = createTree();
    tree.write('package.json', JSON.stringify({ name: 'ledger', version: '3.2.0' }));
    await initGenerator(tree);
    expect(readJson(tree, 'nx.json')).toEqual({ $schema: './node_modules/nx/schemas/nx-schema.json', plugins: ['@fctl-kit/nx'] });
    expect(readJson(tree, 'package.json').devDependencies).toMatchObject({ nx: '^23.2.1', '@fctl-kit/nx': '0.1.0' });
    const first = snapshot(tree);
    await initGenerator(tree);
    expect(snapshot(tree)).toEqual(first);
  });
});

describe('plugin', () => {
  it('scaffolds cmd/fctl-plugin with the version source named in fctl-plugin.json, never a version', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('package.json', JSON.stringify({ name: 'ledger', version: '3.2.0' }));
    await pluginGenerator(tree, { name: 'ledger', versionSource: 'package-json', compatibleWith: '>=3.0.0 <4.0.0' });
    expect(readJson(tree, 'cmd/fctl-plugin/fctl-plugin.json')).toEqual({ name: 'ledger', service: 'ledger', version: { source: 'package-json', path: '../../package.json' } });
    for (const file of ['src/main.ts', 'src/plugin.ts', 'test/plugin.test.ts', 'package.json', 'tsconfig.json']) expect(tree.exists(`cmd/fctl-plugin/${file}`), file).toBe(true);
    const plugin = tree.read('cmd/fctl-plugin/src/plugin.ts', 'utf-8')!;
    expect(plugin).toContain("name: 'ledger',");
    expect(plugin).toContain("compatibleWith: '>=3.0.0 <4.0.0',");
    expect(plugin).toContain("{ header: 'SERVICE', jsonPath: '$.name' }");
    expect(plugin).not.toMatch(/3\.2\.0/);
    // The compatibility scenario runs the sample command on the lowest service version the plugin serves.
    const scenarios = tree.read('cmd/fctl-plugin/compat/scenarios.yaml', 'utf-8')!;
    expect(scenarios).toContain('      services: { ledger: 3.0.0 }');
    expect(scenarios).toContain('      output: |\n        SERVICE   VERSION\n        ledger    v3.0.0\n');
    expect(readNxJson(tree)?.plugins).toContain('@fctl-kit/nx');
  });

  it('is safe to run again with the same options', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'payments' });
    const first = snapshot(tree);
    await pluginGenerator(tree, { name: 'payments' });
    expect(snapshot(tree)).toEqual(first);
  });

  it.each([
    [{ name: 'Ledger_2' }, 'invalid options: cmd/fctl-plugin/fctl-plugin.json: name must use a-z, 0-9 and "-" (at most 63 characters, not starting with "-"); got "Ledger_2" (set by --name)'],
    [{ name: 'ledger', service: 'Ledger\u001b[2J' }, 'invalid options: cmd/fctl-plugin/fctl-plugin.json: service must use a-z, 0-9 and "-" (at most 63 characters, not starting with "-"); got "Ledger\\u001b[2J" (set by --service)'],
    [{ name: 'plugin' }, '"plugin" is a command of fctl itself and cannot be a plugin name'],
    [{ name: 'completion' }, '"completion" is a command of fctl itself and cannot be a plugin name'],
    [{ name: 'ledger', versionSource: 'svn' as never }, 'version.source must be one of git-tag, package-json, file; got "svn" (set by --versionSource)'],
    [{ name: 'ledger', versionSource: 'file' as const }, 'the version source VERSION does not exist in this repository'],
    [{ name: 'ledger', compatibleWith: '>=three' }, '--compatibleWith ">=three" is not a semver range'],
  ])('refuses %j before writing anything', async (options, message) => {
    const tree = createTreeWithEmptyWorkspace();
    const before = snapshot(tree);
    await expect(pluginGenerator(tree, options)).rejects.toThrow(message);
    await expect(pluginGenerator(tree, options)).rejects.toBeInstanceOf(PluginGeneratorError);
    expect(snapshot(tree)).toEqual(before);
  });

  it('refuses an existing directory that is not a plugin, and a plugin with other settings', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('cmd/fctl-plugin/README.md', 'something else');
    await expect(pluginGenerator(tree, { name: 'ledger' })).rejects.toThrow('cmd/fctl-plugin already exists and is not an fctl plugin: choose another --directory');
    await pluginGenerator(tree, { name: 'ledger', directory: 'tools/fctl' });
    await expect(pluginGenerator(tree, { name: 'ledger', directory: 'tools/fctl', service: 'ledger-v3' })).rejects.toThrow('tools/fctl/fctl-plugin.json exists with other settings');
  });
});

describe('plugin: changesets (package.json version source)', () => {
  function monorepo(): Tree {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('package.json', JSON.stringify({ name: 'acme', private: true, workspaces: ['services/*'] }));
    tree.write('services/ledger/package.json', JSON.stringify({ name: '@acme/ledger', version: '3.2.0' }));
    return tree;
  }
  const options = { name: 'ledger', directory: 'services/ledger/cmd/fctl-plugin', versionSource: 'package-json' as const };

  it('puts the service and the plugin in one fixed group, the plugin at the service version and in the workspaces', async () => {
    const tree = monorepo();
    await pluginGenerator(tree, options);
    expect(readJson(tree, 'services/ledger/cmd/fctl-plugin/package.json')).toMatchObject({ name: 'ledger-fctl-plugin', version: '3.2.0', private: true });
    expect(readJson(tree, 'package.json').workspaces).toEqual(['services/*', 'services/ledger/cmd/fctl-plugin']);
    expect(readJson(tree, '.changeset/config.json')).toMatchObject({ fixed: [['@acme/ledger', 'ledger-fctl-plugin']], privatePackages: { version: true, tag: true }, baseBranch: 'main' });
    const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(require.resolve('@changesets/config/schema.json'), 'utf8')));
    expect(validate(readJson(tree, '.changeset/config.json')), JSON.stringify(validate.errors)).toBe(true);
    expect(tree.exists('.changeset/README.md')).toBe(true);
    expect(readJson(tree, 'package.json').devDependencies).toMatchObject({ '@changesets/cli': '^2.31.0' });
    const first = snapshot(tree);
    await pluginGenerator(tree, options);
    expect(snapshot(tree)).toEqual(first);
  });

  it('joins an existing fixed group and keeps the rest of an existing configuration', async () => {
    const tree = monorepo();
    tree.write('.changeset/config.json', JSON.stringify({ changelog: false, baseBranch: 'develop', fixed: [['@acme/ledger', '@acme/ledger-sdk'], ['@acme/other']] }));
    await pluginGenerator(tree, options);
    expect(readJson(tree, '.changeset/config.json')).toEqual({
      changelog: false,
      baseBranch: 'develop',
      fixed: [['@acme/ledger', '@acme/ledger-sdk', 'ledger-fctl-plugin'], ['@acme/other']],
      privatePackages: { version: true, tag: true },
    });
  });

  it('leaves changesets alone when the service is the repository root, when asked to, or for other version sources', async () => {
    const root = createTreeWithEmptyWorkspace();
    root.write('package.json', JSON.stringify({ name: 'ledger', version: '3.2.0' }));
    await pluginGenerator(root, { name: 'ledger', versionSource: 'package-json' });
    expect(root.exists('.changeset/config.json')).toBe(false);
    expect(readJson(root, 'cmd/fctl-plugin/package.json').version).toBe('3.2.0');

    const skipped = monorepo();
    await pluginGenerator(skipped, { ...options, skipChangesets: true });
    expect(skipped.exists('.changeset/config.json')).toBe(false);

    const tagged = createTreeWithEmptyWorkspace();
    await pluginGenerator(tagged, { name: 'ledger' });
    expect(tagged.exists('.changeset/config.json')).toBe(false);
    expect(readJson(tagged, 'cmd/fctl-plugin/package.json').version).toBe('0.0.0');
  });
});

describe('plugin: GitHub Actions workflows', () => {
  type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; id?: string };
  type Workflow = { on: unknown; permissions: Record<string, string>; env?: Record<string, string>; jobs: Record<string, { 'runs-on': string; strategy?: { matrix: { os: string[] } }; defaults: { run: { shell: string } }; steps: Step[] }> };
  const workflows = (tree: Tree, name = 'ledger') => ({
    pr: YAML.parse(tree.read(`.github/workflows/fctl-plugin-${name}.yml`, 'utf-8')!) as Workflow,
    release: YAML.parse(tree.read(`.github/workflows/fctl-plugin-${name}-release.yml`, 'utf-8')!) as Workflow,
    releaseText: tree.read(`.github/workflows/fctl-plugin-${name}-release.yml`, 'utf-8')!,
  });
  /** The secrets the release's first step requires (it fails naming the missing ones). */
  const requiredSecrets = (workflow: Workflow) => Object.keys(workflow.jobs.release!.steps[0]!.env ?? {}).map((name) => name.replace(/^HAS_/, ''));
  const releaseStep = (workflow: Workflow) => workflow.jobs.release!.steps.find((step) => step.name === 'Release')!;
  const uses = (workflow: Workflow) => workflow.jobs.release!.steps.flatMap((step) => (step.uses ? [step.uses] : []));
  const gate = (workflow: Workflow) => workflow.jobs.compat!.steps.find((step) => step.id === 'gate')!;

  it("pull requests: the plugin's gate runs the build against the registry's supported cores as a matrix; its reports kept, the job failing on a ✗", async () => {
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'ledger', releaseBackend: 'url', releaseTo: 'site', releasePublicBase: 'https://acme.github.io/ledger', registryFile: 'registry.yaml' });
    const { pr } = workflows(tree);
    expect(pr.env).toEqual({ FCTL_KIT_SNAPSHOT: '1', FCTL_KIT_COMPAT_REGISTRY: 'registry.yaml', FCTL_KIT_COMPAT_CORES: 'supported' });
    expect(pr.permissions).toEqual({ contents: 'read' });
    const steps = pr.jobs.compat!.steps;
    const run = gate(pr).run!;
    expect(run).toContain('npx fctl-kit compat matrix --registry "$FCTL_KIT_COMPAT_REGISTRY" --cores "$FCTL_KIT_COMPAT_CORES" --plugin-build cmd/fctl-plugin/dist/release --plugin-dir cmd/fctl-plugin --out "$REPORTS" || status=$?');
    expect(run).toContain('cat "$REPORTS/matrix.md" >> "$GITHUB_STEP_SUMMARY"');
    // The registry file not committed yet (before the first release): the single-core gate.
    expect(run).toContain('! -f "$FCTL_KIT_COMPAT_REGISTRY"');
    expect(gate(pr).env).toEqual({ REPORTS: 'cmd/fctl-plugin/dist/compat-matrix' });
    const at = steps.indexOf(gate(pr));
    expect(steps[at - 1]).toMatchObject({ uses: 'actions/cache@v4', with: { path: '~/.cache/fctl-kit/compat-cells' } });
    expect(steps[at + 1]).toMatchObject({ uses: 'actions/upload-artifact@v4', with: { name: 'fctl-plugin-ledger-compat-${{ matrix.os }}', path: 'cmd/fctl-plugin/dist/compat-matrix' } });
    expect(steps.at(-1)).toMatchObject({ env: { STATUS: '${{ steps.gate.outputs.status }}' } });
    expect(steps.at(-1)!.run).toContain('exit 1');

    // A registry repository on github.com: its raw file; on another GitHub host: none (set it by hand, docs/ci.md).
    const repo = createTreeWithEmptyWorkspace();
    await pluginGenerator(repo, { name: 'ledger', releaseBackend: 'github-releases', releaseRepo: 'acme/ledger', registryRepo: 'acme/fctl-registry', registryPath: 'fctl/registry.yaml' });
    expect(workflows(repo).pr.env!.FCTL_KIT_COMPAT_REGISTRY).toBe('https://raw.githubusercontent.com/acme/fctl-registry/HEAD/fctl/registry.yaml');
    const enterprise = createTreeWithEmptyWorkspace();
    await pluginGenerator(enterprise, { name: 'ledger', releaseBackend: 'github-releases', releaseRepo: 'acme/ledger', registryRepo: 'acme/fctl-registry', registryApiUrl: 'https://github.example.com/api/v3' });
    expect(workflows(enterprise).pr.env!.FCTL_KIT_COMPAT_REGISTRY).toBe('');
  });

  it('writes a pull-request workflow and a release workflow for the tags the service is released with', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'wallets' });
    const checks = tree.read('.github/workflows/fctl-plugin-wallets.yml', 'utf-8')!;
    expect(checks).toContain('run: npx nx run wallets-fctl-plugin:verify-version');
    expect(checks).toContain('npx fctl-kit compat cmd/fctl-plugin --build-dir cmd/fctl-plugin/dist/release || status=$?');
    const release = tree.read('.github/workflows/fctl-plugin-wallets-release.yml', 'utf-8')!;
    expect(release).toContain("tags:\n      - v[0-9]+.[0-9]+.[0-9]+*");
    expect(release).toContain('run: npx nx run wallets-fctl-plugin:release');
    expect(release).toContain('FCTL_KIT_SIGNING_KEY: ${{ secrets.FCTL_KIT_SIGNING_KEY }}');

    const without = createTreeWithEmptyWorkspace();
    await pluginGenerator(without, { name: 'wallets', skipWorkflows: true });
    expect(without.exists('.github/workflows/fctl-plugin-wallets.yml')).toBe(false);
  });

  it('pull requests: snapshot versions, the checks on Linux, the compatibility gate on Linux, macOS and Windows in bash', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'ledger' });
    const { pr, release } = workflows(tree);
    // No registry to release to: no released cores to select, the gate runs the reference fctl.
    expect(pr.env).toEqual({ FCTL_KIT_SNAPSHOT: '1', FCTL_KIT_COMPAT_REGISTRY: '', FCTL_KIT_COMPAT_CORES: 'supported' });
    expect(pr.permissions).toEqual({ contents: 'read' });
    expect(pr.jobs.checks!['runs-on']).toBe('ubuntu-latest');
    expect(pr.jobs.compat!['runs-on']).toBe('${{ matrix.os }}');
    expect(pr.jobs.compat!.strategy!.matrix.os).toEqual(['ubuntu-latest', 'macos-latest', 'windows-latest']);
    expect(gate(pr).run).toContain('npx fctl-kit compat cmd/fctl-plugin --build-dir cmd/fctl-plugin/dist/release || status=$?');
    for (const job of Object.values(pr.jobs)) expect(job.defaults.run.shell).toBe('bash');
    // Tags reachable from HEAD need the history: every checkout fetches it.
    for (const job of [...Object.values(pr.jobs), ...Object.values(release.jobs)]) expect(job.steps.find((step) => step.uses === 'actions/checkout@v4')!.with).toEqual({ 'fetch-depth': 0 });
    // A release never runs on a snapshot version.
    expect(JSON.stringify(release)).not.toContain('FCTL_KIT_SNAPSHOT');
  });

  it('pull requests: checks builds every platform once and hands the build to each OS of the compatibility gate, which runs it without building', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'ledger', directory: 'services/ledger/fctl' });
    const { checks, compat } = workflows(tree).pr.jobs as Record<string, Workflow['jobs'][string] & { needs?: string }>;
    const upload = checks!.steps.at(-1)!;
    expect(upload).toEqual({
      name: 'Keep the build of every platform for the compatibility gate',
      uses: 'actions/upload-artifact@v4',
      with: { name: 'fctl-plugin-ledger-release', path: 'services/ledger/fctl/dist/release', 'if-no-files-found': 'error', 'retention-days': 3 },
    });
    // verify-version depends on build-all, which writes that directory.
    expect(checks!.steps.at(-2)!.run).toBe('npx nx run ledger-fctl-plugin:verify-version');
    expect(compat!.needs).toBe('checks');
    const names = compat!.steps.map((step) => step.uses ?? step.run ?? '');
    const download = compat!.steps.find((step) => step.uses === 'actions/download-artifact@v4')!;
    expect(download.with).toEqual({ name: 'fctl-plugin-ledger-release', path: 'services/ledger/fctl/dist/release' });
    expect(names.indexOf('npm ci')).toBeLessThan(names.indexOf('actions/download-artifact@v4'));
    const restore = compat!.steps[names.indexOf('actions/download-artifact@v4') + 1]!;
    expect(restore.env).toEqual({ RELEASE_DIR: 'services/ledger/fctl/dist/release', BINARIES: 'fctl-plugin-ledger-' });
    expect(restore.run).toContain('sha256sum --check checksums.txt');
    expect(restore.run).toContain('chmod +x "$binary"');
    expect(gate(workflows(tree).pr).run).toContain('npx fctl-kit compat services/ledger/fctl --build-dir services/ledger/fctl/dist/release || status=$?');
    // Nothing is built there: no Nx target, no Node runtimes to embed.
    expect(names.filter((name) => name.includes(' nx '))).toEqual([]);
    expect(JSON.stringify(compat)).not.toContain('fctl-kit-runtimes-');
  });

  // Each release configuration: the permissions (least privilege), the secrets it refuses to run
  // without, the logins, and the token the release step gets.
  it.each([
    ['no release section', {}, { contents: 'read' }, ['FCTL_KIT_SIGNING_KEY'], [], {}],
    ['url to an http(s) server accepting PUT', { releaseBackend: 'url', releaseTo: 'https://upload.example.com/fctl' }, { contents: 'read' }, ['FCTL_KIT_SIGNING_KEY'], [], {}],
    ['url to a directory served from a public base, registry file', { releaseBackend: 'url', releaseTo: 'site/plugins', releasePublicBase: 'https://acme.github.io/ledger/plugins', registryFile: 'registry.yaml' }, { contents: 'write' }, ['FCTL_KIT_SIGNING_KEY'], [], {}],
    ['oci on ghcr.io', { releaseBackend: 'oci', releaseTo: 'ghcr.io/acme/fctl-ledger' }, { contents: 'read', packages: 'write' }, ['FCTL_KIT_SIGNING_KEY'], ['docker/login-action@v3'], {}],
    ['oci on another registry', { releaseBackend: 'oci', releaseTo: 'registry.example.com:5000/fctl/ledger' }, { contents: 'read' }, ['FCTL_KIT_SIGNING_KEY', 'FCTL_OCI_USERNAME', 'FCTL_OCI_PASSWORD'], ['docker/login-action@v3'], {}],
    ['github-releases of this repository', { releaseBackend: 'github-releases', releaseRepo: 'acme/ledger' }, { contents: 'write' }, ['FCTL_KIT_SIGNING_KEY'], [], { GITHUB_TOKEN: '${{ github.token }}' }],
    ['github-releases of another repository', { releaseBackend: 'github-releases', releaseRepo: 'acme/ledger-plugins' }, { contents: 'read' }, ['FCTL_KIT_SIGNING_KEY', 'FCTL_RELEASE_TOKEN'], [], { GITHUB_TOKEN: '${{ secrets.FCTL_RELEASE_TOKEN }}' }],
    ['private-releases here, registry pull request here', { releaseBackend: 'private-releases', releaseRepo: 'acme/ledger', registryRepo: 'ACME/Ledger', registryPath: 'fctl/registry.yaml' }, { contents: 'write', 'pull-requests': 'write' }, ['FCTL_KIT_SIGNING_KEY'], [], { GITHUB_TOKEN: '${{ github.token }}' }],
    ['github-releases here, registry pull request in another repository', { releaseBackend: 'github-releases', releaseRepo: 'acme/ledger', registryRepo: 'acme/fctl-registry' }, { contents: 'read' }, ['FCTL_KIT_SIGNING_KEY', 'FCTL_RELEASE_TOKEN'], [], { GITHUB_TOKEN: '${{ secrets.FCTL_RELEASE_TOKEN }}' }],
    ['s3, registry file', { releaseBackend: 's3', releaseBucket: 'acme-fctl', releaseRegion: 'eu-west-1', registryFile: 'registry.yaml' }, { contents: 'write' }, ['FCTL_KIT_SIGNING_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'], [], { AWS_ACCESS_KEY_ID: '${{ secrets.AWS_ACCESS_KEY_ID }}', AWS_SECRET_ACCESS_KEY: '${{ secrets.AWS_SECRET_ACCESS_KEY }}' }],
  ] as const)('release with %s', async (_, options, permissions, secrets, logins, env) => {
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'ledger', repository: 'acme/ledger', ...options });
    const { release, releaseText } = workflows(tree);
    expect(release.permissions).toEqual(permissions);
    expect(requiredSecrets(release)).toEqual(secrets);
    expect(uses(release).filter((action) => action.startsWith('docker/'))).toEqual(logins);
    expect(releaseStep(release).env).toEqual({ FCTL_KIT_SIGNING_KEY: '${{ secrets.FCTL_KIT_SIGNING_KEY }}', ...env });
    // No token silently standing in for another (github.token cannot open a pull request elsewhere).
    expect(releaseText).not.toMatch(/\$\{\{[^}]*\|\|/);
    // The first step fails naming each missing secret.
    for (const secret of secrets) expect(release.jobs.release!.steps[0]!.run).toContain(`[ "$HAS_${secret}" = true ] || missing="$missing ${secret}"`);
  });

  it('logs in to ghcr.io with the workflow token, and to another OCI registry with the secrets, before releasing', async () => {
    const ghcr = createTreeWithEmptyWorkspace();
    await pluginGenerator(ghcr, { name: 'ledger', repository: 'acme/ledger', releaseBackend: 'oci', releaseTo: 'ghcr.io/acme/fctl-ledger' });
    const steps = workflows(ghcr).release.jobs.release!.steps;
    const login = steps.findIndex((step) => step.uses === 'docker/login-action@v3');
    expect(steps[login]!.with).toEqual({ registry: 'ghcr.io', username: '${{ github.actor }}', password: '${{ github.token }}' });
    expect(login).toBeLessThan(steps.findIndex((step) => step.name === 'Release'));
    // The workflow token pushes only to packages of this repository's owner: the first step checks it.
    expect(steps[0]!.run).toContain("!= 'acme' ]");

    const other = createTreeWithEmptyWorkspace();
    await pluginGenerator(other, { name: 'ledger', releaseBackend: 'oci', releaseTo: 'registry.example.com:5000/fctl/ledger' });
    expect(workflows(other).release.jobs.release!.steps.find((step) => step.uses === 'docker/login-action@v3')!.with).toEqual({ registry: 'registry.example.com:5000', username: '${{ secrets.FCTL_OCI_USERNAME }}', password: '${{ secrets.FCTL_OCI_PASSWORD }}' });
  });

  it('treats GitHub repositories as another one when this repository is not known, and reads it from the origin remote', async () => {
    const unknown = createTreeWithEmptyWorkspace();
    await pluginGenerator(unknown, { name: 'ledger', releaseBackend: 'github-releases', releaseRepo: 'acme/ledger' });
    expect(requiredSecrets(workflows(unknown).release)).toContain('FCTL_RELEASE_TOKEN');

    const cloned = createTreeWithEmptyWorkspace();
    cloned.write('.git/config', '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:Acme/ledger.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n');
    await pluginGenerator(cloned, { name: 'ledger', releaseBackend: 'github-releases', releaseRepo: 'acme/ledger', registryRepo: 'acme/ledger' });
    const { release } = workflows(cloned);
    expect(release.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    expect(requiredSecrets(release)).toEqual(['FCTL_KIT_SIGNING_KEY']);
    // The permissions assume that repository: elsewhere the first step stops with a message.
    expect(release.jobs.release!.steps[0]!.run).toContain(`if [ "$(printf '%s' "$GITHUB_REPOSITORY" | tr '[:upper:]' '[:lower:]')" != 'acme/ledger' ]; then`);
    await expect(pluginGenerator(createTreeWithEmptyWorkspace(), { name: 'ledger', repository: 'ledger' })).rejects.toThrow('--repository must be owner/name; got "ledger"');
  });

  it('url to a directory: the release keeps it on a branch for a static host, and commits the registry file', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'ledger', releaseBackend: 'url', releaseTo: 'site/plugins', releasePublicBase: 'https://acme.github.io/ledger/plugins', registryFile: 'registry.yaml' });
    const steps = workflows(tree).release.jobs.release!.steps;
    const names = steps.map((step) => step.name ?? step.run ?? step.uses);
    const at = (name: string) => names.findIndex((n) => n?.startsWith(name));
    expect(at('The published site (branch fctl-plugin-ledger-site) in site/plugins')).toBeLessThan(at('Release'));
    expect(at('Release')).toBeLessThan(at('Push the published site to fctl-plugin-ledger-site'));
    expect(at('Push the published site')).toBeLessThan(at('Commit registry.yaml to the default branch'));
    expect(steps[at('Commit registry.yaml')]!.env).toMatchObject({ REGISTRY_FILE: 'registry.yaml', BRANCH: '${{ github.event.repository.default_branch }}' });
    expect(readJson(tree, 'cmd/fctl-plugin/fctl-plugin.json').release.backends).toEqual([{ backend: 'url', to: '../../site/plugins', publicBase: 'https://acme.github.io/ledger/plugins' }]);
    // The published directory is never committed to the main branch.
    expect(tree.read('.gitignore', 'utf-8')).toContain('/site/plugins\n');
  });

  it.each([
    ['npm (package-lock.json)', { 'package-lock.json': '{}' }, 'npm ci', 'npx nx', 'package-lock.json'],
    ['npm (nothing says otherwise)', {}, 'npm ci', 'npx nx', 'package-lock.json'],
    ['pnpm (pnpm-lock.yaml)', { 'pnpm-lock.yaml': "lockfileVersion: '9.0'\n" }, 'pnpm install --frozen-lockfile', 'pnpm exec nx', 'pnpm-lock.yaml'],
    ['pnpm (packageManager)', { 'package.json': JSON.stringify({ name: 'acme', packageManager: 'pnpm@9.15.0' }) }, 'pnpm install --frozen-lockfile', 'pnpm exec nx', 'pnpm-lock.yaml'],
    ['yarn 1 (yarn.lock)', { 'yarn.lock': '# THIS IS AN AUTOGENERATED FILE.\n# yarn lockfile v1\n' }, 'yarn install --frozen-lockfile', 'yarn nx', 'yarn.lock'],
    ['yarn 4 (packageManager, over a stray package-lock.json)', { 'package.json': JSON.stringify({ name: 'acme', packageManager: 'yarn@4.5.0' }), 'package-lock.json': '{}' }, 'yarn install --immutable', 'yarn nx', 'yarn.lock'],
    ['yarn 4 (yarn.lock with __metadata)', { 'yarn.lock': '__metadata:\n  version: 8\n' }, 'yarn install --immutable', 'yarn nx', 'yarn.lock'],
  ] as const)('uses the package manager of the repository: %s', async (_, files, install, nx, lockfile) => {
    const tree = createTreeWithEmptyWorkspace();
    for (const [file, content] of Object.entries(files)) tree.write(file, content);
    await pluginGenerator(tree, { name: 'ledger', skipPackageJson: true });
    const { pr, release } = workflows(tree);
    for (const steps of [pr.jobs.checks!.steps, pr.jobs.compat!.steps, release.jobs.release!.steps]) {
      const runs = steps.flatMap((step) => (step.run ? [step.run] : []));
      expect(runs).toContain(install);
      for (const run of runs.filter((r) => r.includes(' run ledger-fctl-plugin:'))) expect(run.startsWith(`${nx} run `), run).toBe(true);
      const compatLines = runs.flatMap((r) => r.split('\n')).filter((line) => line.includes('fctl-kit compat')).map((line) => line.trim());
      for (const line of compatLines) expect(line.startsWith(`${nx.replace(/ nx$/, '')} fctl-kit compat `), line).toBe(true);
      for (const other of ['npm ci', 'pnpm install --frozen-lockfile', 'yarn install --immutable', 'yarn install --frozen-lockfile'].filter((i) => i !== install)) expect(runs).not.toContain(other);
      const caches = steps.filter((step) => step.uses === 'actions/cache@v4' || step.uses === 'actions/setup-node@v4');
      const keyed = JSON.stringify(caches);
      if (install === 'npm ci') expect(caches.find((step) => step.uses === 'actions/setup-node@v4')!.with).toMatchObject({ cache: 'npm' });
      else {
        expect(keyed).toContain(`hashFiles('${lockfile}')`);
        expect(runs.find((run) => run.startsWith('corepack enable'))).toBeDefined();
      }
      // The Node runtimes' cache (where binaries are built) is keyed per OS by the lockfile, which pins @fctl-kit/cli.
      if (steps !== pr.jobs.compat!.steps) expect(keyed).toContain(`fctl-kit-runtimes-\${{ runner.os }}-\${{ hashFiles('${lockfile}') }}`);
    }
  });

  it('re-running with the same options changes nothing, and .gitignore gets the build output once', async () => {
    const tree = createTreeWithEmptyWorkspace();
    const options = { name: 'ledger', repository: 'acme/ledger', releaseBackend: 'oci', releaseTo: 'ghcr.io/acme/fctl-ledger', registryRepo: 'acme/fctl-registry' };
    await pluginGenerator(tree, options);
    expect(tree.read('.gitignore', 'utf-8')).toBe('# fctl plugin ledger: build output (nx g @fctl-kit/nx:plugin)\n/cmd/fctl-plugin/dist\n');
    const first = snapshot(tree);
    await pluginGenerator(tree, options);
    expect(snapshot(tree)).toEqual(first);

    const existing = createTreeWithEmptyWorkspace();
    existing.write('.gitignore', 'node_modules\n/tmp');
    await pluginGenerator(existing, { name: 'ledger', directory: 'tools/fctl' });
    expect(existing.read('.gitignore', 'utf-8')).toBe('node_modules\n/tmp\n\n# fctl plugin ledger: build output (nx g @fctl-kit/nx:plugin)\n/tools/fctl/dist\n');
    const already = createTreeWithEmptyWorkspace();
    already.write('.gitignore', 'cmd/fctl-plugin/dist/\n');
    await pluginGenerator(already, { name: 'ledger' });
    expect(already.read('.gitignore', 'utf-8')).toBe('cmd/fctl-plugin/dist/\n');
  });
});

describe('plugin: paths stay inside the repository, and no file:// URL reaches a registry', () => {
  it.each([
    [{ directory: '../elsewhere/cmd' }, '--directory "../elsewhere/cmd" is outside the repository: give a path inside it'],
    [{ directory: '/etc/fctl' }, '--directory "/etc/fctl" is outside the repository (/virtual): give a path inside it'],
    [{ directory: 'cmd/../..' }, '--directory "cmd/../.." is outside the repository'],
    [{ versionSource: 'file' as const, versionPath: '../../../VERSION' }, '--versionPath "../../../VERSION" is outside the repository (it is read from cmd/fctl-plugin): give a path inside it'],
    [{ releaseBackend: 'url', releaseTo: '../site', releasePublicBase: 'https://dl.example.com' }, '--releaseTo "../site" is outside the repository: give a path inside it'],
    [{ releaseBackend: 'url', releaseTo: '/srv/www/fctl', releasePublicBase: 'https://dl.example.com' }, '--releaseTo "/srv/www/fctl" is outside the repository (/virtual)'],
    [{ releaseBackend: 'url', releaseTo: 'file:///srv/www/fctl' }, '--releaseTo "file:///srv/www/fctl": a file:// URL would be recorded in the registry'],
    [{ releaseBackend: 'url', releaseTo: 'site', releasePublicBase: 'file:///srv/www' }, '--releasePublicBase "file:///srv/www": a file:// URL would be recorded in the registry'],
    [{ releaseBackend: 'url', releaseTo: 'ftp://dl.example.com/fctl' }, '--releaseTo "ftp://dl.example.com/fctl": the url backend publishes to a directory or an http(s) URL'],
    [{ releaseBackend: 'url', releaseTo: 'site', registryFile: 'registry.yaml' }, '--releaseTo "site" is a directory: the registry would record its file:// path on the machine that released, and in CI it is lost with the runner. Pass --releasePublicBase'],
    [{ releaseBackend: 'url', releaseTo: 'site' }, '--releaseTo "site" is a directory'],
    [{ releaseBackend: 'oci', releaseTo: 'r.example.com/fctl/ledger', registryFile: '../registry.yaml' }, '--registryFile "../registry.yaml" is outside the repository'],
    [{ releaseBackend: 'oci', releaseTo: 'r.example.com/fctl/ledger', registryFile: '/tmp/registry.yaml' }, '--registryFile "/tmp/registry.yaml" is outside the repository (/virtual)'],
    [{ releaseBackend: 'oci', releaseTo: 'r.example.com/fctl/ledger', registryRepo: 'acme/registry', registryPath: '../registry.yaml' }, '--registryPath "../registry.yaml" must be a path inside the registry repository'],
    [{ releaseBackend: 's3', releaseBucket: 'b', releasePublicBase: 'file:///mnt/cdn' }, '--releasePublicBase "file:///mnt/cdn": a file:// URL would be recorded in the registry'],
  ])('refuses %j before writing anything, naming the option', async (options, message) => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('VERSION', '1.0.0\n');
    const before = snapshot(tree);
    await expect(pluginGenerator(tree, { name: 'ledger', ...options })).rejects.toThrow(message);
    await expect(pluginGenerator(tree, { name: 'ledger', ...options })).rejects.toBeInstanceOf(PluginGeneratorError);
    expect(snapshot(tree)).toEqual(before);
  });

  it('accepts an absolute path inside the workspace, written from the plugin directory; a url directory without a public base only with no registry and no workflows', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'ledger', releaseBackend: 'url', releaseTo: `${tree.root}/site/plugins`, releasePublicBase: 'https://dl.example.com/fctl', registryFile: `${tree.root}/registry.yaml` });
    expect(readJson(tree, 'cmd/fctl-plugin/fctl-plugin.json').release).toEqual({ backends: [{ backend: 'url', to: '../../site/plugins', publicBase: 'https://dl.example.com/fctl' }], registry: { file: '../../registry.yaml' } });
    const local = createTreeWithEmptyWorkspace();
    await pluginGenerator(local, { name: 'ledger', releaseBackend: 'url', releaseTo: 'bundle', skipWorkflows: true });
    expect(readJson(local, 'cmd/fctl-plugin/fctl-plugin.json').release).toEqual({ backends: [{ backend: 'url', to: '../../bundle' }] });
  });
});

describe('plugin: the release section', () => {
  it('writes where the release target publishes and registers, paths relative to the plugin, and starts the registry file', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'ledger', releaseBackend: 'url', releaseTo: 'dist/plugins', releasePublicBase: 'https://dl.example.com/fctl', registryFile: 'registry.yaml' });
    expect(readJson(tree, 'cmd/fctl-plugin/fctl-plugin.json').release).toEqual({ backends: [{ backend: 'url', to: '../../dist/plugins', publicBase: 'https://dl.example.com/fctl' }], registry: { file: '../../registry.yaml' } });
    expect(tree.read('registry.yaml', 'utf-8')).toContain('plugins: {}\n');

    const github = createTreeWithEmptyWorkspace();
    await pluginGenerator(github, { name: 'ledger', releaseBackend: 'github-releases', releaseRepo: 'acme/ledger', registryRepo: 'acme/fctl-registry' });
    expect(readJson(github, 'cmd/fctl-plugin/fctl-plugin.json').release).toEqual({
      backends: [{ backend: 'github-releases', repo: 'acme/ledger' }],
      registry: { github: { repo: 'acme/fctl-registry', path: 'registry.yaml' } },
    });
  });

  it('has one option per field of any backend: each writes its field, paths from the plugin directory only where the backend says so', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'ledger', releaseBackend: 'url', releaseTo: 'dist/site', releasePublicBase: 'https://dl.example.com/fctl' });
    expect(readJson(tree, 'cmd/fctl-plugin/fctl-plugin.json').release.backends).toEqual([{ backend: 'url', to: '../../dist/site', publicBase: 'https://dl.example.com/fctl' }]);
    const put = createTreeWithEmptyWorkspace();
    await pluginGenerator(put, { name: 'ledger', releaseBackend: 'url', releaseTo: 'https://upload.example.com/fctl' });
    expect(readJson(put, 'cmd/fctl-plugin/fctl-plugin.json').release.backends).toEqual([{ backend: 'url', to: 'https://upload.example.com/fctl' }]);
    const oci = createTreeWithEmptyWorkspace();
    await pluginGenerator(oci, { name: 'ledger', releaseBackend: 'oci', releaseTo: 'registry.example.com/fctl/ledger' });
    expect(readJson(oci, 'cmd/fctl-plugin/fctl-plugin.json').release.backends).toEqual([{ backend: 'oci', to: 'registry.example.com/fctl/ledger' }]);
    const ghe = createTreeWithEmptyWorkspace();
    await pluginGenerator(ghe, { name: 'ledger', releaseBackend: 'private-releases', releaseRepo: 'acme/ledger', releaseApiUrl: 'https://ghe.example.com/api/v3' });
    expect(readJson(ghe, 'cmd/fctl-plugin/fctl-plugin.json').release.backends).toEqual([{ backend: 'private-releases', repo: 'acme/ledger', apiUrl: 'https://ghe.example.com/api/v3' }]);
    const options = JSON.parse(readFileSync(join(repoRootDir, 'packages', 'nx', 'src', 'generators', 'plugin', 'schema.json'), 'utf8')).properties;
    for (const option of Object.values(RELEASE_BACKENDS).flat()) expect(options[option.option], option.option).toMatchObject({ type: 'string' });
  });

  it.each([
    [{ registryFile: 'registry.yaml' }, '--releaseBackend is needed to write a release section'],
    [{ releaseApiUrl: 'https://ghe.example.com/api/v3' }, '--releaseBackend is needed to write a release section'],
    [{ releaseBackend: 'url' as const }, 'invalid options: cmd/fctl-plugin/fctl-plugin.json: release.backends[0].to is missing (set by --releaseTo)'],
    [{ releaseBackend: 'oci' as const, releaseTo: ' ' }, 'release.backends[0].to must be a non-empty string; got " " (set by --releaseTo)'],
    [{ releaseBackend: 'github-releases' as const, releaseRepo: 'ledger' }, 'release.backends[0].repo must be owner/name; got "ledger" (set by --releaseRepo)'],
    [{ releaseBackend: 'private-releases' as const }, 'release.backends[0].repo is missing (set by --releaseRepo)'],
    [{ releaseBackend: 'github-releases' as const, releaseRepo: 'acme/ledger', releaseTo: 'dist' }, 'release.backends[0] has unknown setting "to" (known: backend, repo, apiUrl) (--releaseTo does not apply to --releaseBackend github-releases)'],
    [{ releaseBackend: 'ftp', releaseTo: 'x' }, `release.backends[0].backend must be one of ${Object.keys(RELEASE_BACKENDS).join(', ')}; got "ftp" (set by --releaseBackend)`],
    [{ releaseBackend: 'oci', releaseTo: 'r.example.com/fctl/ledger', releasePublicBase: 'https://dl.example.com' }, 'release.backends[0] has unknown setting "publicBase" (known: backend, to) (--releasePublicBase does not apply to --releaseBackend oci)'],
    [{ releaseBackend: 'url' as const, releaseTo: 'https://dl.example.com', registryRepo: 'acme' }, 'release.registry.github.repo must be owner/name; got "acme" (set by --registryRepo)'],
    [{ releaseBackend: 'oci' as const, releaseTo: 'r.example.com/fctl/ledger', registryFile: 'r.yaml', registryRepo: 'a/b' }, '--registryFile and --registryRepo both name the registry: choose one'],
  ])('refuses %j before writing anything', async (options, message) => {
    const tree = createTreeWithEmptyWorkspace();
    const before = snapshot(tree);
    await expect(pluginGenerator(tree, { name: 'ledger', ...options })).rejects.toThrow(message);
    expect(snapshot(tree)).toEqual(before);
  });
});

describe('plugin: the options schema', () => {
  // Nx checks the options with schema.json before the generator runs; its lists must be those of the
  // fctl-plugin.json schema the generator validates with (the one place they are defined).
  it('offers exactly the backends and version sources the fctl-plugin.json schema accepts', () => {
    const options = JSON.parse(readFileSync(join(repoRootDir, 'packages', 'nx', 'src', 'generators', 'plugin', 'schema.json'), 'utf8'));
    const file = JSON.parse(readFileSync(join(repoRootDir, 'packages', 'plugin-config', 'schema', 'fctl-plugin.schema.json'), 'utf8'));
    const tagsOf = (union: { oneOf: { properties: Record<string, { const?: string; enum?: string[] }> }[] }, tag: string) =>
      union.oneOf.flatMap((variant) => variant.properties[tag]!.const ?? variant.properties[tag]!.enum ?? []);
    expect(options.properties.releaseBackend.enum).toEqual(tagsOf(file.properties.release.properties.backends.items, 'backend'));
    expect(options.properties.releaseBackend.enum).toEqual(Object.keys(RELEASE_BACKENDS));
    expect(options.properties.versionSource.enum).toEqual(tagsOf(file.properties.version, 'source'));
  });
});
