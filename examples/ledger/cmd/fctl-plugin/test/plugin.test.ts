// The ledger plugin's commands, run in-process with the SDK test helpers against the real service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLedgerService, type RunningLedgerService } from '@fctl-kit-example/ledger';
import { checkManifest } from '@fctl-kit/protocol';
import { CommandError, invokeCommand, type BrokeredRequest } from '@fctl-kit/plugin-sdk/testing';
import { plugin } from '../src/plugin.js';

let service: RunningLedgerService;
beforeAll(async () => {
  service = await startLedgerService({ version: '3.2.0', token: 'secret' });
});
afterAll(() => service.close());

const auth = () => ({ serviceUrl: service.url, accessToken: 'secret' });

describe('fctl-plugin-ledger', () => {
  it('has a valid manifest whose version is injected, never written', () => {
    const manifest = checkManifest(plugin.manifest(1));
    expect(manifest).toMatchObject({ name: 'ledger', service: 'ledger', version: 'dev', compatibleWith: '>=3.0.0 <4.0.0' });
  });

  it('lists transactions with a posting count, honouring page-size and reference', async () => {
    const page = (await invokeCommand(plugin, 'transactions list', { auth: auth(), flags: { 'page-size': 2 } })) as { hasMore: boolean; data: Array<{ id: number; postingCount: number }> };
    expect(page.hasMore).toBe(true);
    expect(page.data.map((tx) => [tx.id, tx.postingCount])).toEqual([[4, 1], [3, 1]]);
    const byRef = (await invokeCommand(plugin, 'tx list', { auth: auth(), flags: { reference: 'ref-001' } })) as { data: Array<{ id: number }> };
    expect(byRef.data.map((tx) => tx.id)).toEqual([2]);
  });

  it('shows one transaction, and answers not_found for an unknown one', async () => {
    expect(await invokeCommand(plugin, 'transactions show', { auth: auth(), args: ['2'] })).toMatchObject({ id: 2, reference: 'ref-001' });
    const error = await invokeCommand(plugin, 'transactions show', { auth: auth(), args: ['42'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ kind: 'not_found', code: 'NOT_FOUND' });
  });

  it('lists accounts with a balance summary, filtered by prefix', async () => {
    const page = (await invokeCommand(plugin, 'accounts list', { auth: auth(), flags: { address: 'users:' } })) as { data: Array<{ address: string; balanceSummary: string }> };
    expect(page.data).toEqual([
      expect.objectContaining({ address: 'users:001', balanceSummary: 'USD/2 1300' }),
      expect.objectContaining({ address: 'users:002', balanceSummary: 'EUR/2 50' }),
    ]);
  });

  it('maps a missing token to an auth error and an unreachable stack to unavailable', async () => {
    await expect(invokeCommand(plugin, 'transactions list', { auth: { serviceUrl: service.url } })).rejects.toMatchObject({ kind: 'auth' });
    await expect(invokeCommand(plugin, 'transactions list', { auth: { serviceUrl: 'http://127.0.0.1:9' } })).rejects.toMatchObject({ kind: 'unavailable' });
  });

  it('uses the ledger flag for every command', async () => {
    await expect(invokeCommand(plugin, 'transactions list', { auth: auth(), flags: { ledger: 'missing' } })).rejects.toMatchObject({ kind: 'not_found' });
  });
});

// Protocol v2: the plugin has no token; a stand-in for fctl's broker adds it and makes the request.
describe('fctl-plugin-ledger under protocol v2 (brokered HTTP)', () => {
  const seen: BrokeredRequest[] = [];
  const broker = (request: BrokeredRequest) => {
    seen.push(request);
    return fetch(`${service.url}${request.url}`, { method: request.method, headers: [...request.headers, ['authorization', 'Bearer secret']] });
  };

  it('lists transactions through the broker, with the same data as on v1; no request carries a token', async () => {
    seen.length = 0;
    const v2 = await invokeCommand(plugin, 'transactions list', { auth: { serviceUrl: service.url }, broker, flags: { 'page-size': 2 } });
    expect(v2).toEqual(await invokeCommand(plugin, 'transactions list', { auth: auth(), flags: { 'page-size': 2 } }));
    expect(seen.map((request) => [request.method, request.url])).toEqual([['GET', '/api/ledger/v3/default/transactions?pageSize=2']]);
    expect(JSON.stringify(seen.map((request) => request.message))).not.toMatch(/secret|authorization/i);
  });

  it('maps the broker\'s answers and errors as on v1: not_found, and unavailable for an http.error', async () => {
    await expect(invokeCommand(plugin, 'transactions show', { auth: { serviceUrl: service.url }, broker, args: ['42'] })).rejects.toMatchObject({ kind: 'not_found', code: 'NOT_FOUND' });
    const down = () => ({ error: { kind: 'unavailable' as const, code: 'connect', message: 'connection refused' } });
    await expect(invokeCommand(plugin, 'accounts list', { broker: down })).rejects.toMatchObject({ kind: 'unavailable', code: 'connect' });
  });
});
