// The `fctl-kit` executable: plugin operations for repositories that do not use Nx.
import { Command, CommanderError } from 'commander';
import { bundlePlugin } from '@fctl-kit/build';
import { formatFailure, PluginFailure } from '@fctl-kit/core';
import packageJson from '../package.json' with { type: 'json' };
import { addBuildCommands } from './build-command.js';
import { addPublishCommand } from './publish-command.js';
import { addRegistryCommands } from './registry-command.js';
import { inspectPlugin } from './inspect.js';

const program = new Command('fctl-kit')
  .description('Build, inspect and release fctl plugins')
  .version(packageJson.version)
  .exitOverride();

program
  .command('inspect')
  .description('Start a plugin as fctl does, check its handshake and manifest, print the manifest')
  .argument('<plugin>', 'A plugin binary or .js/.cjs bundle')
  .option('-o, --output <format>', 'json or yaml', 'yaml')
  .option('--debug', 'Show the handshake and the plugin stderr')
  .action(async (path: string, options: { output: string; debug?: boolean }) => {
    const debug = options.debug ? (line: string) => process.stderr.write(`[fctl-kit] ${line}\n`) : undefined;
    const { manifest } = await inspectPlugin(path, debug);
    if (options.output === 'json') process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
    else process.stdout.write((await import('yaml')).default.stringify(manifest));
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
addRegistryCommands(program);
addPublishCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode;
  else if (error instanceof PluginFailure) {
    process.stderr.write(formatFailure(error));
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
