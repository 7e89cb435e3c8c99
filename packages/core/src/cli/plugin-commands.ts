// fctl plugin install|list|remove
import { chmod, copyFile, readFile, rename, rm, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { Command } from 'commander';
import semver from 'semver';
import { RESERVED_COMMAND_NAMES, type Display, type Manifest } from '@fctl-kit/protocol';
import { EXIT } from '../host/failure.js';
import { formatDuration, PluginProcess } from '../host/plugin-process.js';
import { configureCommand } from './commander-setup.js';
import { loadBundler } from './load-bundler.js';
import { UserError } from '../errors.js';
import type { Context } from './context.js';
import { printData } from './print.js';
import { configuredRegistry, parseRegistryLocation, saveRegistry } from '../discovery/registry-location.js';
import { detectServiceVersion } from '../stack/service-version.js';
import { deprecationWarning } from '../discovery/deprecation.js';

/** Top-level names fctl keeps for itself; no plugin may take them (the protocol's list, the one source). */
export const RESERVED_COMMANDS: readonly string[] = RESERVED_COMMAND_NAMES;

const LIST_DISPLAY: Display = {
  columns: [
    { header: 'NAME', jsonPath: '$.name' },
    { header: 'VERSION', jsonPath: '$.version' },
    { header: 'COMPATIBLE WITH', jsonPath: '$.compatibleWith' },
    { header: 'SOURCE', jsonPath: '$.source' },
  ],
};

async function buildSource(context: Context, name: string, directory: string, workDir: string): Promise<{ file: string; map: string }> {
  const { bundlePlugin } = await loadBundler(name, directory);
  const started = Date.now();
  context.io.stderr.write(`Building ${directory}...`);
  const { outFile, sourceMap } = await bundlePlugin({ sourceDir: directory, outFile: join(workDir, 'plugin.cjs'), version: 'dev' }).catch(
    (error: Error) => {
      context.io.stderr.write(' failed\n');
      throw new UserError(error.message, EXIT.failed);
    },
  );
  context.io.stderr.write(` done (${formatDuration(Date.now() - started)})\n`);
  return { file: outFile, map: sourceMap };
}

/** Starts the plugin once, as a run would, for its manifest; checks it is the plugin asked for. */
async function fetchManifest(context: Context, name: string, path: string, shownAs: string): Promise<{ manifest: Manifest; protocolVersion: number }> {
  context.io.stderr.write('Fetching manifest...');
  const plugin = await PluginProcess.start({ plugin: { name, path }, coreVersion: context.version, debug: context.debug.core, onStderrLine: context.debug.plugin });
  await plugin.close();
  context.io.stderr.write(' ok\n');
  if (plugin.manifest.name !== name) throw new UserError(`${shownAs} is the "${plugin.manifest.name}" plugin, not "${name}"`, EXIT.failed);
  return { manifest: plugin.manifest, protocolVersion: plugin.protocolVersion };
}

function checkRange(compatibleWith: string | undefined): void {
  if (compatibleWith !== undefined && semver.validRange(compatibleWith) === null) {
    throw new UserError(`--compatible-with ${JSON.stringify(compatibleWith)} is not a semver range`, EXIT.usage);
  }
}

/** `--link FILE`: a development build used where it is, so each rebuild (fctl-kit dev) is what the next run starts. */
async function linkBuild(context: Context, name: string, path: string, compatibleWith: string | undefined): Promise<void> {
  checkRange(compatibleWith);
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isFile()) {
    throw new UserError(`--link takes a built plugin file (fctl-kit dev writes one); ${absolute} ${info ? 'is a directory: install a source directory with --path' : 'does not exist'}`, EXIT.failed);
  }
  await context.plugins.withPluginLock(name, async () => {
    const { manifest, protocolVersion } = await fetchManifest(context, name, absolute, absolute);
    if (manifest.version !== 'dev') {
      throw new UserError(`${absolute} reports version ${manifest.version}: only development builds (version "dev") are linked; install a release with fctl plugin install ${name}`, EXIT.failed);
    }
    const installed = await context.plugins.link(absolute, manifest, { compatibleWith: compatibleWith ?? manifest.compatibleWith ?? '*', protocolVersion });
    context.io.stderr.write(`Plugin "${name}" linked to ${absolute} (version: dev, compatible with ${installed.compatibleWith}): every run starts the file as it is then.\n`);
  });
}

async function installFromPath(context: Context, name: string, path: string, compatibleWith: string | undefined): Promise<void> {
  checkRange(compatibleWith);
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => {
    throw new UserError(`no such file or directory: ${absolute}`, EXIT.failed);
  });
  await context.plugins.withPluginLock(name, async () => {
    const staging = await context.plugins.stagingDirectory();
    try {
      const storedName = `fctl-plugin-${name}${info.isDirectory() ? '.cjs' : extname(absolute)}`;
      if (info.isDirectory()) {
        const built = await buildSource(context, name, absolute, staging);
        await rename(built.file, join(staging, storedName));
        await rename(built.map, join(staging, `${storedName}.map`));
      } else {
        await copyFile(absolute, join(staging, storedName));
        await chmod(join(staging, storedName), 0o755);
      }
      const { manifest, protocolVersion } = await fetchManifest(context, name, join(staging, storedName), absolute);
      if (info.isDirectory() && manifest.version !== 'dev') {
        throw new UserError(`a source build must report version "dev", but ${absolute} reports "${manifest.version}": the version is injected at build time, never written in the plugin`, EXIT.failed);
      }
      const range = compatibleWith ?? manifest.compatibleWith;
      if (!range) context.warn(`the plugin declares no compatibleWith range; it will be used for every ${manifest.service} version (set one with --compatible-with)`);
      const installed = await context.plugins.commit(staging, storedName, manifest, { compatibleWith: range ?? '*', source: `path:${absolute}`, protocolVersion });
      context.io.stderr.write(`Plugin "${name}" installed (version: ${installed.version}, compatible with ${installed.compatibleWith}).\n`);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
  });
}

/** The service version of the active stack, which decides the plugin version to install. */
async function activeServiceVersion(context: Context, name: string): Promise<string> {
  const active = await context.activeProfile();
  if (!active) {
    throw new UserError(`no profile is active, so the version of "${name}" to install cannot be determined.\n\n  Pass it: fctl plugin install ${name} --version <version>`, EXIT.failed);
  }
  return detectServiceVersion(active.profile, name).catch((error: Error) => {
    throw new UserError(error.message, EXIT.failed);
  });
}

interface ReleaseOptions {
  version?: string;
  from?: string;
  publicKey?: string;
  insecureSkipSignature?: boolean;
}

async function installFromRelease(context: Context, name: string, options: ReleaseOptions): Promise<void> {
  if (options.version !== undefined && semver.valid(options.version) !== options.version) {
    throw new UserError(`--version takes a version like 3.2.0; got "${options.version}"`, EXIT.usage);
  }
  const { chooseRelease, fromDirectory, fromRegistry, installRelease, openConfiguredRegistry, syncDeprecations } = await import('../discovery/index.js');
  const registry = await openConfiguredRegistry(context);
  if (!registry && !options.from) {
    throw new UserError(
      `no plugin registry is configured, so "${name}" cannot be discovered.\n\n  Configure one: fctl plugin registry set <https URL | file>\n  Or install from a file or a source directory: fctl plugin install ${name} --path <binary | source directory>`,
      EXIT.failed,
    );
  }
  const publicKey = options.publicKey ? await readFile(resolve(options.publicKey), 'utf8').catch((error: Error) => {
    throw new UserError(`cannot read --public-key: ${error.message}`, EXIT.usage);
  }) : undefined;
  const found = registry ? chooseRelease(registry, name, options.version ? { version: options.version } : { serviceVersion: await activeServiceVersion(context, name) }, context.report) : undefined;
  const release = options.from
    ? await fromDirectory(options.from, name, found, {
        ...(options.version ? { version: options.version } : {}),
        ...(publicKey ? { publicKey } : {}),
        ...(options.insecureSkipSignature ? { insecureSkipSignature: true } : {}),
      })
    : fromRegistry(registry!, found!, { ...(options.insecureSkipSignature ? { insecureSkipSignature: true } : {}) });
  const outcome = await installRelease(context, release);
  if (registry) await syncDeprecations(context, registry, name);
  context.io.stderr.write(
    outcome.alreadyInstalled
      ? `Plugin "${name}" ${outcome.version} is already installed.\n`
      : `Plugin "${name}" installed (version: ${outcome.version}, compatible with ${outcome.installed.compatibleWith}).\n`,
  );
}

async function install(context: Context, name: string, options: { path?: string; link?: string; compatibleWith?: string } & ReleaseOptions): Promise<void> {
  if (RESERVED_COMMANDS.includes(name)) throw new UserError(`"${name}" is a command of fctl itself and cannot be a plugin name`, EXIT.usage);
  if (options.path && options.link) throw new UserError('--path copies a plugin into fctl, --link uses a development build where it is: choose one', EXIT.usage);
  const local = options.path ? '--path' : options.link ? '--link' : undefined;
  if (local && (options.from || options.version)) throw new UserError(`${local} installs that file or directory as it is: it does not combine with --from or --version`, EXIT.usage);
  await context.plugins.repair((message) => context.warn(message));
  if (options.link) return linkBuild(context, name, options.link, options.compatibleWith);
  if (options.path) return installFromPath(context, name, options.path, options.compatibleWith);
  return installFromRelease(context, name, options);
}

function registryCommand(context: Context): Command {
  const registry = configureCommand(new Command('registry')).description('Show or set where fctl discovers plugins (FCTL_REGISTRY overrides it)');
  registry.addCommand(
    configureCommand(new Command('show')).description('Print the configured registry').action(async () => {
      const location = await configuredRegistry(context.configDir, context.io.env);
      context.io.stdout.write(location ? `${location.display}${context.io.env.FCTL_REGISTRY ? ' (from FCTL_REGISTRY)' : ''}\n` : 'No plugin registry is configured.\n');
    }),
  );
  registry.addCommand(
    configureCommand(new Command('set'))
      .description('Use this registry: an https URL (http only to loopback) or a file')
      .argument('<location>')
      .action(async (text: string) => {
        let location;
        try {
          location = parseRegistryLocation(text);
        } catch (error) {
          throw new UserError((error as Error).message, EXIT.usage);
        }
        await saveRegistry(context.configDir, location);
        context.io.stderr.write(`Plugin registry set to ${location.display}.\n`);
      }),
  );
  registry.addCommand(
    configureCommand(new Command('refresh'))
      .description('Read the registry now: record which installed versions it deprecates (fctl also does this once the refresh interval has passed, FCTL_REGISTRY_REFRESH, default 24h)')
      .action(async () => {
        const location = await configuredRegistry(context.configDir, context.io.env);
        if (!location) throw new UserError('no plugin registry is configured.\n\n  Configure one: fctl plugin registry set <https URL | file>   (or set FCTL_REGISTRY)', EXIT.failed);
        await context.plugins.repair((message) => context.warn(message));
        const { readRegistryForInstalled } = await import('../discovery/index.js');
        const read = await readRegistryForInstalled(context, location).catch((error: Error) => {
          throw new UserError(error.message, EXIT.failed);
        });
        if (read.stale) throw new UserError(`${read.stale}: the registry was not refreshed`, EXIT.failed);
        for (const { name, version, message } of read.deprecated) context.warn(deprecationWarning(name, version, message));
        context.io.stderr.write(`Plugin registry ${location.display} read.\n`);
      }),
  );
  registry.addCommand(
    configureCommand(new Command('unset')).description('Forget the configured registry').action(async () => {
      await saveRegistry(context.configDir, undefined);
      context.io.stderr.write('Plugin registry unset.\n');
    }),
  );
  return registry;
}

export function pluginCommands(context: Context): Command {
  const plugin = configureCommand(new Command('plugin')).description('Manage installed plugins');
  plugin.addCommand(
    configureCommand(new Command('install'))
      .description('Install a plugin: from the registry (the version the active stack needs, or --version), from a release directory (--from), or from a binary, bundle or source directory (--path)')
      .argument('<name>')
      .option('--version <version>', 'Install this registry version instead of the one the active stack needs')
      .option('--from <directory>', 'Take the release files from this directory (air-gapped); verified as from the registry')
      .option('--public-key <file>', "The publisher's public key (PEM) when installing --from a directory without a registry")
      .option('--insecure-skip-signature', 'Install a release that nothing authenticates (no publisher key, no registry pin): checked only against its own checksums.txt')
      .option('--path <path>', 'A plugin binary, a .js/.cjs bundle, or a plugin source directory, installed as it is')
      .option('--link <file>', 'A development build (fctl-kit dev) used where it is: each rebuild is what the next run starts')
      .option('--compatible-with <range>', "With --path or --link: service versions it serves (default: the plugin's own compatibleWith)")
      .action((name: string, options: { path?: string; link?: string; compatibleWith?: string } & ReleaseOptions) => install(context, name, options)),
  );
  plugin.addCommand(
    configureCommand(new Command('list'))
      .description('List installed plugins and versions')
      .action(async () => {
        const rows = (await context.plugins.read()).plugins.flatMap((p) =>
          Object.entries(p.versions).map(([version, entry]) => ({ name: p.name, version, compatibleWith: entry.compatibleWith, source: entry.source, path: entry.path, sha256: entry.sha256 })),
        );
        await printData(context, rows, LIST_DISPLAY);
      }),
  );
  plugin.addCommand(
    configureCommand(new Command('remove'))
      .alias('uninstall')
      .description('Remove an installed plugin (every version, or one with --version)')
      .argument('<name>')
      .option('--version <version>', 'Remove only this version')
      .action(async (name: string, options: { version?: string }) => {
        await context.plugins.repair((message) => context.warn(message));
        const removed = await context.plugins.remove(name, options.version).catch((error: Error) => {
          throw new UserError(error.message, EXIT.failed);
        });
        context.io.stderr.write(`Removed plugin "${name}" (${removed.join(', ')}).\n`);
      }),
  );
  plugin.addCommand(registryCommand(context));
  return plugin;
}
