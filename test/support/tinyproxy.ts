// A real HTTP proxy for tests: tinyproxy (Debian's package) in the foreground on 127.0.0.1 with its
// own configuration and log file. It proxies to loopback targets and, with no ConnectPort line,
// tunnels CONNECT to any port. `connects()` reads from its log which targets passed through it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TINYPROXY = '/usr/bin/tinyproxy';

export interface Tinyproxy {
  /** http://127.0.0.1:PORT, for HTTPS_PROXY / HTTP_PROXY. */
  url: string;
  /** "host:port" of every CONNECT tunnel and the absolute URL of every plain request, in order. */
  requests(): string[];
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });

async function startOnce(dir: string): Promise<{ child: ChildProcess; port: number } | undefined> {
  const port = await freePort();
  const logFile = join(dir, 'tinyproxy.log');
  writeFileSync(
    join(dir, 'tinyproxy.conf'),
    [`Port ${port}`, 'Listen 127.0.0.1', 'Timeout 60', `LogFile "${logFile}"`, 'LogLevel Info', 'MaxClients 50', 'Allow 127.0.0.1', ''].join('\n'),
  );
  const child = spawn(TINYPROXY, ['-d', '-c', join(dir, 'tinyproxy.conf')], { stdio: 'ignore' });
  let exited = false;
  child.on('exit', () => (exited = true));
  for (let i = 0; i < 200 && !exited; i++) {
    if (await accepts(port)) return { child, port };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  return undefined;
}

export async function startTinyproxy(): Promise<Tinyproxy> {
  if (!existsSync(TINYPROXY)) throw new Error(`${TINYPROXY} is missing: apt-get install tinyproxy (tools/test-system-deps.mjs installs it)`);
  const dir = mkdtempSync(join(tmpdir(), 'tinyproxy-'));
  for (let tries = 0; tries < 5; tries++) {
    const started = await startOnce(dir);
    if (!started) continue;
    const log = () => (existsSync(join(dir, 'tinyproxy.log')) ? readFileSync(join(dir, 'tinyproxy.log'), 'utf8') : '');
    return {
      url: `http://127.0.0.1:${started.port}`,
      log,
      requests: () => [...log().matchAll(/Request \(file descriptor \d+\): (?:CONNECT (\S+)|\w+ (\S+)) HTTP/g)].map((m) => m[1] ?? m[2]!),
      stop: async () => {
        if (started.child.exitCode === null) {
          const exited = new Promise((resolve) => started.child.once('exit', resolve));
          started.child.kill('SIGTERM');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw new Error('tinyproxy did not start on 127.0.0.1');
}
