// serve() in a real process: the plugin side of the protocol, spoken to by hand from the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

let bundle: string;
let v1Bundle: string;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdk-serve-'));
  const bundleOf = async (fixture: string, outfile: string) => {
    await build({
      entryPoints: [join(import.meta.dirname, 'fixtures', fixture)],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      conditions: ['@fctl-kit/source'],
      define: { __FCTL_PLUGIN_VERSION__: '"1.2.3"' },
      logLevel: 'silent',
    });
    return outfile;
  };
  [bundle, v1Bundle] = await Promise.all([bundleOf('sdk-plugin.ts', join(dir, 'probe.cjs')), bundleOf('sdk-plugin-v1.ts', join(dir, 'probe-v1.cjs'))]);
});

interface Peer {
  child: ChildProcess;
  send(message: unknown): void;
  next(): Promise<Record<string, any>>;
  stdoutLines: string[];
  stderr(): string;
  exit: Promise<number | null>;
}

function startPlugin(env: NodeJS.ProcessEnv = { FCTL_PLUGIN_HANDSHAKE: 'fctl-plugin-protocol' }, script = bundle): Peer {
  const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdoutLines: string[] = [];
  const waiting: Array<(value: Record<string, any>) => void> = [];
  const queued: Array<Record<string, any>> = [];
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdoutLines.push(line);
    if (!line.startsWith('{')) return; // only the hand-started case prints non-protocol text
    const message = JSON.parse(line) as Record<string, any>;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queued.push(message);
  });
  return {
    child,
    stdoutLines,
    stderr: () => stderr,
    send: (message) => child.stdin!.write(`${JSON.stringify(message)}\n`),
    next: () => (queued.length ? Promise.resolve(queued.shift()!) : new Promise((resolve) => waiting.push(resolve))),
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
}

const hello = (versions: number[]) => ({ type: 'hello', protocolVersions: versions, core: { name: 'test', version: '0' } });
const execute = (id: string, command: string[], flags: Record<string, unknown> = {}, args: string[] = []) => ({
  type: 'execute',
  id,
  command,
  args,
  flags,
  output: 'json',
  debug: false,
  auth: { serviceUrl: 'http://127.0.0.1:1', insecureSkipTlsVerify: false },
  timeoutMs: 5000,
});

async function handshaken(): Promise<Peer> {
  const peer = startPlugin();
  peer.send(hello([1]));
  expect(await peer.next()).toMatchObject({ type: 'hello', protocolVersion: 1 });
  return peer;
}

describe('serve()', () => {
  it('refuses to run without the handshake variable: a human message on stderr, exit 64', async () => {
    const peer = startPlugin({});
    expect(await peer.exit).toBe(64);
    // Started by hand, the plugin's own prints are left alone; the SDK adds nothing to stdout.
    expect(peer.stdoutLines).toEqual(['a banner printed at load time by careless code']);
    expect(peer.stderr()).toContain('This is fctl-plugin-probe 1.2.3, a plugin for fctl; it is not meant to be run directly.');
  });

  it('negotiates the highest common version: 1 from [1] (a v1 hello, no capabilities), 2 from [1, 2] and [2, 3] (capabilities {})', async () => {
    for (const [offer, picked] of [[[1], 1], [[1, 2], 2], [[2, 3], 2]] as const) {
      const peer = startPlugin();
      peer.send(hello([...offer]));
      const reply = await peer.next();
      expect(reply).toMatchObject({ type: 'hello', protocolVersion: picked, manifest: { name: 'probe', version: '1.2.3', protocolVersion: picked } });
      if (picked === 1) expect(reply).not.toHaveProperty('capabilities');
      else expect(reply.capabilities).toEqual({});
      peer.child.stdin!.end();
      expect(await peer.exit).toBe(0);
    }
  });

  it('answers an offer with no common version with unsupported_protocol_version and exits non-zero', async () => {
    const peer = startPlugin();
    peer.send(hello([3, 4]));
    expect(await peer.next()).toMatchObject({ type: 'error', protocolVersions: [1, 2], error: { kind: 'protocol', code: 'unsupported_protocol_version' } });
    expect(await peer.exit).not.toBe(0);
  });

  it('a plugin created with protocolVersions [1] picks v1 from an offer of 1 and 2, and refuses an offer of 2 alone naming what it speaks', async () => {
    const both = startPlugin(undefined, v1Bundle);
    both.send(hello([1, 2]));
    expect(await both.next()).toMatchObject({ type: 'hello', protocolVersion: 1, manifest: { protocolVersion: 1 } });
    both.child.stdin!.end();
    expect(await both.exit).toBe(0);
    const v2 = startPlugin(undefined, v1Bundle);
    v2.send(hello([2]));
    expect(await v2.next()).toMatchObject({
      type: 'error',
      protocolVersions: [1],
      error: { kind: 'protocol', code: 'unsupported_protocol_version', message: 'fctl offers protocol versions 2; this plugin speaks 1' },
    });
    expect(await v2.exit).not.toBe(0);
  });

  it('keeps stdout for protocol messages: console.log at load time and in handlers goes to stderr', async () => {
    const peer = await handshaken();
    peer.send(execute('1', ['echo'], { text: 'yo' }, ['a']));
    expect(await peer.next()).toEqual({ type: 'result', id: '1', data: { text: 'yo', args: ['a'] } });
    peer.child.stdin!.end();
    await peer.exit;
    for (const line of peer.stdoutLines) expect(() => JSON.parse(line)).not.toThrow();
    expect(peer.stderr()).toContain('a banner printed at load time by careless code');
    expect(peer.stderr()).toContain('console.log inside a handler');
    expect(peer.stderr()).toContain('process.stdout.write inside a handler');
  });

  it('applies defaults and answers usage errors for bad input', async () => {
    const peer = await handshaken();
    peer.send(execute('1', ['echo']));
    expect(await peer.next()).toMatchObject({ id: '1', data: { text: 'hi' } });
    peer.send(execute('2', ['echo'], { nope: true }));
    expect(await peer.next()).toMatchObject({ type: 'error', id: '2', error: { kind: 'usage', message: 'unknown flag --nope' } });
    peer.send(execute('3', ['missing']));
    expect(await peer.next()).toMatchObject({ type: 'error', id: '3', error: { kind: 'usage', code: 'unknown_command' } });
    peer.child.stdin!.end();
  });

  it('turns an exception into an internal error and logs its stack to stderr', async () => {
    const peer = await handshaken();
    peer.send(execute('1', ['boom']));
    expect(await peer.next()).toMatchObject({ type: 'error', id: '1', error: { kind: 'internal', message: 'kaboom' } });
    peer.child.stdin!.end();
    await peer.exit;
    expect(peer.stderr()).toMatch(/Error: kaboom\n\s+at /);
  });

  it('aborts the handler signal on cancel and answers cancelled', async () => {
    const peer = await handshaken();
    peer.send(execute('1', ['wait']));
    await new Promise((resolve) => setTimeout(resolve, 100));
    peer.send({ type: 'cancel', id: '1', reason: 'interrupted' });
    expect(await peer.next()).toMatchObject({ type: 'error', id: '1', error: { kind: 'cancelled' } });
    peer.child.stdin!.end();
  });

  it('survives SIGINT, and exits promptly when stdin closes even while a handler hangs', async () => {
    const peer = await handshaken();
    peer.send(execute('1', ['stuck']));
    await new Promise((resolve) => setTimeout(resolve, 100));
    peer.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(peer.child.exitCode).toBeNull();
    const started = Date.now();
    peer.child.stdin!.end();
    expect(await peer.exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('answers result_too_large instead of a result over 32 MiB', async () => {
    const peer = await handshaken();
    peer.send(execute('1', ['huge']));
    expect(await peer.next()).toMatchObject({ type: 'error', id: '1', error: { kind: 'internal', code: 'result_too_large' } });
    peer.child.stdin!.end();
  });

  it('answers result_too_deep instead of a result over the depth limit (which it could not even encode)', async () => {
    const peer = await handshaken();
    peer.send(execute('1', ['deep']));
    expect(await peer.next()).toMatchObject({ type: 'error', id: '1', error: { kind: 'internal', code: 'result_too_deep' } });
    peer.child.stdin!.end();
  });

  it('refuses an execute before hello', async () => {
    const peer = startPlugin();
    peer.send(execute('1', ['echo']));
    expect(await peer.next()).toMatchObject({ type: 'error', error: { kind: 'protocol', message: 'expected "hello" first, got "execute"' } });
    expect(await peer.exit).toBe(1);
  });
});

// Protocol v2: the test is the core. It answers http.request by hand, so every line the plugin
// writes is seen and counted.
const session = (http: Record<string, unknown> = {}) => ({
  type: 'session',
  // Keys the SDK does not know, beside http and inside it, are ignored (capabilities are open).
  capabilities: { http: { maxInFlight: 8, maxRequestBodyBytes: 4194304, maxResponseBodyBytes: 33554432, 'x-later': { any: true }, ...http }, 'x-test-unknown': { any: [1] } },
});
const executeV2 = (id: string, command: string[], flags: Record<string, unknown> = {}) => ({
  type: 'execute',
  id,
  command,
  args: [],
  flags,
  output: 'json',
  debug: false,
  auth: { serviceUrl: 'https://stack.example/api', organizationId: 'org', stackId: 'stk' },
  timeoutMs: 5000,
});
const ok = (id: string, text: string, headers: Array<[string, string]> = [['content-type', 'text/plain']]) => ({
  type: 'http.response',
  id,
  status: 200,
  headers,
  body: { encoding: 'utf8', data: text },
});

async function handshakenV2(http: Record<string, unknown> = {}): Promise<Peer> {
  const peer = startPlugin();
  peer.send(hello([1, 2]));
  expect(await peer.next()).toMatchObject({ type: 'hello', protocolVersion: 2, capabilities: {} });
  peer.send(session(http));
  return peer;
}

describe('serve() on protocol v2', () => {
  it('refuses an execute before session: a protocol error, exit 1, no handler run', async () => {
    const peer = startPlugin();
    peer.send(hello([1, 2]));
    await peer.next();
    peer.send(executeV2('1', ['echo']));
    expect(await peer.next()).toMatchObject({ type: 'error', error: { kind: 'protocol', code: 'no_session' } });
    expect(await peer.exit).toBe(1);
    expect(peer.stderr()).not.toContain('console.log inside a handler');
  });

  it('refuses a second session', async () => {
    const peer = await handshakenV2();
    peer.send(session());
    expect(await peer.next()).toMatchObject({ type: 'error', error: { kind: 'protocol', code: 'repeated_session' } });
    expect(await peer.exit).toBe(1);
  });

  it('refuses v2 messages on v1 (session, http.response)', async () => {
    for (const message of [session(), ok('h1', 'x')]) {
      const peer = await handshaken();
      peer.send(message);
      expect(await peer.next()).toMatchObject({ type: 'error', error: { kind: 'protocol' } });
      expect(await peer.exit).toBe(1);
    }
  });

  it('refuses a v2 execute carrying a token: the plugin never holds one', async () => {
    const peer = await handshakenV2();
    const withToken = executeV2('1', ['echo']);
    (withToken.auth as Record<string, unknown>).accessToken = 'sekret-token';
    peer.send(withToken);
    const reply = await peer.next();
    expect(reply).toMatchObject({ type: 'error', error: { kind: 'protocol' } });
    expect(JSON.stringify(reply)).not.toContain('sekret-token');
    expect(await peer.exit).toBe(1);
  });

  it('sends a request as http.request (the execute id, path, header pairs, utf8 body) and answers from http.response; no credential anywhere', async () => {
    const peer = await handshakenV2();
    peer.send(executeV2('1', ['fetch'], { url: '/api/ledger/v2/tx?x=1', method: 'POST', body: 'héllo', header: ['x-trace=abc'] }));
    const request = await peer.next();
    expect(request).toEqual({
      type: 'http.request',
      id: expect.any(String),
      execute: '1',
      method: 'POST',
      url: '/api/ledger/v2/tx?x=1',
      headers: [
        ['content-type', 'text/plain;charset=UTF-8'],
        ['x-trace', 'abc'],
      ],
      body: { encoding: 'utf8', data: 'héllo' },
    });
    peer.send(ok(request.id, '{"ok":true}', [['content-type', 'application/json']]));
    const result = await peer.next();
    expect(result).toEqual({
      type: 'result',
      id: '1',
      data: {
        status: 200,
        url: 'https://stack.example/api/api/ledger/v2/tx?x=1',
        contentType: 'application/json',
        text: '{"ok":true}',
        size: 11,
        auth: { serviceUrl: 'https://stack.example/api', organizationId: 'org', stackId: 'stk', insecureSkipTlsVerify: false },
      },
    });
    expect(peer.stdoutLines.join('\n')).not.toMatch(/authorization|bearer|token/i);
    peer.child.stdin!.end();
    expect(await peer.exit).toBe(0);
  });

  it('sends binary bodies as base64 and reads base64 responses as bytes', async () => {
    const peer = await handshakenV2();
    peer.send(executeV2('1', ['fetch'], { method: 'PUT', 'binary-size': 300 }));
    const request = await peer.next();
    const sent = Uint8Array.from({ length: 300 }, (_, i) => i % 256);
    expect(request.body).toEqual({ encoding: 'base64', data: Buffer.from(sent).toString('base64') });
    peer.send({ type: 'http.response', id: request.id, status: 201, headers: [], body: { encoding: 'base64', data: Buffer.from([0xff, 0x00, 0x41]).toString('base64') } });
    expect(await peer.next()).toMatchObject({ type: 'result', id: '1', data: { status: 201, size: 3 } });
    peer.child.stdin!.end();
  });

  it('ignores an http.response for an id it never sent, and keeps serving', async () => {
    const peer = await handshakenV2();
    peer.send(ok('never-sent', 'forged'));
    peer.send(executeV2('1', ['fetch']));
    const request = await peer.next();
    expect(request.type).toBe('http.request');
    peer.send(ok(request.id, 'real'));
    expect(await peer.next()).toMatchObject({ type: 'result', id: '1', data: { text: 'real' } });
    // A second answer to the same request changes nothing either.
    peer.send(ok(request.id, 'again'));
    peer.send(executeV2('2', ['echo']));
    expect(await peer.next()).toMatchObject({ type: 'result', id: '2' });
    peer.child.stdin!.end();
    expect(await peer.exit).toBe(0);
    expect(peer.stderr()).toContain('"never-sent", which is not in flight; ignored');
  });

  it.each([
    ['base64 that is not base64', { encoding: 'base64', data: 'not base64!' }],
    ['base64 without padding', { encoding: 'base64', data: 'QUJD' + 'QQ' }],
    ['an unknown encoding', { encoding: 'hex', data: '41' }],
    ['utf8 with a lone surrogate', { encoding: 'utf8', data: '\ud800' }],
  ])('treats a response body in %s as a protocol violation of fctl: a protocol error, exit 1', async (_name, body) => {
    const peer = await handshakenV2();
    peer.send(executeV2('1', ['fetch']));
    const request = await peer.next();
    peer.send({ type: 'http.response', id: request.id, status: 200, headers: [], body });
    expect(await peer.next()).toMatchObject({ type: 'error', error: { kind: 'protocol' } });
    expect(await peer.exit).toBe(1);
  });

  it("refuses a body over the session's maxRequestBodyBytes in the plugin: nothing is sent", async () => {
    const peer = await handshakenV2({ maxRequestBodyBytes: 10 });
    peer.send(executeV2('1', ['fetch'], { method: 'POST', body: '12345678901' }));
    peer.send(executeV2('2', ['fetch'], { method: 'POST', body: '1234567890' }));
    const two = [await peer.next(), await peer.next()];
    expect(two.find((m) => m.type === 'result')).toMatchObject({ id: '1', data: { error: { name: 'HttpRequestError', kind: 'limit', code: 'request_body_too_large' } } });
    expect(two.find((m) => m.type === 'http.request')).toMatchObject({ execute: '2', body: { data: '1234567890' } });
    expect(peer.stdoutLines.filter((line) => line.includes('"http.request"'))).toHaveLength(1);
    peer.child.stdin!.end();
  });

  it('refuses a credential header in the plugin, and an uncaught refusal is an internal error with its code', async () => {
    const peer = await handshakenV2();
    peer.send(executeV2('1', ['fetch'], { header: ['Authorization=Bearer stolen'] }));
    expect(await peer.next()).toMatchObject({ type: 'result', id: '1', data: { error: { kind: 'refused', code: 'credential_header' } } });
    peer.send(executeV2('2', ['fetch-uncaught']));
    const request = await peer.next();
    peer.send({ type: 'http.error', id: request.id, error: { kind: 'refused', code: 'other_origin', message: 'not the stack' } });
    expect(await peer.next()).toMatchObject({ type: 'error', id: '2', error: { kind: 'internal', code: 'other_origin', message: 'not the stack' } });
    peer.send(executeV2('3', ['fetch-uncaught']));
    const third = await peer.next();
    peer.send({ type: 'http.error', id: third.id, error: { kind: 'unavailable', code: 'connect', message: 'connection refused' } });
    expect(await peer.next()).toMatchObject({ type: 'error', id: '3', error: { kind: 'unavailable', code: 'connect' } });
    expect(peer.stdoutLines.filter((line) => line.includes('"http.request"'))).toHaveLength(2);
    peer.child.stdin!.end();
  });

  // Ordering, not time: an execute's handler runs up to its first await as soon as its line is read,
  // and every request the SDK would send then is written before the answer of the execute after it.
  const requestsBefore = async (peer: Peer, resultId: string) => {
    const requests: Array<Record<string, any>> = [];
    for (;;) {
      const message = await peer.next();
      if (message.type === 'result' && message.id === resultId) return requests;
      expect(message.type).toBe('http.request');
      requests.push(message);
    }
  };

  it('keeps at most maxInFlight requests in flight and queues the rest', async () => {
    const peer = await handshakenV2({ maxInFlight: 2 });
    peer.send(executeV2('1', ['many'], { count: 5 }));
    peer.send(executeV2('e1', ['echo']));
    const first = await requestsBefore(peer, 'e1');
    expect(first.map((r) => r.url)).toEqual(['/api/item/0', '/api/item/1']);
    const ids = new Set(first.map((r) => r.id));
    let inFlight = first;
    let sent = 2;
    for (let round = 2; sent < 5 || inFlight.length; round++) {
      const answered = inFlight.shift()!;
      peer.send(ok(answered.id, answered.url));
      if (sent === 5 && !inFlight.length) break;
      peer.send(executeV2(`e${round}`, ['echo']));
      const more = await requestsBefore(peer, `e${round}`);
      // One answer frees one slot: never a second request for it.
      expect(more.length).toBe(sent < 5 ? 1 : 0);
      for (const request of more) {
        expect(ids.has(request.id)).toBe(false);
        ids.add(request.id);
      }
      sent += more.length;
      inFlight = [...inFlight, ...more];
      expect(inFlight.length).toBeLessThanOrEqual(2);
    }
    expect(await peer.next()).toEqual({ type: 'result', id: '1', data: ['/api/item/0', '/api/item/1', '/api/item/2', '/api/item/3', '/api/item/4'] });
    peer.child.stdin!.end();
  });

  it('on cancel rejects the pending request at once (cancelled), keeps its slot until fctl answers it, and ignores the late answer', async () => {
    const peer = await handshakenV2({ maxInFlight: 1 });
    peer.send(executeV2('1', ['fetch-uncaught']));
    const pending = await peer.next();
    expect(pending.type).toBe('http.request');
    peer.send({ type: 'cancel', id: '1', reason: 'interrupted' });
    expect(await peer.next()).toMatchObject({ type: 'error', id: '1', error: { kind: 'cancelled' } });
    // fctl has not answered the cancelled request yet: it is still in flight there, so no other is sent.
    peer.send(executeV2('2', ['fetch']));
    peer.send(executeV2('e', ['echo']));
    expect(await requestsBefore(peer, 'e')).toEqual([]);
    peer.send({ type: 'http.error', id: pending.id, error: { kind: 'cancelled', code: 'cancelled', message: 'cancelled' } });
    const next = await peer.next();
    expect(next).toMatchObject({ type: 'http.request', execute: '2' });
    peer.send(ok(next.id, 'after'));
    expect(await peer.next()).toMatchObject({ type: 'result', id: '2', data: { text: 'after' } });
    peer.child.stdin!.end();
    expect(await peer.exit).toBe(0);
  });

  it("passes an http.error's kind, code and message to the caller as an HttpRequestError", async () => {
    const peer = await handshakenV2();
    peer.send(executeV2('1', ['fetch']));
    const request = await peer.next();
    peer.send({ type: 'http.error', id: request.id, error: { kind: 'timeout', code: 'timeout', message: 'no answer within 5 s' } });
    expect(await peer.next()).toMatchObject({ data: { error: { name: 'HttpRequestError', kind: 'timeout', code: 'timeout', message: 'no answer within 5 s' } } });
    peer.child.stdin!.end();
  });
});

describe('serve() on protocol v1: context.http makes the request itself', () => {
  it('sends the token to the stack only: a path reaches the stack with it, another origin is refused and never reached', async () => {
    const seen: Array<{ server: string; url: string; headers: IncomingHttpHeaders }> = [];
    const serverRecording = (name: string) =>
      createServer((request, response) => {
        seen.push({ server: name, url: request.url!, headers: request.headers });
        response.writeHead(200, { 'content-type': 'text/plain' }).end(`from ${name}`);
      });
    const stack = serverRecording('stack');
    const other = serverRecording('other');
    const port = async (server: ReturnType<typeof createServer>) => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as AddressInfo).port;
    };
    const stackUrl = `http://127.0.0.1:${await port(stack)}/api`;
    const otherUrl = `http://127.0.0.1:${await port(other)}`;
    try {
      const peer = await handshaken();
      const v1 = (id: string, url: string) => ({ ...execute(id, ['fetch'], { url }), auth: { serviceUrl: stackUrl, accessToken: 'v1-token', insecureSkipTlsVerify: false } });
      peer.send(v1('1', '/ledger'));
      expect(await peer.next()).toMatchObject({ type: 'result', id: '1', data: { status: 200, text: 'from stack', url: `${stackUrl}/ledger` } });
      peer.send(v1('2', `${otherUrl}/steal`));
      expect(await peer.next()).toMatchObject({ type: 'result', id: '2', data: { error: { kind: 'refused', code: 'other_origin' } } });
      peer.child.stdin!.end();
      expect(await peer.exit).toBe(0);
      expect(seen.map(({ server, url, headers }) => [server, url, headers.authorization])).toEqual([['stack', '/api/ledger', 'Bearer v1-token']]);
      expect(peer.stdoutLines.some((line) => line.includes('http.request'))).toBe(false);
    } finally {
      stack.close();
      other.close();
    }
  });
});
