// fctl plugin install|list|remove
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import semver from 'semver';
import type { Display } from '@fctl-kit/protocol';
import { EXIT } from '../host/failure.js';
import { formatDuration, PluginProcess } from '../host/plugin-process.js';
import { configureCommand } from './commander-setup.js';
import { CliError, type Context } from './context.js';
import { printData } from './print.js';

/** Top-level names fctl keeps for itself; no plugin may take them. */
export const RESERVED_COMMANDS = ['profile', 'plugin', 'version', 'help'];

const LIST_DISPLAY: Display = {
  columns: [
    { header: 'NAME', jsonPath: '$.name' },
    { header: 'VERSION', jsonPath: '$.version' },
    { header: 'COMPATIBLE WITH', jsonPath: '$.compatibleWith' },
    { header: 'SOURCE', jsonPath: '$.source' },
  ],
};

async function buildSource(context: Context, directory: string, workDir: string): Promise<{ file: string; map: string }> {
  const started = Date.now();
  context.io.stderr.write(`Building ${directory}...`);
  // Loaded on demand: esbuild is only needed to build a source directory.
  const { bundlePlugin } = await import('@fctl-kit/build');
  const { outFile, sourceMap } = await bundlePlugin({ sourceDir: directory, outFile: join(workDir, 'plugin.cjs'), version: 'dev' }).catch(
    (error: Error) => {
      context.io.stderr.write(' failed\n');
      throw new CliError(error.message, EXIT.failed);
    },
  );
  context.io.stderr.write(` done (${formatDuration(Date.now() - started)})\n`);
  return { file: outFile, map: sourceMap };
}

async function install(context: Context, name: string, path: string | undefined, compatibleWith: string | undefined): Promise<void> {
  if (RESERVED_COMMANDS.includes(name)) throw new CliError(`"${name}" is a command of fctl itself and cannot be a plugin name`, EXIT.usage);
  if (!path) {
    throw new CliError(
      `no plugin registry is configured, so "${name}" cannot be discovered.\n\n  Install from a file or a source directory: fctl plugin install ${name} --path <binary | source directory>`,
      EXIT.failed,
    );
  }
  if (compatibleWith !== undefined && semver.validRange(compatibleWith) === null) {
    throw new CliError(`--compatible-with ${JSON.stringify(compatibleWith)} is not a semver range`, EXIT.usage);
  }
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => {
    throw new CliError(`no such file or directory: ${absolute}`, EXIT.failed);
  });
  const workDir = await mkdtemp(join(tmpdir(), 'fctl-install-'));
  try {
    const built = info.isDirectory() ? await buildSource(context, absolute, workDir) : undefined;
    const file = built?.file ?? absolute;
    context.io.stderr.write('Fetching manifest...');
    const plugin = await PluginProcess.start({ plugin: { name, path: file }, coreVersion: context.version, debug: context.debug.core, onStderrLine: context.debug.plugin });
    await plugin.close();
    context.io.stderr.write(' ok\n');
    const manifest = plugin.manifest;
    if (manifest.name !== name) throw new CliError(`${absolute} is the "${manifest.name}" plugin, not "${name}"`, EXIT.failed);
    if (built && manifest.version !== 'dev') {
      throw new CliError(`a source build must report version "dev", but ${absolute} reports "${manifest.version}": the version is injected at build time, never written in the plugin`, EXIT.failed);
    }
    const range = compatibleWith ?? manifest.compatibleWith;
    if (!range) context.warn(`the plugin declares no compatibleWith range; it will be used for every ${manifest.service} version (set one with --compatible-with)`);
    const installed = await context.plugins.install(file, manifest, {
      compatibleWith: range ?? '*',
      source: `path:${absolute}`,
      extraFiles: built ? [built.map] : [],
    });
    context.io.stderr.write(`Plugin "${name}" installed (version: ${installed.version}, compatible with ${installed.compatibleWith}).\n`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

export function pluginCommands(context: Context): Command {
  const plugin = configureCommand(new Command('plugin')).description('Manage installed plugins');
  plugin.addCommand(
    configureCommand(new Command('install'))
      .description('Install a plugin from a binary, a JavaScript bundle or a source directory (built first, version "dev")')
      .argument('<name>')
      .option('--path <path>', 'A plugin binary, a .js/.cjs bundle, or a plugin source directory')
      .option('--compatible-with <range>', "Service versions it serves (default: the plugin's own compatibleWith)")
      .action((name: string, options: { path?: string; compatibleWith?: string }) => install(context, name, options.path, options.compatibleWith)),
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
        const removed = await context.plugins.remove(name, options.version).catch((error: Error) => {
          throw new CliError(error.message, EXIT.failed);
        });
        context.io.stderr.write(`Removed plugin "${name}" (${removed.join(', ')}).\n`);
      }),
  );
  return plugin;
}
