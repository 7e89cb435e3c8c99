// The manifest -> commander translation: what users type is parsed as the manifest says.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '@fctl-kit/protocol';
import { buildServiceCommand } from '../src/cli/manifest-commands.js';
import type { Invocation } from '../src/run/invocation.js';

const manifest: Manifest = {
  name: 'ledger',
  service: 'ledger',
  version: '3.2.0',
  protocolVersion: 1,
  description: 'Ledger',
  flags: [{ name: 'ledger', type: 'string', description: 'Ledger name', default: 'default' }],
  commands: [
    {
      use: 'transactions',
      aliases: ['tx'],
      short: 'Transactions',
      flags: [{ name: 'verbose-ids', type: 'bool', description: 'Long ids', persistent: true }],
      commands: [
        {
          use: 'list',
          short: 'List',
          flags: [
            { name: 'page-size', shorthand: 'p', type: 'int', description: 'Page size', default: 15 },
            { name: 'tag', type: 'stringList', description: 'Tags', default: ['a'] },
            { name: 'order', type: 'string', description: 'Order', enum: ['asc', 'desc'] },
            { name: 'paginate', type: 'bool', description: 'Follow pages', default: true },
            { name: 'old', type: 'string', description: 'Old flag', deprecated: 'use --order' },
          ],
        },
        { use: 'show', short: 'Show', args: { min: 1, max: 1, names: ['ID'] } },
        { use: 'secret', short: 'Hidden', hidden: true },
      ],
    },
  ],
};

const silent = { writeOut: () => {}, writeErr: () => {} };

async function parse(argv: string[]): Promise<Invocation | undefined> {
  let invocation: Invocation | undefined;
  const program = new Command('fctl').exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
  program.addCommand(buildServiceCommand(manifest, 'Ledger', silent, (selected) => (invocation = selected)));
  await program.parseAsync(argv, { from: 'user' });
  return invocation;
}

describe('buildServiceCommand', () => {
  it('gives only the flags the user typed, typed; defaults are applied later', async () => {
    const invocation = await parse(['ledger', 'transactions', 'list', '-p', '20', '--tag', 'x,y', '--tag', 'z']);
    expect(invocation).toMatchObject({ path: ['transactions', 'list'], args: [], given: { 'page-size': 20, tag: ['x', 'y', 'z'] } });
  });

  it('resolves aliases to canonical names', async () => {
    expect((await parse(['ledger', 'tx', 'list']))?.path).toEqual(['transactions', 'list']);
  });

  it('accepts root and group persistent flags after the subcommand', async () => {
    const invocation = await parse(['ledger', 'tx', 'list', '--ledger', 'main', '--verbose-ids']);
    expect(invocation?.given).toEqual({ ledger: 'main', 'verbose-ids': true });
  });

  it('accepts persistent flags before the subcommand', async () => {
    const invocation = await parse(['ledger', '--ledger', 'main', 'tx', 'list']);
    expect(invocation?.given).toEqual({ ledger: 'main' });
  });

  it('supports --no-x for a bool flag that defaults to true', async () => {
    expect((await parse(['ledger', 'tx', 'list', '--no-paginate']))?.given).toEqual({ paginate: false });
  });

  it('rejects a non-integer for an int flag and a value outside an enum', async () => {
    await expect(parse(['ledger', 'tx', 'list', '--page-size', 'ten'])).rejects.toThrow(/page-size/);
    await expect(parse(['ledger', 'tx', 'list', '--order', 'sideways'])).rejects.toThrow(/Allowed choices are asc, desc/);
  });

  it('rejects unknown commands and flags', async () => {
    await expect(parse(['ledger', 'tx', 'lst'])).rejects.toThrow(/unknown command 'lst'/);
    await expect(parse(['ledger', 'tx', 'list', '--nope'])).rejects.toThrow(/unknown option '--nope'/);
  });

  it('passes positional arguments and reports deprecated flags', async () => {
    expect((await parse(['ledger', 'tx', 'show', '42']))?.args).toEqual(['42']);
    expect((await parse(['ledger', 'tx', 'list', '--old', 'x']))?.deprecatedFlags).toEqual(['--old: use --order']);
  });

  it('hides hidden commands from help but still runs them', async () => {
    const root = buildServiceCommand(manifest, 'Ledger', silent, () => {});
    const transactions = root.commands.find((c) => c.name() === 'transactions')!;
    expect(transactions.helpInformation()).not.toContain('secret');
    expect(transactions.helpInformation()).toContain('list');
    expect((await parse(['ledger', 'tx', 'secret']))?.path).toEqual(['transactions', 'secret']);
  });
});
