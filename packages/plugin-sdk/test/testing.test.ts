// The test helpers: one handler using context.http, run as under a v1 fctl (a loopback stub of the
// stack) and as under a v2 fctl (a fake broker), unchanged.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError, createPlugin, flag } from '../src/index.js';
import { invokeCommand, type BrokeredRequest } from '../src/testing.js';

const plugin = createPlugin({ name: 'probe', description: 'probe' });
plugin.command({
  use: 'show',
  short: 'show',
  args: { min: 1, max: 1 },
  run: async ({ args, http, auth }) => {
    const response = await http.fetch(`/api/things/${encodeURIComponent(args[0]!)}`, { headers: { accept: 'application/json' } });
    if (response.status === 404) throw new CommandError('not_found', `no thing ${args[0]}`);
    return { thing: await response.json(), hasToken: auth.accessToken !== undefined };
  },
});
plugin.command({
  use: 'many',
  short: 'many',
  flags: { count: flag.int({ description: 'n', default: 4 }) },
  run: async ({ flags, http }) => Promise.all(Array.from({ length: flags.count }, async (_, i) => (await http.fetch(`/n/${i}`)).text())),
});

plugin.command({
  use: 'abortable',
  short: 'abortable',
  run: async ({ http }) => {
    const controller = new AbortController();
    const first = http.fetch('/a', { signal: controller.signal, timeoutMs: 1234 });
    controller.abort(new Error('the handler gave up'));
    const reason = await first.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    return { reason, second: await (await http.fetch('/b')).text() };
  },
});

let stack: Server;
let serviceUrl: string;
beforeAll(async () => {
  stack = createServer((request, response) => {
    if (request.headers.authorization !== 'Bearer t0ken') return void response.writeHead(401).end();
    if (request.url === '/api/things/1') return void response.writeHead(200, { 'content-type': 'application/json' }).end('{"id":1}');
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => stack.listen(0, '127.0.0.1', resolve));
  serviceUrl = `http://127.0.0.1:${(stack.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => stack.close(resolve)));

describe('invokeCommand with context.http', () => {
  it('v1: requests the stack itself with the token', async () => {
    expect(await invokeCommand(plugin, 'show', { args: ['1'], auth: { serviceUrl, accessToken: 't0ken' } })).toEqual({ thing: { id: 1 }, hasToken: true });
    await expect(invokeCommand(plugin, 'show', { args: ['2'], auth: { serviceUrl, accessToken: 't0ken' } })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('v2: the same handler, answered by a fake broker that never sees a token', async () => {
    const seen: BrokeredRequest[] = [];
    const broker = (request: BrokeredRequest) => {
      seen.push(request);
      return request.url === '/api/things/1' ? { body: { id: 1 } } : { status: 404 };
    };
    expect(await invokeCommand(plugin, 'show', { args: ['1'], auth: { serviceUrl: 'https://stack.example', accessToken: 't0ken' }, broker })).toEqual({ thing: { id: 1 }, hasToken: false });
    await expect(invokeCommand(plugin, 'show', { args: ['2'], broker })).rejects.toMatchObject({ kind: 'not_found' });
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/api/things/1', target: 'https://stack.example/api/things/1', headers: [['accept', 'application/json']], body: undefined });
    expect(JSON.stringify(seen.map((request) => request.message))).not.toContain('t0ken');
  });

  it('v2: an http.error from the broker reaches fctl as the kind the protocol says (unavailable here)', async () => {
    const broker = () => ({ error: { kind: 'unavailable' as const, code: 'connect', message: 'the stack is down' } });
    await expect(invokeCommand(plugin, 'show', { args: ['1'], broker })).rejects.toMatchObject({ kind: 'unavailable', code: 'connect', message: 'the stack is down' });
  });

  it('v2: a traversal is refused in the plugin and never reaches the broker (an uncaught refusal is a plugin bug)', async () => {
    const seen: BrokeredRequest[] = [];
    const broker = (request: BrokeredRequest) => (seen.push(request), { body: {} });
    // Encoded ("..%2F..%2Fadmin") or not, as fctl's broker decides.
    await expect(invokeCommand(plugin, 'show', { args: ['../../admin'], broker })).rejects.toMatchObject({ kind: 'internal', code: 'dot_segment' });
    await expect(invokeCommand(plugin, 'show', { args: ['..'], broker })).rejects.toMatchObject({ kind: 'internal', code: 'dot_segment' });
    await invokeCommand(plugin, 'show', { args: ['a.b'], broker });
    expect(seen.map((request) => request.url)).toEqual(['/api/things/a.b']);
  });

  it("v2: the caller's signal rejects the call with its reason; the request keeps its slot until the broker answers it; timeoutMs is passed on", async () => {
    const events: string[] = [];
    const broker = async (request: BrokeredRequest) => {
      events.push(`start ${request.url} ${request.message.timeoutMs ?? '-'}`);
      if (request.url === '/a') await new Promise((resolve) => setTimeout(resolve, 20));
      events.push(`end ${request.url}`);
      return { body: request.url };
    };
    expect(await invokeCommand(plugin, 'abortable', { broker, session: { maxInFlight: 1 } })).toEqual({ reason: 'the handler gave up', second: '/b' });
    expect(events).toEqual(['start /a 1234', 'end /a', 'start /b -', 'end /b']);
  });

  it("v2: holds the session's maxInFlight", async () => {
    let inFlight = 0;
    let most = 0;
    const broker = async (request: BrokeredRequest) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return new Response(`r${request.url}`);
    };
    expect(await invokeCommand(plugin, 'many', { flags: { count: 6 }, broker, session: { maxInFlight: 2 } })).toEqual(['r/n/0', 'r/n/1', 'r/n/2', 'r/n/3', 'r/n/4', 'r/n/5']);
    expect(most).toBe(2);
  });

  it('v2: cancelling rejects the pending request without waiting for the broker', async () => {
    const controller = new AbortController();
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    const broker = async () => {
      controller.abort();
      await answered;
      return { body: { id: 1 } };
    };
    await expect(invokeCommand(plugin, 'show', { args: ['1'], broker, signal: controller.signal })).rejects.toMatchObject({ kind: 'cancelled' });
    release();
  });
});
