// Rules of a manifest that JSON Schema cannot express: unique names, defaults that match
// their flag type, flags that do not shadow the core's own, ranges that parse.
import semver from 'semver';
import type { CommandSpec, FlagSpec, Manifest } from './schema.js';
import { ProtocolViolation, validateManifestSchema } from './validate.js';

/** Flags the core owns on every command; a plugin may not declare them. */
export const RESERVED_FLAG_NAMES: readonly string[] = [
  'help',
  'output',
  'debug',
  'profile',
  'no-color',
  'timeout',
  'yes',
  'non-interactive',
  'plugin-binary',
  'version',
];
export const RESERVED_SHORTHANDS: readonly string[] = ['h', 'o', 'y'];

/**
 * Top-level commands of fctl itself: no plugin may be named after them. (fctl's hidden `__complete`
 * needs no entry: a plugin name cannot start with `_`, see the manifest and registry name patterns.)
 */
export const RESERVED_COMMAND_NAMES: readonly string[] = ['profile', 'plugin', 'version', 'help', 'completion'];

function checkFlag(flag: FlagSpec, where: string, problems: string[]): void {
  const at = `${where} flag --${flag.name}`;
  if (RESERVED_FLAG_NAMES.includes(flag.name)) problems.push(`${at}: the name is reserved by fctl`);
  if (flag.shorthand && RESERVED_SHORTHANDS.includes(flag.shorthand)) {
    problems.push(`${at}: shorthand -${flag.shorthand} is reserved by fctl`);
  }
  if (flag.required && flag.default !== undefined) problems.push(`${at}: a required flag cannot have a default`);
  if (flag.enum && flag.type !== 'string' && flag.type !== 'stringList') {
    problems.push(`${at}: enum is allowed only on string and stringList flags`);
  }
  if (flag.default === undefined) return;
  const value = flag.default;
  const fits =
    (flag.type === 'string' && typeof value === 'string') ||
    (flag.type === 'bool' && typeof value === 'boolean') ||
    (flag.type === 'int' && typeof value === 'number' && Number.isSafeInteger(value)) ||
    (flag.type === 'stringList' && Array.isArray(value));
  if (!fits) problems.push(`${at}: default ${JSON.stringify(value)} does not match the flag type ${flag.type}`);
  const allowed = flag.enum;
  if (fits && allowed) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) if (!allowed.includes(String(v))) problems.push(`${at}: default ${JSON.stringify(v)} is not one of its enum`);
  }
}

function checkFlags(flags: FlagSpec[], inherited: Map<string, string>, where: string, problems: string[]): Map<string, string> {
  const visible = new Map(inherited);
  const own = new Set<string>();
  for (const flag of flags) {
    checkFlag(flag, where, problems);
    for (const key of [`--${flag.name}`, ...(flag.shorthand ? [`-${flag.shorthand}`] : [])]) {
      if (own.has(key)) problems.push(`${where}: flag ${key} is declared twice`);
      else if (visible.has(key)) problems.push(`${where}: flag ${key} is already declared by ${visible.get(key)}`);
      own.add(key);
    }
  }
  for (const flag of flags) {
    if (flag.persistent) {
      visible.set(`--${flag.name}`, where);
      if (flag.shorthand) visible.set(`-${flag.shorthand}`, where);
    }
  }
  return visible;
}

function checkCommands(commands: CommandSpec[], path: string, inherited: Map<string, string>, problems: string[]): void {
  const names = new Set<string>();
  for (const command of commands) {
    const where = `${path} ${command.use}`;
    for (const name of [command.use, ...(command.aliases ?? [])]) {
      if (names.has(name)) problems.push(`${path}: "${name}" names two subcommands`);
      names.add(name);
    }
    const visible = checkFlags(command.flags ?? [], inherited, `"${where.trim()}"`, problems);
    const isGroup = Boolean(command.commands?.length);
    if (command.args && command.args.max !== undefined && command.args.max < command.args.min) {
      problems.push(`"${where.trim()}": args.max is below args.min`);
    }
    if (isGroup && (command.display || command.args || command.confirm)) {
      problems.push(`"${where.trim()}": a group (a command with subcommands) cannot have display, args or confirm`);
    }
    if (isGroup) checkCommands(command.commands!, where, visible, problems);
  }
}

/** Validates a manifest fully (schema and rules); throws ProtocolViolation listing every problem. */
export function checkManifest(value: unknown): Manifest {
  const manifest = validateManifestSchema(value);
  const problems: string[] = [];
  if (manifest.compatibleWith !== undefined && semver.validRange(manifest.compatibleWith) === null) {
    problems.push(`compatibleWith ${JSON.stringify(manifest.compatibleWith)} is not a semver range`);
  }
  const rootFlags = checkFlags(
    (manifest.flags ?? []).map((flag) => ({ ...flag, persistent: true })),
    new Map(),
    `"${manifest.name}"`,
    problems,
  );
  checkCommands(manifest.commands, manifest.name, rootFlags, problems);
  if (problems.length) {
    throw new ProtocolViolation(`manifest of "${manifest.name}" is invalid:\n  - ${problems.join('\n  - ')}`);
  }
  return manifest;
}
