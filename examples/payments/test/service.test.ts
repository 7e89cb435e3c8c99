// The example payments service over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaymentsService, type RunningPaymentsService } from '../src/index.js';

let service: RunningPaymentsService;
beforeAll(async () => {
  service = await startPaymentsService({ version: '1.1.0', token: 'secret' });
});
afterAll(() => service.close());

const get = (path: string, token?: string) => fetch(`${service.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

describe('payments service', () => {
  it('reports its version at /versions without a token', async () => {
    expect(await (await get('/versions')).json()).toMatchObject({ versions: [{ name: 'payments', version: 'v1.1.0' }] });
  });

  it('lists payments newest first, filtered by status, and shows one', async () => {
    const all = (await (await get('/api/payments/v1/payments', 'secret')).json()) as { cursor: { data: Array<{ id: string }> } };
    expect(all.cursor.data.map((p) => p.id)).toEqual(['pay_003', 'pay_002', 'pay_001']);
    const failed = (await (await get('/api/payments/v1/payments?status=failed', 'secret')).json()) as { cursor: { data: Array<{ id: string }> } };
    expect(failed.cursor.data.map((p) => p.id)).toEqual(['pay_002']);
    expect(await (await get('/api/payments/v1/payments/pay_001', 'secret')).json()).toMatchObject({ data: { id: 'pay_001', status: 'succeeded' } });
  });

  it('refuses without the token, and answers 404 with an error body', async () => {
    expect((await get('/api/payments/v1/payments')).status).toBe(401);
    const missing = await get('/api/payments/v1/payments/pay_404', 'secret');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ errorCode: 'NOT_FOUND', errorMessage: 'payment pay_404 not found' });
  });

  it('refuses a version that is not semver', async () => {
    await expect(startPaymentsService({ version: 'latest' })).rejects.toThrow('invalid version "latest"');
  });
});
