// Turns a plugin manifest into commander commands, so that parsing, validation and --help of a
// plugin's commands behave exactly like fctl's own.
import { Command, Help, InvalidArgumentError, Option, type OutputConfiguration } from 'commander';
import { terminalText, type ArgsSpec, type CommandSpec, type FlagSpec, type FlagValue, type Manifest } from '@fctl-kit/protocol';
import type { Invocation } from '../run/invocation.js';
import { configureCommand } from './commander-setup.js';

const splitList = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

// Help texts come from the plugin: cleaned here so that commander lays them out as they will show
// (the service command's output is cleaned again as a whole).
const line = (text: string) => terminalText(text);
const paragraph = (text: string) => terminalText(text, { multiline: true });

function parseInt(value: string): number {
  const number = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) throw new InvalidArgumentError('expected an integer.');
  return number;
}

function toOptions(flag: FlagSpec): Option[] {
  const short = flag.shorthand ? `-${flag.shorthand}, ` : '';
  const description = line(flag.deprecated ? `${flag.description} (deprecated: ${flag.deprecated})` : flag.description);
  const options: Option[] = [];
  if (flag.type === 'bool') {
    options.push(new Option(`${short}--${flag.name}`, description));
    if (flag.default === true) {
      options[0]!.default(true);
      options.push(new Option(`--no-${flag.name}`, `Turn off --${flag.name}`));
    }
  } else {
    const option = new Option(`${short}--${flag.name} <${flag.type === 'int' ? 'int' : 'value'}>`, description);
    if (flag.type === 'int') option.argParser(parseInt);
    if (flag.type === 'stringList') {
      const initial = (flag.default as string[] | undefined) ?? undefined;
      option.argParser((value: string, previous: string[] | undefined) =>
        previous === undefined || previous === initial ? splitList(value) : [...previous, ...splitList(value)],
      );
      if (initial?.length) option.default(initial, line(initial.join(',')));
    } else if (flag.default !== undefined) {
      option.default(flag.default, JSON.stringify(typeof flag.default === 'string' ? line(flag.default) : flag.default));
    }
    if (flag.enum && flag.type === 'string') option.choices(flag.enum.map(line));
    if (flag.required) option.makeOptionMandatory();
    options.push(option);
  }
  if (flag.hidden) for (const option of options) option.hideHelp();
  return options;
}

function usage(args: ArgsSpec | undefined): string {
  const names = args?.names ?? [];
  const min = args?.min ?? 0;
  const max = args ? args.max : 0;
  const parts = ['[flags]'];
  for (let i = 0; i < Math.max(min, names.length); i++) {
    const name = line(names[i] ?? `ARG${i + 1}`);
    parts.push(i < min ? `<${name}>` : `[${name}]`);
  }
  if (max === undefined) parts.push('[ARGS...]');
  return parts.join(' ');
}

/**
 * The term a group's help lists for each command: a command's real arguments, from its manifest
 * (`show|get [flags] <ID>`), as its own usage line shows them, not commander's `[args...]`.
 */
function subcommandTerms(leaves: WeakMap<Command, ArgsSpec | undefined>) {
  const fallback = new Help();
  return {
    subcommandTerm: (command: Command) => {
      if (!leaves.has(command)) return fallback.subcommandTerm(command);
      const alias = command.aliases()[0];
      return `${command.name()}${alias ? `|${alias}` : ''} ${usage(leaves.get(command))}`;
    },
  };
}

interface FlagBinding {
  flag: FlagSpec;
  owner: Command;
  attribute: string;
}

/**
 * Builds `fctl <name> ...` from the manifest. `onInvoke` receives the parsed invocation of the
 * command the user selected (commander itself rejects unknown commands and bad flag values).
 */
export function buildServiceCommand(
  manifest: Manifest,
  description: string,
  output: OutputConfiguration,
  onInvoke: (invocation: Invocation) => void,
): Command {
  const leaves = new WeakMap<Command, ArgsSpec | undefined>();
  const help = { showGlobalOptions: true, ...subcommandTerms(leaves) };
  const root = configureCommand(new Command(manifest.name)).description(line(description)).configureHelp(help).configureOutput(output);
  const rootBindings = bindFlags(root, manifest.flags ?? []);

  const addChildren = (parent: Command, specs: CommandSpec[], path: string[], inherited: FlagBinding[]) => {
    for (const spec of specs) {
      const command = configureCommand(new Command(spec.use))
        .summary(line(spec.short))
        .description(paragraph(spec.long ?? spec.short))
        .configureHelp(help)
        .configureOutput(output);
      if (spec.aliases?.length) command.aliases(spec.aliases);
      if (spec.deprecated) command.summary(`${line(spec.short)} (deprecated)`);
      if (spec.examples?.length) command.addHelpText('after', `\nExamples:\n${spec.examples.map((example) => `  ${line(example)}`).join('\n')}`);
      const own = bindFlags(command, spec.flags ?? []);
      const visible = [...inherited, ...own.filter((binding) => binding.flag.persistent || !spec.commands?.length)];
      const commandPath = [...path, spec.use];
      if (spec.commands?.length) {
        addChildren(command, spec.commands, commandPath, [...inherited, ...own.filter((b) => b.flag.persistent)]);
      } else {
        leaves.set(command, spec.args);
        command.usage(usage(spec.args)).argument('[args...]').allowExcessArguments(true);
        command.action((args: string[]) => {
          const given: Record<string, FlagValue> = {};
          const deprecatedFlags: string[] = [];
          for (const { flag, owner, attribute } of visible) {
            if (owner.getOptionValueSource(attribute) !== 'cli') continue;
            given[flag.name] = owner.getOptionValue(attribute) as FlagValue;
            if (flag.deprecated) deprecatedFlags.push(`--${flag.name}: ${flag.deprecated}`);
          }
          onInvoke({ path: commandPath, spec, args, given, deprecatedFlags });
        });
      }
      parent.addCommand(command, { hidden: Boolean(spec.hidden) });
    }
  };
  addChildren(root, manifest.commands, [], rootBindings);
  return root;
}

function bindFlags(command: Command, flags: FlagSpec[]): FlagBinding[] {
  return flags.map((flag) => {
    const [primary, ...rest] = toOptions(flag);
    command.addOption(primary!);
    for (const option of rest) command.addOption(option);
    return { flag, owner: command, attribute: primary!.attributeName() };
  });
}
