// The builder: flag types flow into handlers; the manifest reflects the definition.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { checkManifest } from '@fctl-kit/protocol';
import { createPlugin, flag } from '../src/index.js';
import { CommandError, invokeCommand } from '../src/testing.js';

const plugin = createPlugin({
  name: 'shop',
  description: 'Shop',
  compatibleWith: '>=1.0.0',
  flags: { store: flag.string({ description: 'Store', default: 'main' }) },
});
const orders = plugin.group({ use: 'orders', short: 'Orders', aliases: ['o'], flags: { archived: flag.bool({ description: 'Archived too' }) } });
orders.command({
  use: 'list',
  short: 'List orders',
  flags: {
    limit: flag.int({ description: 'Limit', default: 10 }),
    customer: flag.string({ description: 'Customer' }),
    status: flag.string({ description: 'Status', required: true, enum: ['open', 'paid'] }),
    page: flag.int({ description: 'Page', required: true }),
    tag: flag.stringList({ description: 'Tags' }),
  },
  run: ({ flags }) => {
    expectTypeOf(flags.store).toEqualTypeOf<string>();
    expectTypeOf(flags.archived).toEqualTypeOf<boolean>();
    expectTypeOf(flags.limit).toEqualTypeOf<number>();
    expectTypeOf(flags.customer).toEqualTypeOf<string | undefined>();
    expectTypeOf(flags.status).toEqualTypeOf<string>();
    expectTypeOf(flags.page).toEqualTypeOf<number>();
    expectTypeOf(flags.tag).toEqualTypeOf<string[]>();
    return flags;
  },
});
orders.command({
  use: 'get',
  short: 'Get one',
  args: { min: 1, max: 1, names: ['ID'] },
  run: ({ args }) => {
    if (args[0] === '404') throw new CommandError('not_found', 'no such order', 'ORDER_NOT_FOUND');
    if (args[0] === 'bug') throw new TypeError('undefined is not a function');
    return { id: args[0] };
  },
});

describe('createPlugin', () => {
  it('produces a valid manifest: persistent group and root flags, version "dev" from source', () => {
    const manifest = checkManifest(plugin.manifest(1));
    expect(manifest).toMatchObject({ name: 'shop', service: 'shop', version: 'dev', compatibleWith: '>=1.0.0' });
    expect(manifest.flags).toEqual([{ name: 'store', type: 'string', description: 'Store', default: 'main', persistent: true }]);
    const group = manifest.commands[0]!;
    expect(group).toMatchObject({ use: 'orders', aliases: ['o'], flags: [{ name: 'archived', type: 'bool', default: false, persistent: true }] });
    expect(group.commands!.map((c) => c.use)).toEqual(['list', 'get']);
    expect(group.commands![0]!.flags!.find((f) => f.name === 'status')).toEqual({ name: 'status', type: 'string', description: 'Status', required: true, enum: ['open', 'paid'] });
  });
});

describe('createPlugin protocolVersions', () => {
  it('defaults to every version the SDK speaks; a subset is kept sorted and without repeats', () => {
    expect(plugin.protocolVersions).toEqual([1, 2]);
    const old = createPlugin({ name: 'old', description: 'v1 only', protocolVersions: [1] });
    expect(old.protocolVersions).toEqual([1]);
    old.command({ use: 'hi', short: 'Hi', run: () => ({}) });
    // The hello tells the version picked; the list itself is not part of the manifest.
    expect(checkManifest(old.manifest(1))).not.toHaveProperty('protocolVersions');
    expect(createPlugin({ name: 'both', description: 'both', protocolVersions: [2, 1, 2] }).protocolVersions).toEqual([1, 2]);
  });

  it('refuses an empty list and versions the SDK does not speak, naming what it speaks', () => {
    for (const bad of [[], [3], [1, 3], [0], ['1']] as unknown as number[][]) {
      expect(() => createPlugin({ name: 'x', description: 'x', protocolVersions: bad })).toThrow('createPlugin: protocolVersions must list versions this SDK speaks (1, 2)');
    }
  });
});

describe('invokeCommand', () => {
  it('applies defaults, including inherited persistent flags', async () => {
    expect(await invokeCommand(plugin, 'o list', { flags: { status: 'open', page: 1 } })).toEqual({ store: 'main', archived: false, limit: 10, status: 'open', page: 1, tag: [] });
  });
  it('refuses what fctl would refuse', async () => {
    await expect(invokeCommand(plugin, 'orders list', { flags: { page: 1 } })).rejects.toMatchObject({ kind: 'usage', message: 'required flag --status is missing' });
    await expect(invokeCommand(plugin, 'orders list', { flags: { status: 'lost', page: 1 } })).rejects.toMatchObject({ kind: 'usage' });
    await expect(invokeCommand(plugin, 'orders get')).rejects.toMatchObject({ kind: 'usage', message: 'expects at least 1 argument, got 0' });
    await expect(invokeCommand(plugin, 'orders nope')).rejects.toMatchObject({ kind: 'usage', code: 'unknown_command' });
  });
  it('passes CommandErrors through and turns other exceptions into internal errors', async () => {
    await expect(invokeCommand(plugin, 'orders get', { args: ['404'] })).rejects.toMatchObject({ kind: 'not_found', code: 'ORDER_NOT_FOUND' });
    await expect(invokeCommand(plugin, 'orders get', { args: ['bug'] })).rejects.toMatchObject({ kind: 'internal', message: 'undefined is not a function' });
  });
});

describe('flag builders', () => {
  it('refuse a non-integer int default', () => {
    expect(() => flag.int({ description: 'x', default: 1.5 })).toThrow('safe integer');
  });
});
