// `nx g @fctl-kit/nx:plugin <name>`: scaffolds cmd/fctl-plugin (entry point, one sample command with
// a display schema, tests with the SDK's helpers, fctl-plugin.json naming the service, where its
// version comes from and, if asked, where it is released), the GitHub Actions workflows, and the
// changesets fixed group. Options are checked before anything is written; re-running with the same
// options changes nothing.
import { isAbsolute, join, posix, relative } from 'node:path';
import { parsePluginConfig, RESERVED_COMMAND_NAMES, type PluginConfig } from '@fctl-kit/plugin-config';
import semver from 'semver';
import { devkit, packageRoot, type Tree } from '../../devkit.js';
import { initGenerator, KIT_VERSION } from '../init/generator.js';
import { CHANGESETS_CLI_VERSION, configureChangesets } from './changesets.js';
import { PluginGeneratorError } from './errors.js';
import { ignoreInGit } from './gitignore.js';
import { GO_SDK_MODULE, GO_SDK_VERSION, goModulePath, requireGoSdk } from './go-module.js';
import { detectPackageManager } from './package-manager.js';
import { RELEASE_OPTIONS, releaseSection } from './release-section.js';
import { thisRepository } from './this-repository.js';
import { pullRequestWorkflow, releaseWorkflow } from './workflows.js';
import { insideRepository, insideWorkspace } from './workspace-paths.js';

export { PluginGeneratorError };

export interface PluginOptions {
  name: string;
  /** typescript (default), or go: a Go plugin in the product's Go module (a go.mod at the repository root). */
  language?: 'typescript' | 'go';
  /** go: the Go SDK's module path (default the kit's) ... */
  goSdkModule?: string;
  /** ... the version required (default the kit's version, vX.Y.Z) ... */
  goSdkVersion?: string;
  /** ... and a local directory replacing it (from the repository root), e.g. a checkout of the SDK. */
  goSdkReplace?: string;
  /** Not through Nx (`fctl-kit generate plugin`): no nx.json, no dev dependencies, no workflows (they run Nx targets). */
  withoutNx?: boolean;
  service?: string;
  directory?: string;
  versionSource?: 'git-tag' | 'package-json' | 'file';
  versionPath?: string;
  compatibleWith?: string;
  description?: string;
  /** Do not add dev dependencies to package.json (and so no install). */
  skipPackageJson?: boolean;
  /** package-json source: no changesets fixed group. */
  skipChangesets?: boolean;
  /** No GitHub Actions workflows. */
  skipWorkflows?: boolean;
  /** The "release" section: where `nx run <plugin>:release` publishes (a backend's kind) ... */
  releaseBackend?: string;
  /** ... with release<Field> setting the field of that backend's config (schema.json lists them, generated from the backends: releaseTo, releaseRepo...). */
  [releaseField: `release${string}`]: string | undefined;
  /** ... and where it registers the version: a registry file (from the workspace root; created if missing) ... */
  registryFile?: string;
  /** ... or a pull request to this registry repository (owner/name) ... */
  registryRepo?: string;
  /** ... changing this file there (default registry.yaml). */
  registryPath?: string;
  /** ... through this GitHub Enterprise REST API URL. */
  registryApiUrl?: string;
  /** This repository on GitHub, owner/name (default: the origin remote): what the workflows' own token can write to. */
  repository?: string;
}

/** The options with every path checked to be inside the repository (and the registry path inside the registry repository). */
function checkedPaths(tree: Tree, options: PluginOptions): PluginOptions {
  const checked = { ...options };
  if (options.directory !== undefined) {
    checked.directory = insideWorkspace('directory', options.directory, tree.root);
    if (checked.directory === '.') throw new PluginGeneratorError('--directory must name a directory below the repository root, like cmd/fctl-plugin');
  }
  if (options.versionPath !== undefined) insideWorkspace('versionPath', options.versionPath, tree.root, checked.directory ?? 'cmd/fctl-plugin');
  if (options.goSdkReplace !== undefined) {
    if (options.language !== 'go') throw new PluginGeneratorError('--goSdkReplace applies to --language go');
    // A sibling checkout (../fctl-plugin-kit/sdk/go) is outside the repository, which go.mod allows.
    if (/^[a-z][a-z0-9+.-]*:/i.test(options.goSdkReplace)) throw new PluginGeneratorError(`--goSdkReplace ${JSON.stringify(options.goSdkReplace)} must be a directory`);
  }
  if (options.language !== undefined && options.language !== 'go' && options.language !== 'typescript') throw new PluginGeneratorError(`--language ${JSON.stringify(options.language)}: typescript or go`);
  if (options.registryFile !== undefined) checked.registryFile = insideWorkspace('registryFile', options.registryFile, tree.root);
  if (options.registryPath !== undefined) checked.registryPath = insideRepository('registryPath', options.registryPath);
  for (const { option, path } of RELEASE_OPTIONS) {
    const value = options[option];
    if (value === undefined) continue;
    if (/^file:/i.test(value)) throw new PluginGeneratorError(`--${option} ${JSON.stringify(value)}: a file:// URL would be recorded in the registry, where nobody else can read it; give an http(s) URL${path ? ' or a directory inside the repository' : ''}`);
    const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
    if (path && options.releaseBackend === 'url' && !isUrl) checked[option] = insideWorkspace(option, value, tree.root);
  }
  if (options.releaseBackend === 'url' && options.releaseTo !== undefined) {
    const to = options.releaseTo;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(to) && !/^https?:\/\//i.test(to)) throw new PluginGeneratorError(`--releaseTo ${JSON.stringify(to)}: the url backend publishes to a directory or an http(s) URL`);
    const publicBase = options.releasePublicBase;
    if (publicBase !== undefined && !/^https?:\/\//i.test(publicBase)) throw new PluginGeneratorError(`--releasePublicBase ${JSON.stringify(publicBase)} must be the http(s) URL the directory is served from`);
    if (!/^https?:\/\//i.test(to) && publicBase === undefined && (options.registryFile || options.registryRepo || !options.skipWorkflows)) {
      throw new PluginGeneratorError(
        `--releaseTo ${JSON.stringify(to)} is a directory: the registry would record its file:// path on the machine that released, and in CI it is lost with the runner. ` +
          'Pass --releasePublicBase <the https URL it is served from> (the release workflow keeps the directory on a branch for a static host such as GitHub Pages: docs/ci.md), or publish to an http(s) URL accepting PUT',
      );
    }
  }
  return checked;
}


/** The option that sets each place of fctl-plugin.json, named in the generator's errors. */
const OPTION_OF: Record<string, string> = {
  name: '--name',
  service: '--service',
  'version.source': '--versionSource',
  'version.path': '--versionPath',
  'release.backends[0].backend': '--releaseBackend',
  ...Object.fromEntries(RELEASE_OPTIONS.map(({ field, option }) => [`release.backends[0].${field}`, `--${option}`])),
  'release.registry.file': '--registryFile',
  'release.registry.github.repo': '--registryRepo',
  'release.registry.github.path': '--registryPath',
  'release.registry.github.apiUrl': '--registryApiUrl',
};
const OPTION_OF_BACKEND_SETTING: Record<string, string> = Object.fromEntries(RELEASE_OPTIONS.map(({ field, option }) => [field, `--${option}`]));

/** fctl-plugin.json as the options make it, checked by its schema (the one `fctl-kit release` reads it with). */
function pluginConfigText(config: Record<string, unknown>, path: string, options: PluginOptions): string {
  const text = `${JSON.stringify(config, null, 2)}\n`;
  try {
    parsePluginConfig(text, path);
  } catch (error) {
    const message = (error as Error).message;
    const detail = message.startsWith(`${path}: `) ? message.slice(path.length + 2) : message;
    const unknown = OPTION_OF_BACKEND_SETTING[/^release\.backends\[0\] has unknown setting "(\w+)"/.exec(detail)?.[1] ?? ''];
    const option = OPTION_OF[detail.slice(0, detail.indexOf(' '))];
    const hint = unknown ? ` (${unknown} does not apply to --releaseBackend ${options.releaseBackend})` : option ? ` (set by ${option})` : '';
    throw new PluginGeneratorError(`invalid options: ${message}${hint}`);
  }
  return text;
}

function normalise(tree: Tree, options: PluginOptions) {
  if (RESERVED_COMMAND_NAMES.includes(options.name)) throw new PluginGeneratorError(`"${options.name}" is a command of fctl itself and cannot be a plugin name`);
  const source = options.versionSource ?? 'git-tag';
  const directory = options.directory ?? 'cmd/fctl-plugin';
  const versionPath = source === 'git-tag' ? undefined : (options.versionPath ?? (source === 'package-json' ? '../../package.json' : '../../VERSION'));
  const version = source === 'git-tag' ? { source } : { source, path: versionPath! };
  const service = options.service ?? options.name;
  const release = releaseSection(options, directory);
  const language = options.language ?? 'typescript';
  const config = pluginConfigText({ name: options.name, service, ...(language === 'go' ? { language } : {}), version, ...(release ? { release } : {}) }, devkit.joinPathFragments(directory, 'fctl-plugin.json'), options);
  const versionFile = versionPath ? devkit.joinPathFragments(directory, versionPath) : undefined;
  if (versionFile && !tree.exists(versionFile)) throw new PluginGeneratorError(`the version source ${versionFile} does not exist in this repository (pass --versionPath, or --versionSource git-tag)`);
  // With a package.json source, the plugin package carries the service version (they are released together).
  const pluginVersion = source === 'package-json' ? (devkit.readJson<{ version?: string }>(tree, versionFile!).version ?? '0.0.0') : '0.0.0';
  const compatibleWith = options.compatibleWith ?? '*';
  const range = semver.validRange(compatibleWith);
  if (range === null) throw new PluginGeneratorError(`--compatibleWith ${JSON.stringify(compatibleWith)} is not a semver range`);
  // The generated compatibility scenario runs against a stack on the lowest version the plugin serves.
  const scenarioVersion = semver.minVersion(range)?.version ?? '0.0.0';
  return { directory, service, language, config, source, versionFile, pluginVersion, scenarioVersion, name: options.name, compatibleWith, description: options.description ?? `${service} commands` };
}

/** The tags a release runs from: vX.Y.Z, or <service package>@X.Y.Z where changesets tags the service. */
function releaseTagPattern(tree: Tree, o: { source: string; versionFile?: string }): string {
  if (o.source !== 'package-json' || devkit.normalizePath(o.versionFile!) === 'package.json') return 'v[0-9]+.[0-9]+.[0-9]+*';
  return `${devkit.readJson<{ name: string }>(tree, o.versionFile!).name}@[0-9]+.[0-9]+.[0-9]+*`;
}

/** A url backend's directory (published on the release runner, kept on a branch): never committed to the main branch. */
function siteDirectories(directory: string, configText: string): string[] {
  const release = (JSON.parse(configText) as PluginConfig).release;
  return ((release?.backends ?? []) as { backend: string; to?: unknown }[]).flatMap(({ backend, to }) =>
    backend === 'url' && typeof to === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(to) ? [posix.normalize(posix.join(devkit.normalizePath(directory), to))] : [],
  );
}

export async function pluginGenerator(tree: Tree, given: PluginOptions) {
  const options = checkedPaths(tree, given);
  const repository = options.skipWorkflows || options.withoutNx ? undefined : thisRepository(tree, options.repository);
  const o = normalise(tree, options);
  const configPath = devkit.joinPathFragments(o.directory, 'fctl-plugin.json');
  if (tree.exists(o.directory) && !tree.exists(configPath)) {
    throw new PluginGeneratorError(`${o.directory} already exists and is not an fctl plugin: choose another --directory`);
  }
  if (tree.exists(configPath) && tree.read(configPath, 'utf-8') !== o.config) {
    throw new PluginGeneratorError(`${configPath} exists with other settings: edit it, or remove the directory to scaffold again`);
  }
  const go = o.language === 'go';
  if (go) goModulePath(tree);
  // A Go plugin in an Nx workspace still needs the Nx plugin (its targets) and fctl-kit; not the TypeScript SDK.
  const installs = options.withoutNx ? [] : [await initGenerator(tree, { skipPackageJson: options.skipPackageJson, language: o.language })];
  const packageName = `${o.name}-fctl-plugin`;
  const goSdkModule = options.goSdkModule ?? GO_SDK_MODULE;
  if (go) {
    // go.mod's replace takes a directory path only when it starts with ./ or ../ (else it is a module path).
    const replace = options.goSdkReplace === undefined ? undefined : devkit.normalizePath(isAbsolute(options.goSdkReplace) ? relative(tree.root, options.goSdkReplace) : options.goSdkReplace);
    requireGoSdk(tree, { module: goSdkModule, version: options.goSdkVersion ?? GO_SDK_VERSION, ...(replace !== undefined ? { replace: /^\.\.?(\/|$)/.test(replace) ? replace : `./${replace}` } : {}) });
  }
  devkit.generateFiles(tree, join(packageRoot(), 'src', 'generators', 'plugin', go ? 'files-go' : 'files'), o.directory, {
    ...o,
    packageName,
    goSdkModule,
    goString: (value: string) => JSON.stringify(value),
    goJSON: (value: string) => JSON.stringify(value),
    sdkVersion: KIT_VERSION,
    js: (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
    // The sample command's table as fctl renders it: columns as wide as their widest cell, 3 spaces apart.
    table: (rows: string[][]) => rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(Math.max(...rows.map((r) => r[i]!.length)) + 3))).join('')),
    tmpl: '',
  });
  if (options.registryFile && !tree.exists(options.registryFile)) {
    tree.write(options.registryFile, '# The fctl plugin registry: which plugin versions exist and the service versions they serve.\nplugins: {}\n');
  }
  if (!options.skipWorkflows && !options.withoutNx) {
    const directory = devkit.normalizePath(o.directory);
    const context = {
      name: o.name,
      directory,
      project: packageName,
      tagPattern: releaseTagPattern(tree, o),
      packageManager: detectPackageManager(tree),
      language: o.language,
      release: (JSON.parse(o.config) as PluginConfig).release,
      ...(repository ? { repository } : {}),
    };
    if (!repository && context.release) devkit.logger.warn('This repository on GitHub is not known (no github.com "origin" remote, no --repository): the release workflow treats every GitHub repository as another one (a FCTL_RELEASE_TOKEN secret).');
    tree.write(`.github/workflows/fctl-plugin-${o.name}.yml`, pullRequestWorkflow(context));
    tree.write(`.github/workflows/fctl-plugin-${o.name}-release.yml`, releaseWorkflow(context));
  }
  ignoreInGit(tree, [...new Set([`${devkit.normalizePath(o.directory)}/dist`, ...siteDirectories(o.directory, o.config)])], `fctl plugin ${o.name}: build output (nx g @fctl-kit/nx:plugin)`);
  // A Go plugin has no package to version with changesets.
  if (o.source === 'package-json' && !options.skipChangesets && !go) {
    const changesets = configureChangesets(tree, o.versionFile!, devkit.normalizePath(o.directory), packageName);
    if (changesets.skipped) devkit.logger.warn(`No changesets fixed group: ${changesets.skipped}.`);
    if (changesets.addDevDependency && !options.skipPackageJson) installs.push(devkit.addDependenciesToPackageJson(tree, {}, { '@changesets/cli': CHANGESETS_CLI_VERSION }));
  }
  return devkit.runTasksInSerial(...installs);
}

export default pluginGenerator;
