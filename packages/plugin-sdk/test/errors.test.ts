// CommandError across copies of the SDK: a second copy of the module (as when a helper library
// brings its own SDK version) makes errors that this copy still reads as CommandErrors.
import { expect, it, vi } from 'vitest';
import { createPlugin } from '../src/index.js';
import { CommandError, invokeCommand } from '../src/testing.js';

async function secondCopy(): Promise<typeof CommandError> {
  vi.resetModules();
  const copy = (await import('../src/errors.js')) as { CommandError: typeof CommandError };
  expect(copy.CommandError).not.toBe(CommandError);
  return copy.CommandError;
}

it('keeps the kind and code of a CommandError made by another copy of the SDK', async () => {
  const Foreign = await secondCopy();
  const plugin = createPlugin({ name: 'shop', description: 'Shop' });
  plugin.command({ use: 'pay', short: 'Pay', run: () => { throw new Foreign('conflict', 'already paid', 'already_paid'); } });
  await expect(invokeCommand(plugin, 'pay')).rejects.toMatchObject({ kind: 'conflict', code: 'already_paid', message: 'already paid' });
  expect(new Foreign('auth', 'no token')).toBeInstanceOf(CommandError);
  expect(CommandError.is(new Foreign('auth', 'no token'))).toBe(true);
});

it('tells other errors apart, also ones that look like a CommandError', () => {
  const lookalike = Object.assign(new Error('x'), { name: 'CommandError', kind: 'auth' });
  expect(CommandError.is(lookalike)).toBe(false);
  expect(lookalike instanceof CommandError).toBe(false);
  expect(CommandError.is(null)).toBe(false);
  expect(CommandError.is('CommandError')).toBe(false);
});

it('keeps the ordinary instanceof for subclasses', () => {
  class PaymentError extends CommandError {}
  expect(new PaymentError('conflict', 'x')).toBeInstanceOf(CommandError);
  expect(new PaymentError('conflict', 'x')).toBeInstanceOf(PaymentError);
  expect(new CommandError('conflict', 'x')).not.toBeInstanceOf(PaymentError);
});
