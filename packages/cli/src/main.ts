// The `fctl-kit` executable: plugin operations for repositories that do not use Nx.
import { Command, CommanderError } from 'commander';
import { bundlePlugin } from '@fctl-kit/bundler';
import { formatFailure, PluginFailure, render } from '@fctl-kit/core';
import { terminalText } from '@fctl-kit/protocol';
import packageJson from '../package.json' with { type: 'json' };
import { addBuildCommands } from './build-command.js';
import { addCompatCommand } from './compat-command.js';
import { addConformanceCommand } from './conformance-command.js';
import { addDevCommand } from './dev-command.js';
import { addGenerateCommand } from './generate-command.js';
import { addInputsCommand } from './inputs-command.js';
import { addPublishCommand } from './publish-command.js';
import { addReleaseCommand } from './release-command.js';
import { addRegistryCommands } from './registry-command.js';
import { inspectPlugin } from './inspect.js';
import { verifyVersion } from './verify-version.js';
import { addVersionCommand } from './version-command.js';

// Positional options: fctl-kit's own options (-V, --version) are read only before the command, so
// that a command's options of the same name (registry retire --version V) reach the command.
const program = new Command('fctl-kit')
  .description('Build, inspect and release fctl plugins')
  .version(packageJson.version)
  .enablePositionalOptions()
  // commander's own messages (unknown option, missing argument) in the one error style; commands
  // added with program.command() inherit it.
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'Error: ')) })
  .exitOverride();

program
  .command('inspect')
  .description('Start a plugin as fctl does, check its handshake and manifest, print the manifest')
  .argument('<plugin>', 'A plugin binary or .js/.cjs bundle')
  .option('-o, --output <format>', 'json or yaml', 'yaml')
  .option('--debug', 'Show the handshake and the plugin stderr')
  .action(async (path: string, options: { output: string; debug?: boolean }) => {
    // The handshake, the plugin's stderr and its manifest are the plugin's text: made safe for a
    // terminal, the manifest kept exact as fctl's -o json/yaml keeps data (unsafe characters escaped).
    const debug = options.debug ? (line: string) => process.stderr.write(`[fctl-kit] ${terminalText(line, { multiline: true })}\n`) : undefined;
    const { manifest } = await inspectPlugin(path, debug);
    process.stdout.write(await render(manifest, { format: options.output === 'json' ? 'json' : 'yaml', color: false }));
  });

program
  .command('bundle')
  .description('Bundle a plugin source directory into one CommonJS file, with the version injected')
  .argument('<source-dir>', 'The plugin directory, e.g. cmd/fctl-plugin')
  .requiredOption('--out <file>', 'Output file (.cjs); the source map is written beside it')
  .option('--service-version <version>', 'The service version, injected as the plugin version', 'dev')
  .option('--minify', 'Minify the bundle')
  .action(async (sourceDir: string, options: { out: string; serviceVersion: string; minify?: boolean }) => {
    const result = await bundlePlugin({ sourceDir, outFile: options.out, version: options.serviceVersion, minify: options.minify });
    process.stdout.write(`${JSON.stringify({ outFile: result.outFile, sourceMap: result.sourceMap, entry: result.entry, version: options.serviceVersion })}\n`);
  });

addBuildCommands(program);
addDevCommand(program);
addRegistryCommands(program);
addPublishCommand(program);
addReleaseCommand(program);
addCompatCommand(program);
addConformanceCommand(program);
addGenerateCommand(program);
addInputsCommand(program);

addVersionCommand(program);

program
  .command('verify-version')
  .description('Check that the service version, the built plugin, the release tag and the registry key agree')
  .argument('<plugin-dir>', 'The plugin directory, e.g. cmd/fctl-plugin')
  .option('--build-dir <dir>', 'A build output directory whose manifest.json is checked')
  .option('--registry <file>', 'A registry document that must list the version')
  .action(async (dir: string, options: { buildDir?: string; registry?: string }) => {
    const report = await verifyVersion(dir, options);
    if (report.problems.length) {
      process.stderr.write(`Error: plugin version = service version is broken:\n${report.problems.map((p) => `  - ${terminalText(p, { multiline: true })}`).join('\n')}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(terminalText(`ok: ${report.service.version} (${report.service.from})${report.values.map((v) => `; ${v.what} ${v.version}`).join('')}`) + '\n');
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode;
  else if (error instanceof PluginFailure) {
    process.stderr.write(formatFailure(error));
    process.exitCode = error.exitCode;
  } else {
    // Messages carry text from plugins, registries, servers and build directories.
    process.stderr.write(`Error: ${terminalText(error instanceof Error ? error.message : String(error), { multiline: true })}\n`);
    process.exitCode = 1;
  }
}
