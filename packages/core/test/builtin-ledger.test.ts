// The built-in Ledger v2 commands against a real 2.8.0 example service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLedgerService, type RunningLedgerService } from '@fctl-kit-example/ledger';
import { checkManifest } from '@fctl-kit/protocol';
import { invokeCommand } from '@fctl-kit/plugin-sdk/testing';
import { builtinLedger } from '../src/builtins/ledger-v2.js';

let service: RunningLedgerService;
beforeAll(async () => {
  service = await startLedgerService({ version: '2.8.0' });
});
afterAll(() => service.close());

describe('built-in ledger commands', () => {
  it('cover Ledger below 3.0.0 and have a valid manifest', () => {
    expect(builtinLedger.covers).toBe('<3.0.0');
    expect(checkManifest(builtinLedger.plugin.manifest(1)).commands.map((c) => c.use)).toEqual(['transactions', 'accounts']);
  });

  it('list and show transactions through the v2 API', async () => {
    const list = (await invokeCommand(builtinLedger.plugin, 'transactions list', { auth: { serviceUrl: service.url } })) as { cursor: { data: Array<{ txid: number }> } };
    expect(list.cursor.data.map((tx) => tx.txid)).toEqual([4, 3, 2, 1]);
    expect(await invokeCommand(builtinLedger.plugin, 'tx show', { auth: { serviceUrl: service.url }, args: ['1'] })).toMatchObject({ txid: 1, reference: 'init' });
    await expect(invokeCommand(builtinLedger.plugin, 'tx show', { auth: { serviceUrl: service.url }, args: ['77'] })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('list accounts', async () => {
    const accounts = (await invokeCommand(builtinLedger.plugin, 'accounts list', { auth: { serviceUrl: service.url } })) as { cursor: { data: Array<{ address: string }> } };
    expect(accounts.cursor.data.map((a) => a.address)).toContain('users:001');
  });
});
