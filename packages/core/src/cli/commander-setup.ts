// Settings every fctl command shares, applied once per Command object.
import { Command, Option } from 'commander';
import { completionCommand } from './completion.js';
import { parseOutput, parsePluginBinary, parseTimeout } from './globals.js';

/** commander's own errors ("error: unknown option '--x'") in fctl's one style, "Error: <message>". */
export const errorStyle = (text: string) => text.replace(/^error: /, 'Error: ');

export function configureCommand(command: Command): Command {
  return command
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(errorStyle(text)) })
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .helpOption('-h, --help', 'Show help for this command');
}

/**
 * The global options, declared on the root so that they are accepted and listed in help; and the
 * root's `completion` command, which needs nothing of a context (completion.ts).
 */
export function addGlobalOptions(program: Command): Command {
  if (!program.commands.some((command) => command.name() === 'completion')) program.addCommand(completionCommand());
  return program
    .addOption(new Option('--profile <name>', 'Use this profile instead of the current one (env FCTL_PROFILE)'))
    .addOption(new Option('-o, --output <format>', 'Output format: plain, json or yaml').default('plain').argParser(parseOutput))
    .addOption(new Option('--debug', 'Print diagnostics of fctl ([fctl]) and of the plugin ([plugin]) to stderr'))
    .addOption(new Option('--no-color', 'Do not use colors (also: NO_COLOR)'))
    .addOption(new Option('--non-interactive', 'Never prompt; fail with the command to run instead'))
    .addOption(new Option('-y, --yes', 'Answer yes to confirmations'))
    .addOption(new Option('--timeout <duration>', 'Give up on a plugin command after this long, e.g. 30s, 5m (env FCTL_TIMEOUT)').argParser(parseTimeout))
    .addOption(
      new Option('--plugin-binary <name=path>', 'Use this plugin file for this invocation only (repeatable)').argParser(
        (value: string, previous: Map<string, string> | undefined) => parsePluginBinary(value, previous ?? new Map()),
      ),
    );
}
