// The payments plugin's commands, run in-process with the SDK test helpers against the real service,
// through a stand-in for fctl's broker (the plugin speaks protocol v2 only and never holds a token).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaymentsService, type RunningPaymentsService } from '@fctl-kit-example/payments';
import { checkManifest } from '@fctl-kit/protocol';
import { invokeCommand, type BrokeredRequest } from '@fctl-kit/plugin-sdk/testing';
import { plugin } from '../src/plugin.js';

const TOKEN = 'payments-test-token';
let service: RunningPaymentsService;
beforeAll(async () => {
  service = await startPaymentsService({ version: '1.1.0', token: TOKEN });
});
afterAll(() => service.close());

const seen: BrokeredRequest[] = [];
const broker = (request: BrokeredRequest) => {
  seen.push(request);
  return fetch(`${service.url}${request.url}`, { method: request.method, headers: [...request.headers, ['authorization', `Bearer ${TOKEN}`]] });
};
const options = () => ({ auth: { serviceUrl: service.url }, broker });

describe('fctl-plugin-payments', () => {
  it('speaks protocol v2 only, with a valid manifest whose version is injected', () => {
    expect(plugin.protocolVersions).toEqual([2]);
    expect(checkManifest(plugin.manifest(2))).toMatchObject({ name: 'payments', version: 'dev', compatibleWith: '>=1.0.0 <2.0.0' });
  });

  it('lists payments through the broker, filtered by status; no request carries a token', async () => {
    seen.length = 0;
    expect(((await invokeCommand(plugin, 'list', options())) as { data: Array<{ id: string }> }).data.map((p) => p.id)).toEqual(['pay_003', 'pay_002', 'pay_001']);
    expect(((await invokeCommand(plugin, 'list', { ...options(), flags: { status: 'failed' } })) as { data: Array<{ id: string }> }).data.map((p) => p.id)).toEqual(['pay_002']);
    expect(seen.map((request) => request.url)).toEqual(['/api/payments/v1/payments', '/api/payments/v1/payments?status=failed']);
    expect(JSON.stringify(seen.map((request) => request.message))).not.toMatch(new RegExp(`${TOKEN}|authorization`, 'i'));
  });

  it('shows one payment, not_found for an unknown one, unavailable when the broker cannot reach the stack', async () => {
    expect(await invokeCommand(plugin, 'show', { ...options(), args: ['pay_001'] })).toMatchObject({ id: 'pay_001', status: 'succeeded' });
    await expect(invokeCommand(plugin, 'show', { ...options(), args: ['pay_404'] })).rejects.toMatchObject({ kind: 'not_found', code: 'NOT_FOUND' });
    const down = () => ({ error: { kind: 'unavailable' as const, code: 'connect', message: 'connection refused' } });
    await expect(invokeCommand(plugin, 'list', { broker: down })).rejects.toMatchObject({ kind: 'unavailable', code: 'connect' });
  });

  it('cannot be invoked as protocol v1 would run it: it speaks only v2', async () => {
    await expect(invokeCommand(plugin, 'list', { protocolVersion: 1, auth: { serviceUrl: service.url, accessToken: TOKEN } })).rejects.toThrow('invokeCommand: fctl-plugin-payments speaks protocol 2, not 1');
  });
});
