// serve() in a real process: the plugin side of the protocol, spoken to by hand from the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';

let bundle: string;
beforeAll(async () => {
  bundle = join(mkdtempSync(join(tmpdir(), 'sdk-serve-')), 'probe.cjs');
  await build({
    entryPoints: [join(import.meta.dirname, 'fixtures', 'sdk-plugin.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    conditions: ['@fctl-kit/source'],
    define: { __FCTL_PLUGIN_VERSION__: '"1.2.3"' },
    logLevel: 'silent',
  });
});

interface Peer {
  child: ChildProcess;
  send(message: unknown): void;
  next(): Promise<Record<string, any>>;
  stdoutLines: string[];
  stderr(): string;
  exit: Promise<number | null>;
}

function startPlugin(env: NodeJS.ProcessEnv = { FCTL_PLUGIN_HANDSHAKE: 'fctl-plugin-protocol' }): Peer {
  const child = spawn(process.execPath, [bundle], { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
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

  it('negotiates: picks 1 from [1] and from [1, 2], with the manifest and the injected version', async () => {
    for (const offer of [[1], [1, 2]]) {
      const peer = startPlugin();
      peer.send(hello(offer));
      const reply = await peer.next();
      expect(reply).toMatchObject({ type: 'hello', protocolVersion: 1, manifest: { name: 'probe', version: '1.2.3', protocolVersion: 1 } });
      peer.child.stdin!.end();
      expect(await peer.exit).toBe(0);
    }
  });

  it('answers an offer with no common version with unsupported_protocol_version and exits non-zero', async () => {
    const peer = startPlugin();
    peer.send(hello([2, 3]));
    expect(await peer.next()).toMatchObject({ type: 'error', protocolVersions: [1], error: { kind: 'protocol', code: 'unsupported_protocol_version' } });
    expect(await peer.exit).not.toBe(0);
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
