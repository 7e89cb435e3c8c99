// fctl's entry point as a function: argv in, exit code out; every error ends as a message.
import { Command, CommanderError } from 'commander';
import { terminalText } from '@fctl-kit/protocol';
import { protocolInfo } from './version-info.js';
import { configDirectory } from '../config/paths.js';
import { EXIT, formatFailure, PluginFailure } from '../host/failure.js';
import { addGlobalOptions, configureCommand, errorStyle } from './commander-setup.js';
import { UserError } from '../errors.js';
import { Context } from './context.js';
import { preScan, UsageError } from './globals.js';
import type { Io } from './io.js';
import { pluginCommands, RESERVED_COMMANDS } from './plugin-commands.js';
import { profileCommands } from './profile-commands.js';
import { knownServices, runService } from './service-command.js';

export interface RunOptions {
  io: Io;
  version: string;
  /** Aborted on Ctrl-C. */
  interrupted: AbortSignal;
}

export async function run(argv: string[], { io, version, interrupted }: RunOptions): Promise<number> {
  let context: Context | undefined;
  try {
    const scan = preScan(argv, io.env);
    const handshakeTimeoutMs = io.env.FCTL_HANDSHAKE_TIMEOUT ? Number(io.env.FCTL_HANDSHAKE_TIMEOUT) * 1000 : undefined;
    context = new Context(io, scan.globals, version, configDirectory(io.env), interrupted, handshakeTimeoutMs);
    const program = configureCommand(new Command('fctl'))
      .description('fctl: the Formance command line, extended by plugins')
      .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
      .addCommand(profileCommands(context))
      .addCommand(pluginCommands(context))
      .addCommand(
        configureCommand(new Command('version'))
          .description('Print the fctl version and the plugin protocol versions it speaks')
          .action(() => {
            io.stdout.write(`fctl ${version} (${protocolInfo()})\n`);
          }),
      );
    // `fctl plugin ...` routes to no service, and must not need a readable plugins.json: install and remove repair it.
    const services = scan.command === 'plugin' ? new Map<string, string>() : await knownServices(context);
    const candidate = scan.command && !RESERVED_COMMANDS.includes(scan.command) ? scan.command : undefined;
    const listed = candidate && !services.has(candidate) ? await registryLists(context, candidate) : undefined;
    const service = candidate && (services.has(candidate) || listed === 'listed') ? candidate : undefined;
    // The global options and `completion` (commander-setup.ts), added after the commands so that
    // help lists `completion` after the user-facing ones (and after the services, below).
    if (service) return await runService(context, service, addGlobalOptions(program), argv);
    if (candidate && listed === 'no-registry') program.configureOutput({ outputError: (text, write) => write(errorStyle(withRegistryHint(text, candidate))) });
    for (const [name, description] of services) {
      program.addCommand(configureCommand(new Command(name)).description(description).allowUnknownOption().allowExcessArguments());
    }
    addGlobalOptions(program);
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    return report(error, io, context);
  }
}

/** A command fctl does not know may be a plugin that the registry lists (not installed yet). */
async function registryLists(context: Context, name: string): Promise<'listed' | 'unlisted' | 'no-registry'> {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) return 'unlisted';
  try {
    const { openConfiguredRegistry } = await import('../discovery/index.js');
    const registry = await openConfiguredRegistry(context);
    if (!registry) return 'no-registry';
    return registry.index.plugins.has(name) ? 'listed' : 'unlisted';
  } catch (error) {
    context.debug.core(`registry unavailable to look up "${name}": ${(error as Error).message}`);
    return 'unlisted';
  }
}

/**
 * Without a registry fctl cannot tell a plugin not installed yet from a typo: an unknown command
 * that commander finds no near built-in for says so, and how to configure one.
 */
function withRegistryHint(text: string, name: string): string {
  if (!text.startsWith(`error: unknown command '${name}'`) || text.includes('Did you mean')) return text;
  return (
    `${text.trimEnd()}\n` +
    `  No plugin registry is configured, so fctl cannot tell whether "${name}" is a plugin.\n` +
    `  Configure one: fctl plugin registry set <https URL | file>   (or set FCTL_REGISTRY)\n` +
    `  Or install the plugin from a file: fctl plugin install ${name} --path <binary | source directory>\n`
  );
}

function report(error: unknown, io: Io, context: Context | undefined): number {
  if (error instanceof CommanderError) {
    // commander already printed its message (or the help text).
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version'
      ? error.exitCode === 0 ? EXIT.ok : EXIT.usage
      : EXIT.usage;
  }
  if (error instanceof PluginFailure) {
    io.stderr.write(formatFailure(error));
    return error.exitCode;
  }
  if (error instanceof UsageError) {
    io.stderr.write(errorLine(error.message));
    return EXIT.usage;
  }
  if (error instanceof UserError) {
    io.stderr.write(errorLine(error.message));
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(errorLine(message));
  if (context?.globals.debug && error instanceof Error && error.stack) context.debug.core(error.stack);
  return EXIT.failed;
}

/** Error messages carry text from registries, servers and plugins: made safe for a terminal. */
const errorLine = (message: string) => `Error: ${terminalText(message, { multiline: true })}\n`;
