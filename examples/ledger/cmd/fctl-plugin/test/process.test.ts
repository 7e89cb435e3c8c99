// The built plugin as a process, spoken to by this test standing for fctl, against the real ledger
// service: under protocol v2 the test is also the broker (it adds the token, the plugin never sees
// it: not in its environment, arguments or stdin); under v1 the plugin sends the token itself.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLedgerService, type RunningLedgerService } from '@fctl-kit-example/ledger';

const TOKEN = 'process-test-token-8f3a';
let service: RunningLedgerService;
let bundle: string;
beforeAll(async () => {
  service = await startLedgerService({ version: '3.2.0', token: TOKEN });
  bundle = join(mkdtempSync(join(tmpdir(), 'ledger-plugin-')), 'fctl-plugin-ledger.cjs');
  await build({
    entryPoints: [join(import.meta.dirname, '..', 'src', 'main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    conditions: ['@fctl-kit/source'],
    logLevel: 'silent',
  });
});
afterAll(() => service.close());

function startPlugin() {
  const child = spawn(process.execPath, [bundle], { env: { PATH: process.env.PATH, FCTL_PLUGIN_HANDSHAKE: 'fctl-plugin-protocol' }, stdio: ['pipe', 'pipe', 'pipe'] });
  const sent: string[] = [];
  const queued: Array<Record<string, any>> = [];
  const waiting: Array<(message: Record<string, any>) => void> = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as Record<string, any>;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queued.push(message);
  });
  return {
    child,
    sent,
    stderr: () => stderr,
    send(message: unknown) {
      const line = JSON.stringify(message);
      sent.push(line);
      child.stdin.write(`${line}\n`);
    },
    next: () => (queued.length ? Promise.resolve(queued.shift()!) : new Promise<Record<string, any>>((resolve) => waiting.push(resolve))),
    exit: new Promise<number | null>((resolve) => child.on('exit', resolve)),
  };
}

const execute = (auth: Record<string, unknown>) => ({
  type: 'execute',
  id: '1',
  command: ['transactions', 'list'],
  args: [],
  flags: { ledger: 'default', 'page-size': 2 },
  output: 'json',
  debug: true,
  auth,
  timeoutMs: 10_000,
});

describe('the built ledger plugin', () => {
  it('under protocol v2: every request goes through fctl (here the test), which adds the token; the plugin never holds it', async () => {
    const plugin = startPlugin();
    plugin.send({ type: 'hello', protocolVersions: [1, 2], core: { name: 'test', version: '0' } });
    expect(await plugin.next()).toMatchObject({ type: 'hello', protocolVersion: 2, capabilities: {} });
    plugin.send({ type: 'session', capabilities: { http: { maxInFlight: 8, maxRequestBodyBytes: 4194304, maxResponseBodyBytes: 33554432 } } });
    plugin.send(execute({ serviceUrl: service.url }));
    const requests: Array<Record<string, any>> = [];
    let answer: Record<string, any>;
    for (;;) {
      const message = await plugin.next();
      if (message.type !== 'http.request') {
        answer = message;
        break;
      }
      requests.push(message);
      const response = await fetch(`${service.url}${message.url}`, { method: message.method, headers: [...message.headers, ['authorization', `Bearer ${TOKEN}`]] });
      plugin.send({ type: 'http.response', id: message.id, status: response.status, headers: [['content-type', response.headers.get('content-type') ?? 'application/json']], body: { encoding: 'utf8', data: await response.text() } });
    }
    expect(answer).toMatchObject({ type: 'result', id: '1', data: { hasMore: true, data: [{ id: 4 }, { id: 3 }] } });
    expect(requests.map((request) => [request.method, request.url])).toEqual([['GET', '/api/ledger/v3/default/transactions?pageSize=2']]);
    // Nothing the plugin received or could read holds the token.
    if (process.platform === 'linux') expect(readFileSync(`/proc/${plugin.child.pid}/environ`, 'utf8')).not.toContain(TOKEN);
    expect(plugin.sent.join('\n')).not.toContain(TOKEN);
    plugin.child.stdin.end();
    expect(await plugin.exit).toBe(0);
    expect(plugin.stderr()).not.toContain(TOKEN);
    expect(plugin.stderr()).toContain('→ GET /api/ledger/v3/default/transactions?pageSize=2');
  });

  it('under protocol v1: the plugin requests the service itself with the token of execute.auth', async () => {
    const plugin = startPlugin();
    plugin.send({ type: 'hello', protocolVersions: [1], core: { name: 'test', version: '0' } });
    expect(await plugin.next()).toMatchObject({ type: 'hello', protocolVersion: 1 });
    plugin.send(execute({ serviceUrl: service.url, accessToken: TOKEN, insecureSkipTlsVerify: false }));
    expect(await plugin.next()).toMatchObject({ type: 'result', id: '1', data: { hasMore: true, data: [{ id: 4 }, { id: 3 }] } });
    plugin.child.stdin.end();
    expect(await plugin.exit).toBe(0);
  });
});
