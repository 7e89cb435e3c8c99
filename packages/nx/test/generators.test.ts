// The generators on an in-memory Nx workspace (@nx/devkit's testing tree): what they write, the
// options they refuse before writing anything, and that running them again changes nothing.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
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
  it('writes a pull-request workflow and a release workflow for the tags the service is released with', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'wallets' });
    const checks = tree.read('.github/workflows/fctl-plugin-wallets.yml', 'utf-8')!;
    expect(checks).toContain('run: npx nx run wallets-fctl-plugin:verify-version');
    expect(checks).toContain('run: npx nx run wallets-fctl-plugin:compat');
    const release = tree.read('.github/workflows/fctl-plugin-wallets-release.yml', 'utf-8')!;
    expect(release).toContain("tags:\n      - 'v[0-9]+.[0-9]+.[0-9]+*'");
    expect(release).toContain('run: npx nx run wallets-fctl-plugin:release');
    expect(release).toContain('FCTL_KIT_SIGNING_KEY: ${{ secrets.FCTL_KIT_SIGNING_KEY }}');

    const without = createTreeWithEmptyWorkspace();
    await pluginGenerator(without, { name: 'wallets', skipWorkflows: true });
    expect(without.exists('.github/workflows/fctl-plugin-wallets.yml')).toBe(false);
  });
});

describe('plugin: the release section', () => {
  it('writes where the release target publishes and registers, paths relative to the plugin, and starts the registry file', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await pluginGenerator(tree, { name: 'ledger', releaseBackend: 'url', releaseTo: 'dist/plugins', registryFile: 'registry.yaml' });
    expect(readJson(tree, 'cmd/fctl-plugin/fctl-plugin.json').release).toEqual({ backends: [{ backend: 'url', to: '../../dist/plugins' }], registry: { file: '../../registry.yaml' } });
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
    [{ releaseBackend: 'url' as const, releaseTo: 'dist', registryRepo: 'acme' }, 'release.registry.github.repo must be owner/name; got "acme" (set by --registryRepo)'],
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
