// Shell completion: `fctl completion bash|zsh|fish` prints a script; the script calls back
// `fctl __complete <shell> -- <words...>` (hidden) at each Tab, which answers from fctl's own command
// tree and, for a service, from the manifest cache: no plugin process, no network.
//
// The __complete protocol: the words after `fctl` up to the cursor, the last one being the word under
// the cursor ("" after a space). Answer: one candidate per line, `value<TAB>description`, then one
// directive line, `:files` (the shell may fall back to file names) or `:none`. In bash mode a
// `--flag=value` word is answered with the values alone (bash splits words at "=").
import { Argument, Command, type Option } from 'commander';
import { terminalText } from '@fctl-kit/protocol';
import { configDirectory } from '../config/paths.js';
import { addGlobalOptions, configureCommand } from './commander-setup.js';
import { Context } from './context.js';
import { preScan } from './globals.js';
import type { Io } from './io.js';
import { buildServiceCommand } from './manifest-commands.js';
import { pluginCommands } from './plugin-commands.js';
import { profileCommands } from './profile-commands.js';
import { knownServices, manifestForCompletion } from './service-command.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** `fctl completion <shell>`: prints the script (added to the root by addGlobalOptions). */
export function completionCommand(): Command {
  return configureCommand(new Command('completion'))
    .description('Print a shell completion script: bash, zsh or fish (e.g. eval "$(fctl completion bash)")')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action(function (this: Command, shell: Shell) {
      const out = this.parent?.configureOutput().writeOut ?? ((text: string) => process.stdout.write(text));
      out(completionScript(shell));
    });
}

/** Options whose value is a file or directory. */
const FILE_VALUES = new Set(['--path', '--link', '--from', '--public-key', '--token-file', '--plugin-binary', '--signing-key', '--out']);

interface Candidate {
  value: string;
  description: string;
}

const line = (text: string) => terminalText(text).replace(/[\t\n]/g, ' ');

function visibleCommands(command: Command): Command[] {
  return command.commands.filter((child) => !(child as unknown as { _hidden?: boolean })._hidden);
}

/** The options a command accepts: its own, then those of the commands above it (fctl's global options). */
function optionsOf(command: Command): Option[] {
  const options: Option[] = [];
  for (let current: Command | null = command; current; current = current.parent) options.push(...current.options);
  return options;
}

function findOption(command: Command, word: string): Option | undefined {
  return optionsOf(command).find((option) => option.long === word || option.short === word);
}

const takesValue = (option: Option) => option.required || option.optional;

function findSubcommand(command: Command, word: string): Command | undefined {
  return command.commands.find((child) => child.name() === word || child.aliases().includes(word));
}

/** The fctl command tree, with the service named by `words` built from its cached manifest (if any). */
async function commandTree(context: Context, words: string[]): Promise<Command> {
  const root = configureCommand(new Command('fctl'));
  root.addCommand(profileCommands(context)).addCommand(pluginCommands(context));
  root.addCommand(new Command('version').description('Print the fctl version and the plugin protocol versions it speaks'));
  const services = await knownServices(context).catch(() => new Map<string, string>());
  const named = words.find((word) => services.has(word));
  for (const [name, description] of services) {
    if (root.commands.some((command) => command.name() === name)) continue;
    const manifest = name === named ? await manifestForCompletion(context, name).catch(() => undefined) : undefined;
    root.addCommand(manifest ? buildServiceCommand(manifest, manifest.description, {}, () => {}) : new Command(name).description(description));
  }
  // Last, as in `fctl --help`: the candidates list `completion` after the user-facing commands.
  return addGlobalOptions(root);
}

async function valuesOf(context: Context, option: Option): Promise<{ values: Candidate[]; files: boolean }> {
  if (option.argChoices) return { values: option.argChoices.map((value) => ({ value, description: '' })), files: false };
  if (option.long === '--output') return { values: ['plain', 'json', 'yaml'].map((value) => ({ value, description: '' })), files: false };
  if (option.long === '--profile') return { values: await profileNames(context), files: false };
  return { values: [], files: FILE_VALUES.has(option.long ?? '') };
}

async function profileNames(context: Context): Promise<Candidate[]> {
  const file = await context.profiles.read().catch(() => ({ profiles: {} as Record<string, { stackUrl: string }> }));
  return Object.entries(file.profiles).map(([name, profile]) => ({ value: name, description: line(profile.stackUrl) }));
}

/** Positional values some built-in commands take. */
async function argumentsOf(context: Context, command: Command): Promise<Candidate[] | undefined> {
  const path: string[] = [];
  for (let current: Command | null = command; current?.parent; current = current.parent) path.unshift(current.name());
  const key = path.join(' ');
  if (['profile use', 'profile show', 'profile remove'].includes(key)) return profileNames(context);
  if (key === 'plugin remove') {
    const plugins = await context.plugins.read().catch(() => ({ plugins: [] }));
    return plugins.plugins.map((plugin) => ({ value: plugin.name, description: Object.keys(plugin.versions).join(', ') }));
  }
  if (key === 'completion') return SHELLS.map((value) => ({ value, description: '' }));
  return undefined;
}

/** The answer to one __complete request, as lines (candidates then the directive). */
export async function completeWords(context: Context, shell: Shell, words: string[]): Promise<string[]> {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const root = await commandTree(context, before);
  let command = root;
  let pendingValue: Option | undefined;
  let afterDashes = false;
  for (const word of before) {
    if (pendingValue) {
      pendingValue = undefined;
      continue;
    }
    if (afterDashes) continue;
    if (word === '--') {
      afterDashes = true;
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      const option = findOption(command, word.includes('=') ? word.slice(0, word.indexOf('=')) : word);
      if (option && takesValue(option) && !word.includes('=') && option.required) pendingValue = option;
      continue;
    }
    command = findSubcommand(command, word) ?? command;
  }
  const answer = (candidates: Candidate[], files: boolean, prefix = '') => [
    ...candidates.filter((candidate) => candidate.value.startsWith(current.slice(prefix.length))).map((candidate) => `${shell === 'bash' ? '' : prefix}${candidate.value}\t${line(candidate.description)}`),
    files ? ':files' : ':none',
  ];
  if (afterDashes) return [':files'];
  if (pendingValue) {
    const { values, files } = await valuesOf(context, pendingValue);
    return answer(values, files);
  }
  if (current.startsWith('--') && current.includes('=')) {
    const option = findOption(command, current.slice(0, current.indexOf('=')));
    if (!option || !takesValue(option)) return [':none'];
    const { values, files } = await valuesOf(context, option);
    return answer(values, files, current.slice(0, current.indexOf('=') + 1));
  }
  if (current.startsWith('-')) {
    const options = optionsOf(command).filter((option) => !option.hidden && option.long);
    const candidates = [...options.map((option) => ({ value: option.long!, description: option.description })), { value: '--help', description: 'Show help for this command' }];
    const unique = [...new Map(candidates.map((candidate) => [candidate.value, candidate])).values()];
    return answer(unique, false);
  }
  const children = visibleCommands(command);
  if (children.length) return answer(children.map((child) => ({ value: child.name(), description: child.summary() || child.description() })), false);
  const values = await argumentsOf(context, command);
  return values ? answer(values, false) : [':files'];
}

/** `fctl __complete <shell> -- <words...>`: never fails loudly (a completion prints nothing on error). */
export async function complete(argv: string[], io: Io, version: string, interrupted: AbortSignal): Promise<number> {
  const [shellWord, dashes, ...words] = argv;
  const shell = SHELLS.find((candidate) => candidate === shellWord);
  if (!shell || dashes !== '--') {
    io.stderr.write('usage: fctl __complete bash|zsh|fish -- <words...>\n');
    return 2;
  }
  if (!words.length) words.push('');
  try {
    let globals;
    try {
      globals = preScan(words.slice(0, -1), io.env).globals;
    } catch {
      globals = preScan([], io.env).globals;
    }
    const context = new Context(io, { ...globals, debug: false }, version, configDirectory(io.env), interrupted, undefined);
    io.stdout.write(`${(await completeWords(context, shell, words)).join('\n')}\n`);
  } catch {
    io.stdout.write(':none\n');
  }
  return 0;
}

/** The script `fctl completion <shell>` prints. */
export function completionScript(shell: Shell): string {
  return SCRIPTS[shell];
}

const SCRIPTS: Record<Shell, string> = {
  bash: `# fctl completion for bash. Load it in ~/.bashrc:  eval "$(fctl completion bash)"
# or save it as ~/.local/share/bash-completion/completions/fctl
_fctl_complete() {
  local line="\${COMP_LINE:0:COMP_POINT}"
  local -a words answer
  read -ra words <<< "$line"
  [[ "$line" =~ [[:space:]]$ ]] && words+=("")
  local entry
  while IFS= read -r entry; do answer+=("$entry"); done < <(fctl __complete bash -- "\${words[@]:1}" 2>/dev/null)
  local count=\${#answer[@]}
  (( count > 0 )) || return 0
  local directive="\${answer[count-1]}"
  COMPREPLY=()
  local i
  for (( i = 0; i < count - 1; i++ )); do COMPREPLY+=("\${answer[i]%%$'\\t'*}"); done
  if [[ "$directive" == ":files" && \${#COMPREPLY[@]} -eq 0 ]]; then
    compopt -o default 2>/dev/null || COMPREPLY=($(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}"))
  fi
}
complete -F _fctl_complete fctl
`,
  zsh: `#compdef fctl
# fctl completion for zsh. Load it in ~/.zshrc:  eval "$(fctl completion zsh)"  (after compinit)
# or save it as _fctl in a directory of $fpath
_fctl() {
  local -a answer candidates
  local directive entry value description
  answer=("\${(@f)$(fctl __complete zsh -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  (( \${#answer} )) || return 1
  directive=\${answer[-1]}
  for entry in "\${(@)answer[1,-2]}"; do
    value=\${entry%%$'\\t'*}
    description=\${entry#*$'\\t'}
    [[ -n $value ]] || continue
    if [[ -n $description ]]; then candidates+=("\${value//:/\\\\:}:$description"); else candidates+=("\${value//:/\\\\:}"); fi
  done
  if (( \${#candidates} )); then
    _describe -t fctl 'fctl' candidates
  elif [[ $directive == ':files' ]]; then
    _files
  fi
}
if [[ "\${funcstack[1]}" == "_fctl" ]]; then _fctl "$@"; else compdef _fctl fctl; fi
`,
  fish: `# fctl completion for fish. Load it:  fctl completion fish | source
# or save it as ~/.config/fish/completions/fctl.fish
function __fctl_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -a words (commandline -ct)
    set -l answer (fctl __complete fish -- $words 2>/dev/null)
    or return
    set -l directive $answer[-1]
    set -e answer[-1]
    if test (count $answer) -gt 0
        printf '%s\\n' $answer
    else if test "$directive" = ':files'
        __fish_complete_path (commandline -ct)
    end
end
complete -c fctl -f -a '(__fctl_complete)'
`,
};
