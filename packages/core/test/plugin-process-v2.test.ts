// The host side of protocol v2 with real plugin processes (hand-written fixtures speaking raw JSON
// lines, test/fixtures/protocol-v2) and a loopback stack. The broker here is the test's own, which
// makes plain requests and records how the host made it: these tests are about the host's protocol
// bookkeeping, the broker's rules have their own tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCoreMessageFor, type HttpError, type HttpRequest, type HttpResponse } from '@fctl-kit/protocol';
import type { BrokerOptions, HttpBroker } from '../src/host/broker-seam.js';
import { BrokeredHttp } from '../src/host/brokered-http.js';
import { PluginFailure } from '../src/host/failure.js';
import { PluginProcess, type StartOptions } from '../src/host/plugin-process.js';
import { HOST_PROTOCOL_VERSIONS, offeredProtocolVersions } from '../src/host/protocol-offer.js';

const fixture = (name: string) => join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'protocol-v2', `${name}.mjs`);
const TOKEN = 'secret-token-4f1c9e';

let server: Server;
let stackUrl: string;
const seen: { url: string; authorization: string | undefined }[] = [];
const slow = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    seen.push({ url: request.url ?? '', authorization: request.headers.authorization });
    if (request.url?.startsWith('/api/ledger/slow')) {
      slow.add(response);
      response.on('close', () => slow.delete(response));
      return; // answered never: the client aborts
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ path: request.url, authorized: request.headers.authorization === `Bearer ${TOKEN}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const response of slow) response.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** A broker that sends the request as asked, with the token, and records every broker made. */
function testBroker() {
  const made: BrokerOptions[] = [];
  const handled: { request: HttpRequest; aborted: () => boolean }[] = [];
  const factory = (options: BrokerOptions): HttpBroker => {
    made.push(options);
    return {
      limits: { maxInFlight: options.maxInFlight ?? 8, maxRequestBodyBytes: options.maxRequestBodyBytes ?? 0, maxResponseBodyBytes: options.maxResponseBodyBytes ?? 0 },
      async handle(request, signal): Promise<HttpResponse | HttpError> {
        handled.push({ request, aborted: () => signal.aborted });
        options.debug?.(`→ ${request.method} ${request.url}`);
        try {
          const response = await fetch(options.serviceUrl + request.url, {
            method: request.method,
            headers: { ...Object.fromEntries(request.headers), ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
            signal,
          });
          return { type: 'http.response', id: request.id, status: response.status, headers: [['content-type', response.headers.get('content-type') ?? '']], body: { encoding: 'utf8', data: await response.text() } };
        } catch {
          return signal.aborted
            ? { type: 'http.error', id: request.id, error: { kind: 'cancelled', code: 'cancelled', message: 'cancelled' } }
            : { type: 'http.error', id: request.id, error: { kind: 'unavailable', code: 'connect', message: 'unreachable' } };
        }
      },
    };
  };
  return { factory, made, handled };
}

interface Started {
  plugin: PluginProcess;
  broker: ReturnType<typeof testBroker>;
  debug: string[];
  observed: { what: string; value: unknown }[];
  stderr: string[];
}

async function start(name: string, options: Partial<StartOptions> = {}): Promise<Started> {
  const broker = testBroker();
  const debug: string[] = [];
  const observed: { what: string; value: unknown }[] = [];
  const stderr: string[] = [];
  const plugin = await PluginProcess.start({
    plugin: { name: 'ledger', path: fixture(name) },
    coreVersion: 'test',
    protocolVersions: [1, 2],
    broker: broker.factory,
    debug: (line) => debug.push(line),
    onStderrLine: (line) => {
      stderr.push(line);
      if (line.startsWith('observed ')) observed.push(JSON.parse(line.slice('observed '.length)) as { what: string; value: unknown });
    },
    ...options,
  });
  return { plugin, broker, debug, observed, stderr };
}

const auth = () => ({ serviceUrl: stackUrl, accessToken: TOKEN, insecureSkipTlsVerify: false, organizationId: 'org_1', stackId: 'stack_1' });
const request = (command: string, flags: Record<string, string | number> = {}) => ({ command: [command], args: [], flags, output: 'json' as const, debug: false, auth: auth() });

async function failureOf(promise: Promise<unknown>): Promise<PluginFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginFailure);
  return error as PluginFailure;
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('PluginProcess, protocol v2', () => {
  it('a v2 plugin gets the session and an auth without secrets; its request goes through the broker, which holds the token', async () => {
    const { plugin, broker, debug } = await start('plugin');
    expect(plugin.protocolVersion).toBe(2);
    const outcome = await plugin.execute(request('get', { path: '/api/ledger/v2/_info' }), 10_000);
    await plugin.close();
    expect(outcome.status).toBe('ok');
    const data = (outcome as { data: { session: unknown; auth: unknown; answer: HttpResponse } }).data;
    expect(data.session).toEqual({ http: { maxInFlight: 8, maxRequestBodyBytes: 4 * 1024 * 1024, maxResponseBodyBytes: 32 * 1024 * 1024 } });
    expect(data.auth).toEqual({ serviceUrl: stackUrl, organizationId: 'org_1', stackId: 'stack_1' });
    expect(data.answer).toMatchObject({ type: 'http.response', id: 'r1', status: 200 });
    expect(JSON.parse(data.answer.body!.data)).toEqual({ path: '/api/ledger/v2/_info', authorized: true });
    expect(JSON.stringify(data)).not.toContain(TOKEN);
    // One broker for the execute, made from its auth, scoped to the plugin's service, with the session's limits.
    expect(broker.made).toHaveLength(1);
    expect(broker.made[0]).toMatchObject({ serviceUrl: stackUrl, servicePrefix: '/api/ledger', token: TOKEN, insecureTls: false, maxInFlight: 8 });
    // The request's own timeout is bounded by the execute's deadline.
    expect(broker.handled[0]!.request.timeoutMs).toBeLessThanOrEqual(10_000);
    // The broker's debug line is the core's.
    expect(debug).toContain('→ GET /api/ledger/v2/_info');
    expect(debug.join('\n')).not.toContain(TOKEN);
  });

  it('the session announces the configured limits, within the protocol', async () => {
    const { plugin } = await start('plugin', { httpLimits: { maxInFlight: 2, maxRequestBodyBytes: 1024, maxResponseBodyBytes: 1e12 } });
    const outcome = (await plugin.execute(request('get'), 10_000)) as { data: { session: unknown } };
    await plugin.close();
    expect(outcome.data.session).toEqual({ http: { maxInFlight: 2, maxRequestBodyBytes: 1024, maxResponseBodyBytes: 32 * 1024 * 1024 } });
  });

  it('a request naming an execute that was never sent is answered refused/unknown_execute and never reaches the broker', async () => {
    const { plugin, broker } = await start('plugin');
    const outcome = (await plugin.execute(request('unknown-execute'), 10_000)) as { data: { answer: HttpError } };
    await plugin.close();
    expect(outcome.data.answer).toMatchObject({ type: 'http.error', id: 'r1', error: { kind: 'refused', code: 'unknown_execute' } });
    expect(broker.handled).toHaveLength(0);
  });

  it('two requests in flight with one id are a protocol violation: the plugin is stopped and reported', async () => {
    const { plugin } = await start('plugin');
    const failure = await failureOf(plugin.execute(request('duplicate'), 10_000));
    expect(failure.details.reason).toBe('protocol');
    expect(failure.message).toContain('broke the plugin protocol during execution');
    expect(failure.message).toContain('http.request "same" while a request with that id was still in flight');
    await plugin.close();
  });

  it('over the in-flight bound (all executes together) a request is answered limit/too_many_in_flight at once; cancel answers the others cancelled', async () => {
    const { plugin, broker, observed } = await start('plugin', { httpLimits: { maxInFlight: 2 } });
    const controller = new AbortController();
    const pending = plugin.execute(request('flood', { count: 3 }), 10_000, controller.signal);
    await until(() => observed.length === 1);
    expect(observed[0]!.value).toMatchObject({ type: 'http.error', id: 'r3', error: { kind: 'limit', code: 'too_many_in_flight' } });
    expect(broker.handled.map((entry) => entry.request.id)).toEqual(['r1', 'r2']);
    controller.abort();
    expect(await pending).toEqual({ status: 'cancelled' });
    await until(() => observed.length === 3);
    await plugin.close();
    expect(observed.slice(1).map((entry) => entry.value)).toMatchObject([
      { id: 'r1', error: { kind: 'cancelled', code: 'cancelled' } },
      { id: 'r2', error: { kind: 'cancelled', code: 'cancelled' } },
    ]);
  });

  it("on cancel, the execute's requests in flight and any it sends later are answered cancelled; the broker's requests are aborted", async () => {
    const { plugin, broker, observed } = await start('plugin');
    const controller = new AbortController();
    const pending = plugin.execute(request('hold'), 10_000, controller.signal);
    await until(() => broker.handled.length === 1);
    controller.abort();
    expect(await pending).toEqual({ status: 'cancelled' });
    await until(() => observed.length === 1);
    await plugin.close();
    expect(observed[0]!.value).toEqual([
      { type: 'http.error', id: 'r1', error: { kind: 'cancelled', code: 'cancelled', message: 'the command was cancelled' } },
      { type: 'http.error', id: 'r2', error: { kind: 'cancelled', code: 'cancelled', message: 'the command was cancelled' } },
    ]);
    expect(broker.handled).toHaveLength(1);
    expect(broker.handled[0]!.aborted()).toBe(true);
  });

  it('when the plugin answers, its requests still in flight are aborted and answered execute_finished; later ones too', async () => {
    const { plugin, broker, observed } = await start('plugin');
    expect(await plugin.execute(request('leave'), 10_000)).toEqual({ status: 'ok', data: { left: true } });
    expect(await plugin.execute(request('late'), 10_000)).toEqual({ status: 'ok', data: { late: true } });
    await until(() => observed.length === 2);
    await plugin.close();
    const byWhat = Object.fromEntries(observed.map((entry) => [entry.what, entry.value]));
    expect(byWhat['left request']).toMatchObject({ type: 'http.error', error: { kind: 'cancelled', code: 'execute_finished' } });
    expect(byWhat['late request']).toMatchObject({ type: 'http.error', error: { kind: 'cancelled', code: 'execute_finished' } });
    expect(broker.handled).toHaveLength(1);
    expect(broker.handled[0]!.aborted()).toBe(true);
  });

  it('each execute gets its own broker (the auth comes with the execute)', async () => {
    const { plugin, broker } = await start('plugin');
    await plugin.execute(request('get'), 10_000);
    await plugin.execute(request('get'), 10_000);
    await plugin.close();
    expect(broker.made).toHaveLength(2);
  });

  it('a broker that cannot be made for the stack: the request is answered unavailable, never sent, and the token is not in the message', async () => {
    const { plugin, debug } = await start('plugin', {
      broker: () => {
        throw new Error(`bad stack URL with ${TOKEN} in it`);
      },
    });
    const outcome = (await plugin.execute(request('get', { path: '/api/ledger/v2/never' }), 10_000)) as { data: { answer: HttpError } };
    await plugin.close();
    expect(outcome.data.answer).toMatchObject({ type: 'http.error', error: { kind: 'unavailable', code: 'network' } });
    expect(JSON.stringify(outcome.data.answer)).not.toContain(TOKEN);
    expect(debug.join('\n')).not.toContain(TOKEN);
    expect(seen.some((entry) => entry.url === '/api/ledger/v2/never')).toBe(false);
  });

  it('by default the real broker (createBroker) serves the execute: token added, out-of-scope request refused', async () => {
    const { plugin, debug } = await start('plugin', { broker: undefined });
    const ok = (await plugin.execute(request('get', { path: '/api/ledger/v2/real' }), 10_000)) as { data: { answer: HttpResponse } };
    const outside = (await plugin.execute(request('get', { path: '/api/payments/v1/x' }), 10_000)) as { data: { answer: HttpError } };
    await plugin.close();
    expect(ok.data.answer).toMatchObject({ type: 'http.response', status: 200 });
    expect(JSON.parse(ok.data.answer.body!.data)).toEqual({ path: '/api/ledger/v2/real', authorized: true });
    expect(outside.data.answer).toMatchObject({ type: 'http.error', error: { kind: 'refused', code: 'outside_prefix' } });
    expect(seen.some((entry) => entry.url === '/api/payments/v1/x')).toBe(false);
    expect(debug.some((line) => /^→ GET \/api\/ledger\/v2\/real {2}200 \d+ ms$/.test(line))).toBe(true);
    expect(debug.join('\n')).not.toContain(TOKEN);
  });
});

describe('PluginProcess, protocol v2: what a plugin may try', () => {
  it('an http.request that breaks the v2 schema is a protocol violation', async () => {
    const { plugin, broker } = await start('plugin');
    const failure = await failureOf(plugin.execute(request('malformed'), 10_000));
    await plugin.close();
    expect(failure.details.reason).toBe('protocol');
    expect(failure.message).toContain(`"http.request" does not match protocol v2`);
    expect(broker.handled).toHaveLength(0);
  });

  it('a body over the session limit is answered limit/request_body_too_large by fctl, never sent', async () => {
    const { plugin, broker } = await start('plugin', { httpLimits: { maxRequestBodyBytes: 10 } });
    const small = (await plugin.execute(request('post', { size: 10 }), 10_000)) as { data: { answer: HttpResponse } };
    const large = (await plugin.execute(request('post', { size: 11 }), 10_000)) as { data: { answer: HttpError } };
    await plugin.close();
    expect(small.data.answer).toMatchObject({ type: 'http.response', status: 200 });
    expect(large.data.answer).toMatchObject({ type: 'http.error', error: { kind: 'limit', code: 'request_body_too_large' } });
    expect(broker.handled.map((entry) => entry.request.body?.data.length)).toEqual([10]);
  });

  it('at the deadline, cancel (timeout) answers the requests in flight cancelled; their timeout never exceeded the deadline', async () => {
    const { plugin, broker, observed } = await start('plugin');
    const outcome = await plugin.execute(request('hold'), 400);
    await until(() => observed.length === 1);
    await plugin.close();
    expect(outcome).toMatchObject({ status: 'error', error: { kind: 'cancelled' } });
    expect(observed[0]!.value).toMatchObject([
      { id: 'r1', error: { kind: 'cancelled', code: 'cancelled' } },
      { id: 'r2', error: { kind: 'cancelled', code: 'cancelled' } },
    ]);
    expect(broker.handled[0]!.request.timeoutMs).toBeLessThanOrEqual(400);
  });
});

describe('PluginProcess, a plugin that does not read its stdin', () => {
  it('floods requests without reading the answers: fctl stops reading it, its unread answers stay bounded', async () => {
    const maxUnreadBytes = 256 * 1024;
    const { plugin, debug } = await start('plugin', { maxUnreadBytes });
    // The child process, to watch fctl's side of the pipes (private to PluginProcess).
    const child = (plugin as unknown as { child: import('node:child_process').ChildProcess }).child;
    void plugin.execute(request('flood-unread'), 60_000).catch(() => {}); // never answered: close() ends it
    await until(() => child.stdout!.isPaused());
    const answered = debug.filter((line) => line.includes('not sent: refused (unknown_execute)')).length;
    expect(answered).toBeLessThan(50_000);
    // At most the bound plus what one chunk of the plugin's lines produced.
    expect(child.stdin!.writableLength).toBeLessThan(maxUnreadBytes + 256 * 1024);
    expect(debug.some((line) => line.includes("fctl reads none of its messages until it does"))).toBe(true);
    await plugin.close();
  }, 20_000);
});

describe('BrokeredHttp, the lines fctl writes', () => {
  const httpRequest = (id: string): HttpRequest => ({ type: 'http.request', id, execute: '1', method: 'GET', url: '/api/ledger/x', headers: [] });
  const session = (handle: HttpBroker['handle']) => {
    const lines: string[] = [];
    const http = new BrokeredHttp({
      pluginName: 'ledger',
      broker: () => ({ limits: { maxInFlight: 8, maxRequestBodyBytes: 0, maxResponseBodyBytes: 0 }, handle }),
      write: (line) => lines.push(line),
    });
    http.startExecute('1', auth(), 10_000);
    return { http, lines };
  };

  it('an answer whose line would exceed MAX_CORE_LINE_BYTES (a utf8 body of control characters, 6 bytes each in JSON) becomes limit/response_body_too_large', async () => {
    const body = '\u0001'.repeat(12 * 1024 * 1024);
    const { http, lines } = session(async (request) => ({ type: 'http.response', id: request.id, status: 200, headers: [], body: { encoding: 'utf8', data: body } }));
    http.request(httpRequest('big'));
    await until(() => lines.length === 1);
    expect(lines[0]!.length).toBeLessThan(1000);
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'http.error', id: 'big', error: { kind: 'limit', code: 'response_body_too_large' } });
  });

  it("a broker answer that is not valid v2, or carries another id, or a broker that rejects: the plugin still gets one valid answer with its request's id", async () => {
    const answers: (HttpResponse | HttpError | Error)[] = [
      { type: 'http.response', id: 'other', status: 200, headers: [] },
      { type: 'http.response', id: 'b', status: 101, headers: [] },
      new Error(`socket hang up ${TOKEN}`),
    ];
    const { http, lines } = session(async () => {
      const next = answers.shift()!;
      if (next instanceof Error) throw next;
      return next;
    });
    for (const id of ['a', 'b', 'c']) http.request(httpRequest(id));
    await until(() => lines.length === 3);
    const parsed = lines.map((line) => checkCoreMessageFor(2, JSON.parse(line)));
    expect(parsed).toMatchObject([
      { type: 'http.response', id: 'a', status: 200 },
      { type: 'http.error', id: 'b', error: { kind: 'unavailable', code: 'invalid_response' } },
      { type: 'http.error', id: 'c', error: { kind: 'unavailable', code: 'network' } },
    ]);
    expect(lines.join('')).not.toContain(TOKEN);
  });
});

describe('PluginProcess, mixed versions', () => {
  it('a v1-only plugin against the [1,2] host speaks v1: token in execute.auth, no session, no broker', async () => {
    const { plugin, broker } = await start('v1-only');
    expect(plugin.protocolVersion).toBe(1);
    const outcome = (await plugin.execute(request('get', { path: '/api/ledger/v2/v1-direct' }), 10_000)) as { data: { version: number; status: number; body: string } };
    await plugin.close();
    expect(outcome.data).toMatchObject({ version: 1, status: 200 });
    expect(JSON.parse(outcome.data.body)).toEqual({ path: '/api/ledger/v2/v1-direct', authorized: true });
    expect(broker.made).toHaveLength(0);
  });

  it('a v1-pinned host and a plugin speaking 1 and 2: v1', async () => {
    const { plugin, broker } = await start('plugin', { protocolVersions: [1] });
    expect(plugin.protocolVersion).toBe(1);
    const outcome = (await plugin.execute(request('get', { path: '/api/ledger/v2/pinned' }), 10_000)) as { data: { version: number } };
    await plugin.close();
    expect(outcome.data.version).toBe(1);
    expect(broker.made).toHaveLength(0);
  });

  it('FCTL_PROTOCOL_VERSIONS sets the offer when StartOptions does not; an unusable value is ignored', () => {
    expect(offeredProtocolVersions(undefined, { FCTL_PROTOCOL_VERSIONS: '1' })).toEqual([1]);
    expect(offeredProtocolVersions(undefined, { FCTL_PROTOCOL_VERSIONS: '2, 1' })).toEqual([1, 2]);
    expect(offeredProtocolVersions([1], { FCTL_PROTOCOL_VERSIONS: '1,2' })).toEqual([1]);
    const debug: string[] = [];
    expect(offeredProtocolVersions(undefined, { FCTL_PROTOCOL_VERSIONS: '1,3' }, (line) => debug.push(line))).toEqual(HOST_PROTOCOL_VERSIONS);
    expect(offeredProtocolVersions(undefined, { FCTL_PROTOCOL_VERSIONS: 'x' })).toEqual(HOST_PROTOCOL_VERSIONS);
    expect(debug[0]).toContain('FCTL_PROTOCOL_VERSIONS="1,3" ignored');
  });

  it('a plugin that picks v2 but answers with a v1 hello (no capabilities) broke the protocol, and is told so', async () => {
    const v1Fixture = join(dirname(fixture('x')), '..', 'plugins', 'v2-hello-without-capabilities.mjs');
    const failure = await failureOf(PluginProcess.start({ plugin: { name: 'ledger', path: v1Fixture }, coreVersion: 'test', protocolVersions: [1, 2] }));
    expect(failure.details).toMatchObject({ reason: 'protocol', phase: 'handshake' });
    expect(failure.message).toContain(`"hello" does not match protocol v2`);
    expect(failure.message).toContain('capabilities');
  });

  it('a v1-pinned host and a v2-only plugin: no common version, both sides named', async () => {
    const failure = await failureOf(start('v2-only', { protocolVersions: [1] }));
    expect(failure.details.reason).toBe('incompatible');
    expect(failure.message).toContain('fctl speaks protocol version 1; the plugin speaks 2');
  });

  it('a v1-pinned host and a plugin that answers v2 anyway: refused clearly', async () => {
    const failure = await failureOf(start('answers-v2-anyway', { protocolVersions: [1] }));
    expect(failure.details.reason).toBe('incompatible');
    expect(failure.message).toContain('it picked protocol version 2, which fctl did not offer (fctl speaks 1)');
  });
});
