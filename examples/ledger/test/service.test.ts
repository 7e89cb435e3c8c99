// The example ledger service over real HTTP on 127.0.0.1.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { startLedgerService, type RunningLedgerService } from '../src/index.js';

const running: RunningLedgerService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.close()));
});

async function start(options: Parameters<typeof startLedgerService>[0]) {
  const service = await startLedgerService(options);
  running.push(service);
  return service;
}

const getJson = async (url: string, token?: string) => {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, body: (await response.json()) as any };
};

describe('ledger service', () => {
  it('reports its version on /versions in the Formance shape', async () => {
    const service = await start({ version: '3.2.0' });
    expect(await getJson(`${service.url}/versions`)).toEqual({
      status: 200,
      body: { region: 'local', env: 'example', versions: [{ name: 'ledger', version: 'v3.2.0', health: true }] },
    });
  });

  it('serves the v3 API on 3.x: cursors newest first, filters, one transaction, accounts', async () => {
    const service = await start({ version: '3.2.0' });
    const list = await getJson(`${service.url}/api/ledger/v3/default/transactions?pageSize=2`);
    expect(list.body.cursor).toMatchObject({ pageSize: 2, hasMore: true });
    expect(list.body.cursor.data.map((tx: { id: number }) => tx.id)).toEqual([4, 3]);
    const byReference = await getJson(`${service.url}/api/ledger/v3/default/transactions?reference=ref-001`);
    expect(byReference.body.cursor.data).toHaveLength(1);
    expect((await getJson(`${service.url}/api/ledger/v3/default/transactions/2`)).body.data.postings).toHaveLength(2);
    const accounts = await getJson(`${service.url}/api/ledger/v3/default/accounts?address=users:`);
    expect(accounts.body.cursor.data).toEqual([
      { address: 'users:001', balances: { 'USD/2': 1300 } },
      { address: 'users:002', balances: { 'EUR/2': 50 } },
    ]);
    expect(await getJson(`${service.url}/api/ledger/v2/default/transactions`)).toMatchObject({ status: 404 });
  });

  it('serves the v2 API on 2.x, with txid and without metadata', async () => {
    const service = await start({ version: '2.8.0' });
    const list = await getJson(`${service.url}/api/ledger/v2/default/transactions`);
    expect(list.body.cursor.data[0]).toEqual({ txid: 4, timestamp: '2026-05-14T10:00:00.000Z', reference: 'ref-002', postings: [expect.any(Object)] });
    expect(await getJson(`${service.url}/api/ledger/v3/default/transactions`)).toMatchObject({ status: 404 });
  });

  it('answers errors as JSON with codes', async () => {
    const service = await start({ version: '3.2.0' });
    expect(await getJson(`${service.url}/api/ledger/v3/default/transactions/99`)).toEqual({
      status: 404,
      body: { errorCode: 'NOT_FOUND', errorMessage: 'transaction 99 not found in ledger default' },
    });
    expect((await getJson(`${service.url}/api/ledger/v3/nope/transactions`)).status).toBe(404);
    expect((await getJson(`${service.url}/api/ledger/v3/default/transactions?pageSize=0`)).body.errorCode).toBe('VALIDATION');
  });

  it('creates transactions, validates them, refuses duplicate references, and persists across restarts', async () => {
    const dataFile = join(mkdtempSync(join(tmpdir(), 'ledger-')), 'data.json');
    const first = await start({ version: '3.2.0', dataFile });
    const post = (body: unknown) =>
      fetch(`${first.url}/api/ledger/v3/default/transactions`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    const created = await post({ reference: 'new-1', postings: [{ source: 'world', destination: 'users:003', amount: 10, asset: 'USD/2' }] });
    expect(created).toMatchObject({ status: 201, body: { data: { id: 5, reference: 'new-1' } } });
    expect((await post({ reference: 'new-1', postings: [{ source: 'world', destination: 'a', amount: 1, asset: 'USD/2' }] })).status).toBe(409);
    expect((await post({ postings: [{ source: 'world', destination: 'a', amount: -1, asset: 'USD/2' }] })).body).toMatchObject({ errorCode: 'VALIDATION' });
    await first.close();
    running.length = 0;
    const second = await start({ version: '3.2.0', dataFile });
    expect((await getJson(`${second.url}/api/ledger/v3/default/transactions/5`)).body.data.reference).toBe('new-1');
  });

  it('requires the bearer token when configured, except on /versions', async () => {
    const service = await start({ version: '3.2.0', token: 't0ken' });
    expect((await getJson(`${service.url}/versions`)).status).toBe(200);
    expect((await getJson(`${service.url}/api/ledger/v3/default/transactions`)).status).toBe(401);
    expect((await getJson(`${service.url}/api/ledger/v3/default/transactions`, 'wrong')).status).toBe(401);
    expect((await getJson(`${service.url}/api/ledger/v3/default/transactions`, 't0ken')).status).toBe(200);
  });

  it('runs as a command that prints where it listens and stops on SIGTERM', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ledger-cli-')), 'server.js');
    await build({ entryPoints: [join(import.meta.dirname, '..', 'src', 'server.ts')], outfile: out, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
    const child = spawn(process.execPath, [out, '--version', '2.8.0', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
    expect(line).toMatch(/^ledger service v2\.8\.0 listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = line.split(' ').pop()!;
    expect((await getJson(`${url}/versions`)).body.versions[0].version).toBe('v2.8.0');
    const exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
