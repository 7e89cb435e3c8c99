// Protocol v2 end to end: the built fctl, a hand-written plugin process speaking raw v2 lines
// (test/fixtures/protocol-v2) and a loopback stack. The token goes to the stack, through fctl's
// broker, and never to the plugin: not in its environment (/proc/<pid>/environ), its arguments
// (/proc/<pid>/cmdline), nor anything on its stdin (the plugin records all three as it runs).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger } from '../support/ledger-service.js';
import { examplePluginDir, repoRoot } from '../support/paths.js';

const TOKEN = 'e2e-v2-token-9d2b7a51';
const fixture = (name: string) => join(repoRoot, 'test', 'fixtures', 'protocol-v2', `${name}.mjs`);

let server: Server;
let stackUrl: string;
let elsewhere: Server;
let elsewhereUrl: string;
const receivedElsewhere: string[] = [];
const received: { url: string; authorization: string | undefined }[] = [];
const slow = new Set<import('node:http').ServerResponse>();

beforeAll(async () => {
  server = createServer((request, response) => {
    received.push({ url: request.url ?? '', authorization: request.headers.authorization });
    if (request.url?.startsWith('/api/ledger/slow')) {
      slow.add(response);
      response.on('close', () => slow.delete(response));
      return; // never answered: fctl must abort it
    }
    if (request.url === '/api/ledger/away') {
      response.writeHead(302, { location: `${elsewhereUrl}/api/ledger/v2/_info` });
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ path: request.url, authorized: request.headers.authorization === `Bearer ${TOKEN}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stackUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  elsewhere = createServer((request, response) => {
    receivedElsewhere.push(request.url ?? '');
    response.end('{}');
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const response of slow) response.destroy();
  await new Promise((resolve) => elsewhere.close(resolve));
  return new Promise((resolve) => server.close(resolve));
});

/** An fctl with a profile holding the token, and a TMPDIR (passed to plugins) where the fixture records what it is given. */
async function fctlWith(env: NodeJS.ProcessEnv): Promise<{ fctl: Fctl; recordDir: string }> {
  const temp = mkdtempSync(join(tmpdir(), 'fctl-v2-e2e-'));
  const recordDir = join(temp, 'fctl-protocol-v2-record');
  mkdirSync(recordDir);
  const fctl = newFctl({ TMPDIR: temp, ...env });
  const tokenFile = join(temp, 'token');
  writeFileSync(tokenFile, TOKEN);
  const added = await fctl.run(['profile', 'add', 'prod', '--stack-url', stackUrl, '--token-file', tokenFile, '--organization', 'org_1', '--stack', 'stack_1', '--use']);
  expect(added.code).toBe(0);
  return { fctl, recordDir };
}

/** What the plugin process recorded: its environment, arguments and stdin (each the only one). */
function recorded(recordDir: string): { environ: string; cmdline: string; stdin: string } {
  const files = readdirSync(recordDir);
  const one = (prefix: string) => {
    const matching = files.filter((name) => name.startsWith(prefix));
    expect(matching).toHaveLength(1);
    return readFileSync(join(recordDir, matching[0]!), 'utf8');
  };
  return { environ: one('environ-'), cmdline: one('cmdline-'), stdin: one('stdin-') };
}

const run = (fctl: Fctl, plugin: string, ...rest: string[]) => fctl.run(['--plugin-binary', `ledger=${fixture(plugin)}`, 'ledger', ...rest]);

describe('protocol v2: fctl brokers the plugin\'s HTTP', () => {
  it('v2 fctl × v2 plugin: the stack gets the token from fctl; the plugin never holds it (environment, arguments, stdin)', async () => {
    const { fctl, recordDir } = await fctlWith({ FCTL_PROTOCOL_VERSIONS: '1,2' });
    const before = received.length;
    const result = await run(fctl, 'plugin', 'get', '--path', '/api/ledger/v2/_info', '-o', 'json', '--debug');
    expect(result.code).toBe(0);
    const data = JSON.parse(result.stdout) as { version: number; auth: unknown; answer: { type: string; status: number; body: { data: string } } };
    expect(data.version).toBe(2);
    expect(data.auth).toEqual({ serviceUrl: stackUrl, organizationId: 'org_1', stackId: 'stack_1' });
    expect(data.answer).toMatchObject({ type: 'http.response', status: 200 });
    expect(JSON.parse(data.answer.body.data)).toEqual({ path: '/api/ledger/v2/_info', authorized: true });
    // The stack received the token, from fctl.
    expect(received.slice(before)).toEqual([{ url: '/api/ledger/v2/_info', authorization: `Bearer ${TOKEN}` }]);
    // The plugin never did.
    const { environ, cmdline, stdin } = recorded(recordDir);
    expect(environ).toContain('FCTL_PLUGIN_HANDSHAKE=fctl-plugin-protocol');
    expect(cmdline).toContain('plugin.mjs');
    expect(stdin).toContain('"type":"session"');
    expect(stdin).toContain('"type":"http.response"');
    for (const seen of [environ, cmdline, stdin, result.stdout, result.stderr]) expect(seen).not.toContain(TOKEN);
    expect(stdin).not.toContain('accessToken');
    expect(stdin).not.toContain('insecureSkipTlsVerify');
    // --debug shows each brokered request.
    expect(result.stderr).toMatch(/^\[fctl\] +→ GET \/api\/ledger\/v2\/_info {2}200 \d+ ms$/m);
    expect(result.stderr).toContain('protocol v2');
  });

  it('v2 fctl × v2 plugin: a request outside the plugin\'s service is refused by fctl and never reaches the stack', async () => {
    const { fctl } = await fctlWith({ FCTL_PROTOCOL_VERSIONS: '1,2' });
    const before = received.length;
    const result = await run(fctl, 'plugin', 'get', '--path', '/api/payments/v1/accounts', '-o', 'json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).answer).toMatchObject({ type: 'http.error', error: { kind: 'refused', code: 'outside_prefix' } });
    expect(received.length).toBe(before);
  });

  // Each class of request the broker refuses, sent by a real plugin process through the built fctl:
  // the plugin gets a refusal it can show (kind, code, a message naming what was wrong), the stack
  // and the other origin get nothing, and the token appears nowhere.
  const REFUSED: [string, string[], string, RegExp][] = [
    ['another origin', ['get', '--path', 'ELSEWHERE/api/ledger/v2/_info'], 'other_origin', /origin/],
    ['a dot segment', ['get', '--path', '/api/ledger/../payments/v1/accounts'], 'dot_segment', /segment/],
    ['a percent-encoded dot segment', ['get', '--path', '/api/ledger/%2e%2E/payments/v1/accounts'], 'dot_segment', /segment/],
    ['a twice-encoded dot segment', ['get', '--path', '/api/ledger/%252e%252e/payments/v1/accounts'], 'dot_segment', /segment/],
    ['a backslash', ['get', '--path', '/api/ledger\\..\\payments'], 'backslash', /backslash/],
    ['userinfo', ['get', '--path', 'STACK_USERINFO/api/ledger/v2/_info'], 'userinfo', /user/],
    ['a credential header', ['get', '--header', 'Authorization: Bearer forged'], 'credential_header', /authorization/i],
    ['a cookie header', ['get', '--header', 'cookie: session=1'], 'credential_header', /cookie/i],
  ];
  it.each(REFUSED)('v2 fctl × v2 plugin: %s is refused with a clear error, and nothing is sent', async (_name, args, code, message) => {
    const { fctl } = await fctlWith({ FCTL_PROTOCOL_VERSIONS: '1,2' });
    const before = received.length;
    const beforeElsewhere = receivedElsewhere.length;
    const withUrls = args.map((arg) => arg.replace('ELSEWHERE', elsewhereUrl).replace('STACK_USERINFO', stackUrl.replace('http://', 'http://user:pass@')));
    const result = await run(fctl, 'plugin', ...withUrls, '-o', 'json');
    expect(result.code).toBe(0);
    const { answer } = JSON.parse(result.stdout) as { answer: { type: string; error: { kind: string; code: string; message: string } } };
    expect(answer).toMatchObject({ type: 'http.error', error: { kind: 'refused', code } });
    expect(answer.error.message).toMatch(message);
    expect(received.length).toBe(before);
    expect(receivedElsewhere.length).toBe(beforeElsewhere);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  it('v2 fctl × v2 plugin: a body over the protocol\'s 4 MiB breaks the protocol: fctl stops the plugin, reports a plugin bug naming the limit, sends nothing', async () => {
    const { fctl } = await fctlWith({ FCTL_PROTOCOL_VERSIONS: '1,2' });
    const before = received.length;
    const result = await run(fctl, 'plugin', 'post', '--size', String(4 * 1024 * 1024 + 1));
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('its body is 4194305 bytes, over the protocol limit of 4194304');
    expect(result.stderr).toContain('This is a bug in the ledger plugin (v3.2.0), not in fctl.');
    expect(result.stderr).toContain('Report: https://example.test/acme/ledger/issues');
    expect(received.length).toBe(before);
  });

  it('v2 fctl × v2 plugin: a redirect to another origin is refused; the other origin gets no request, so no token', async () => {
    const { fctl } = await fctlWith({ FCTL_PROTOCOL_VERSIONS: '1,2' });
    const before = received.length;
    const beforeElsewhere = receivedElsewhere.length;
    const result = await run(fctl, 'plugin', 'get', '--path', '/api/ledger/away', '-o', 'json', '--debug');
    expect(result.code).toBe(0);
    const { answer } = JSON.parse(result.stdout) as { answer: { type: string; error: { code: string; message: string } } };
    expect(answer).toMatchObject({ type: 'http.error', error: { kind: 'refused', code: 'redirect_other_origin' } });
    expect(answer.error.message).toMatch(/redirect/i);
    expect(received.slice(before).map((request) => request.url)).toEqual(['/api/ledger/away']);
    expect(receivedElsewhere.length).toBe(beforeElsewhere);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  });

  it('v2 fctl × v2 plugin at the deadline: the request in flight and one sent after cancel are answered cancelled', async () => {
    const { fctl } = await fctlWith({ FCTL_PROTOCOL_VERSIONS: '1,2' });
    const result = await run(fctl, 'plugin', 'hold', '--timeout', '1s', '--debug');
    const observed = result.stderr.split('\n').find((line) => line.includes('observed '));
    expect(observed).toBeDefined();
    const { value } = JSON.parse(observed!.slice(observed!.indexOf('observed ') + 'observed '.length)) as { value: unknown };
    expect(value).toMatchObject([
      { type: 'http.error', id: 'r1', error: { kind: 'cancelled', code: 'cancelled' } },
      { type: 'http.error', id: 'r2', error: { kind: 'cancelled', code: 'cancelled' } },
    ]);
    expect(result.stderr).toContain('→ cancel (timeout)');
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toContain(TOKEN);
    expect(result.code).toBe(130); // the plugin answered the cancel with kind cancelled, in time (as in v1)
  });

  it('v2 fctl × v1 plugin: v1 as a v1 fctl speaks it (the plugin makes its own request with the token)', async () => {
    const { fctl, recordDir } = await fctlWith({ FCTL_PROTOCOL_VERSIONS: '1,2' });
    const before = received.length;
    const result = await run(fctl, 'v1-only', 'get', '--path', '/api/ledger/v2/direct', '-o', 'json', '--debug');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('protocol v1');
    expect(JSON.parse(result.stdout)).toMatchObject({ version: 1, status: 200 });
    expect(received.slice(before)).toEqual([{ url: '/api/ledger/v2/direct', authorization: `Bearer ${TOKEN}` }]);
    const { stdin } = recorded(recordDir);
    expect(stdin).not.toContain('"type":"session"');
    expect(stdin).toContain(TOKEN); // v1: the token is in execute.auth, as before v2
  });

  it('v1-pinned fctl (FCTL_PROTOCOL_VERSIONS=1) × plugin speaking 1 and 2: v1', async () => {
    const { fctl } = await fctlWith({ FCTL_PROTOCOL_VERSIONS: '1' });
    const result = await run(fctl, 'plugin', 'get', '--path', '/api/ledger/v2/pinned', '-o', 'json', '--debug');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('protocol v1');
    expect(JSON.parse(result.stdout)).toMatchObject({ version: 1, status: 200 });
  });

  it('v1-pinned fctl × v2-only plugin: no common version, both sides named, exit 3', async () => {
    const { fctl } = await fctlWith({ FCTL_PROTOCOL_VERSIONS: '1' });
    const result = await run(fctl, 'v2-only', 'get');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('fctl speaks protocol version 1; the plugin speaks 2');
  });
});

describe('protocol v2 with the SDK: the example ledger plugin', () => {
  it('v2 fctl × the example plugin: its requests go through fctl with the token (the stack refuses without it); v1-pinned fctl: the same command works over v1', async () => {
    const stackToken = 'example-stack-token-5e81';
    const ledger = await startLedger('3.2.0', { token: stackToken });
    try {
      const temp = mkdtempSync(join(tmpdir(), 'fctl-v2-example-'));
      const tokenFile = join(temp, 'token');
      writeFileSync(tokenFile, stackToken);
      const fctl = newFctl({ TMPDIR: temp });
      expect((await fctl.run(['profile', 'add', 'prod', '--stack-url', ledger.url, '--token-file', tokenFile, '--use'])).code).toBe(0);
      expect((await fctl.run(['plugin', 'install', 'ledger', '--path', examplePluginDir])).code).toBe(0);
      expect((await fetch(`${ledger.url}/api/ledger/v3/default/transactions`)).status).toBe(401);

      const v2 = await fctl.run(['ledger', 'transactions', 'list', '-o', 'json', '--debug'], { env: { FCTL_PROTOCOL_VERSIONS: '1,2' } });
      expect(v2.code).toBe(0);
      expect(v2.stderr).toContain('protocol v2');
      expect(v2.stderr).toMatch(/^\[fctl\] +→ GET \/api\/ledger\/v3\/\S+ {2}200 \d+ ms$/m);
      expect(v2.stderr).not.toContain(stackToken);

      const v1 = await fctl.run(['ledger', 'transactions', 'list', '-o', 'json', '--debug'], { env: { FCTL_PROTOCOL_VERSIONS: '1' } });
      expect(v1.code).toBe(0);
      expect(v1.stderr).toContain('protocol v1');
      expect(JSON.parse(v1.stdout)).toEqual(JSON.parse(v2.stdout));
    } finally {
      await ledger.stop();
    }
  }, 120_000);
});
