// `fctl <service> ...` in the CLI: the run path (run/) does resolve, discover, install, start and
// execute; this file gives it commander's parse of the command line and renders what it returns.
import { Command as CommanderCommand, type Command } from 'commander';
import { terminalText, type Manifest } from '@fctl-kit/protocol';
import { builtins } from '../builtins/index.js';
import { render, shouldUseColor } from '../render/index.js';
import { cachedManifestFor, runService as runServicePath, type Invocation, type RenderData } from '../run/index.js';
import { addGlobalOptions, configureCommand } from './commander-setup.js';
import type { Context } from './context.js';
import { buildServiceCommand } from './manifest-commands.js';
import { RESERVED_COMMANDS } from './plugin-commands.js';

/** Names that route to service dispatch: built-in services, installed plugins, --plugin-binary names. */
export async function knownServices(context: Context): Promise<Map<string, string>> {
  const known = new Map<string, string>();
  for (const builtin of builtins) known.set(builtin.service, builtin.plugin.manifest(1).description);
  for (const plugin of (await context.plugins.read()).plugins) {
    // Installed before fctl took the name for itself: it cannot shadow fctl's own command.
    if (RESERVED_COMMANDS.includes(plugin.name)) continue;
    const latest = Object.values(plugin.versions)[0];
    known.set(plugin.name, latest?.description !== undefined ? terminalText(latest.description) : `${plugin.name} plugin`);
  }
  for (const name of context.globals.pluginBinaries.keys()) known.set(name, `${name} (from --plugin-binary)`);
  return known;
}

export async function runService(context: Context, service: string, program: Command, argv: string[]): Promise<number> {
  const profile = (await context.activeProfile())?.profile;
  // The first parse uses `program` (fctl's root); a parse again (another manifest) needs a fresh root.
  let root: Command | undefined = program;
  const parse = (manifest: Manifest) => {
    const into = root ?? freshProgram(context);
    root = undefined;
    return parseWith(context, into, manifest, argv);
  };
  return runServicePath(context, { service, profile, forHelp: asksForHelp(argv), parse, render: renderer(context) });
}

/** The manifest completion uses for `service`, from the manifest cache only (run/target.ts). */
export async function manifestForCompletion(context: Context, service: string): Promise<Manifest | undefined> {
  if (context.globals.pluginBinaries.has(service)) return undefined;
  const profile = await context.activeProfile().then((active) => active?.profile, () => undefined);
  return cachedManifestFor(context, service, profile);
}

/**
 * `-h`/`--help` before any `--`: the command line asks for help, which may come from what the stack
 * last reported and from the manifest cache. (The parse decides; a run never relies on this.)
 */
function asksForHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((word) => word === '-h' || word === '--help');
}

/** A root like run()'s, for parsing the command line a second time (only the service command is needed). */
function freshProgram(context: Context): Command {
  return addGlobalOptions(configureCommand(new CommanderCommand('fctl'))).configureOutput({
    writeOut: (text) => context.io.stdout.write(text),
    writeErr: (text) => context.io.stderr.write(text),
  });
}

/** Adds the service's commands made from `manifest` to `program` and parses; the invocation, or undefined when help was shown. */
async function parseWith(context: Context, program: Command, manifest: Manifest, argv: string[]): Promise<Invocation | undefined> {
  let invocation: Invocation | undefined;
  // Help and usage errors of a plugin's commands are made of its manifest's texts.
  const safe = (text: string) => terminalText(text, { multiline: true });
  const output = { writeOut: (text: string) => context.io.stdout.write(safe(text)), writeErr: (text: string) => context.io.stderr.write(safe(text)) };
  program.addCommand(buildServiceCommand(manifest, manifest.description, output, (selected) => (invocation = selected)));
  await program.parseAsync(argv, { from: 'user' });
  return invocation;
}

/** Renders a command's data on stdout: plain from the display schema, or JSON/YAML. */
function renderer(context: Context): RenderData {
  const { globals, io } = context;
  return async (data, display) => {
    context.debug.core(`rendering ${globals.output}${globals.output === 'plain' && display ? ` from the display schema (${'columns' in display ? 'table' : 'sections'})` : ''}`);
    const color = shouldUseColor(io.stdout, io.env, !globals.color);
    io.stdout.write(await render(data, { format: globals.output, display, color }));
  };
}
