import { describe, expect, it } from 'vitest';
import { checkManifest, findCommand, ProtocolViolation, type CommandSpec, type Manifest } from '../src/index.js';

const manifest = (commands: CommandSpec[], extra: Partial<Manifest> = {}): Manifest => ({
  name: 'ledger',
  service: 'ledger',
  version: '3.2.0',
  protocolVersion: 1,
  description: 'Ledger',
  commands,
  ...extra,
});

const problems = (value: Manifest): string => {
  try {
    checkManifest(value);
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolViolation);
    return (error as Error).message;
  }
};

describe('checkManifest', () => {
  it('accepts a sound manifest', () => {
    expect(problems(manifest([{ use: 'run', short: 'Run', flags: [{ name: 'n', type: 'int', description: 'n', default: 1 }] }]))).toBe('');
  });

  it('lists every problem at once, each with its place', () => {
    const message = problems(
      manifest(
        [
          { use: 'run', short: 'Run', aliases: ['go'], flags: [{ name: 'debug', type: 'bool', description: 'x' }, { name: 'x', shorthand: 'o', type: 'string', description: 'x' }] },
          { use: 'go', short: 'Go', flags: [{ name: 'size', type: 'int', description: 'x', default: 'ten' }, { name: 'name', type: 'string', description: 'x', required: true, default: 'a' }] },
          { use: 'pick', short: 'Pick', flags: [{ name: 'color', type: 'string', description: 'x', enum: ['red'], default: 'blue' }, { name: 'n', type: 'int', description: 'x', enum: ['1'] }] },
        ],
        { compatibleWith: 'not a range' },
      ),
    );
    expect(message).toContain('compatibleWith "not a range" is not a semver range');
    expect(message).toContain('"go" names two subcommands');
    expect(message).toContain('flag --debug: the name is reserved by fctl');
    expect(message).toContain('shorthand -o is reserved by fctl');
    expect(message).toContain('default "ten" does not match the flag type int');
    expect(message).toContain('a required flag cannot have a default');
    expect(message).toContain('default "blue" is not one of its enum');
    expect(message).toContain('enum is allowed only on string and stringList flags');
  });

  it('refuses a flag that shadows an inherited persistent flag, root or group', () => {
    const root = problems(manifest([{ use: 'run', short: 'Run', flags: [{ name: 'ledger', type: 'string', description: 'x' }] }], { flags: [{ name: 'ledger', type: 'string', description: 'x' }] }));
    expect(root).toContain('flag --ledger is already declared by "ledger"');
    const group = problems(
      manifest([
        { use: 'g', short: 'G', flags: [{ name: 'all', shorthand: 'a', type: 'bool', description: 'x', persistent: true }], commands: [{ use: 'run', short: 'Run', flags: [{ name: 'any', shorthand: 'a', type: 'bool', description: 'x' }] }] },
      ]),
    );
    expect(group).toContain('flag -a is already declared by "ledger g"');
  });

  it('refuses display, args or confirm on a group, and max below min', () => {
    expect(problems(manifest([{ use: 'g', short: 'G', confirm: 'Sure?', commands: [{ use: 'run', short: 'Run' }] }]))).toContain('a group (a command with subcommands) cannot have display, args or confirm');
    expect(problems(manifest([{ use: 'run', short: 'Run', args: { min: 2, max: 1 } }]))).toContain('args.max is below args.min');
  });
});

describe('findCommand', () => {
  const value = manifest(
    [
      {
        use: 'transactions',
        aliases: ['tx'],
        short: 'T',
        flags: [{ name: 'persist', type: 'bool', description: 'x', persistent: true }, { name: 'local', type: 'bool', description: 'x' }],
        commands: [{ use: 'list', short: 'L', flags: [{ name: 'size', type: 'int', description: 'x' }] }],
      },
    ],
    { flags: [{ name: 'ledger', type: 'string', description: 'x' }] },
  );
  it('follows aliases to canonical names and collects the flags visible there', () => {
    const found = findCommand(value, ['tx', 'list'])!;
    expect(found.canonicalPath).toEqual(['transactions', 'list']);
    expect(found.flags.map((f) => f.name)).toEqual(['ledger', 'persist', 'size']);
  });
  it('answers undefined for an unknown path', () => {
    expect(findCommand(value, ['tx', 'nope'])).toBeUndefined();
  });
});

describe('RESERVED_COMMAND_NAMES', () => {
  it('holds every top-level command of fctl, completion included', async () => {
    const { RESERVED_COMMAND_NAMES } = await import('../src/index.js');
    expect([...RESERVED_COMMAND_NAMES].sort()).toEqual(['completion', 'help', 'plugin', 'profile', 'version']);
  });
});
