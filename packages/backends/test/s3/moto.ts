// A real S3-compatible server for the s3 tests: moto's server (PyPI moto[server], pinned) on
// 127.0.0.1, and boto3 as the independent client. Both are installed once into a venv under
// ~/.cache/fctl-kit (pip reaches PyPI for that; the tests then talk only to loopback).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import lockfile from 'proper-lockfile';

const run = promisify(execFile);
const PINS = ['moto[server]==5.2.5', 'boto3==1.44.8'];
const VENV = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'fctl-kit', 'moto-5.2.5');
const BOTO = fileURLToPath(new URL('./boto.py', import.meta.url));

/** The venv with moto and boto3, created once (serialised across test files by a lock). */
export async function motoVenv(): Promise<string> {
  if (existsSync(join(VENV, 'ready'))) return VENV;
  mkdirSync(join(VENV, '..'), { recursive: true });
  const release = await lockfile.lock(join(VENV, '..'), { lockfilePath: `${VENV}.lock`, retries: { retries: 600, minTimeout: 1000, maxTimeout: 1000 }, stale: 600_000 });
  try {
    if (existsSync(join(VENV, 'ready'))) return VENV;
    // Built where it lives (a venv's scripts name its path); "ready" is written last.
    rmSync(VENV, { recursive: true, force: true });
    await run('python3', ['-m', 'venv', VENV]);
    await run(join(VENV, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...PINS], { maxBuffer: 64 * 1024 * 1024 });
    await run(join(VENV, 'bin', 'python'), ['-c', 'import moto, boto3']);
    writeFileSync(join(VENV, 'ready'), `${PINS.join('\n')}\n`);
    return VENV;
  } finally {
    await release();
  }
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

export interface Moto {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  port: number;
  /** The IAM user's keys (moto checks signatures against them once auth is on). */
  keys: { id: string; secret: string };
  /** Auth on: every request must be SigV4-signed with a known key. Off: anonymous reads of public objects work (moto's auth mode cannot serve them). */
  auth(on: boolean): Promise<void>;
  /** boto3, signing with the IAM user's keys, path-style. */
  boto<T = unknown>(command: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

function post(port: number, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`moto ${path}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function startMoto(buckets: string[]): Promise<Moto> {
  const venv = await motoVenv();
  const port = await freePort();
  const child: ChildProcess = spawn(join(venv, 'bin', 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk) => (log = (log + chunk).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${endpoint}/moto-api/`).then(() => true, () => false);
    if (up) break;
    if (i > 1200 || child.exitCode !== null) throw new Error(`moto_server did not start: ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const botoWith = async <T>(command: Record<string, unknown>): Promise<T> => {
    // The command on stdin: objects to put are too large for argv.
    const child = execFile(join(venv, 'bin', 'python'), [BOTO], { maxBuffer: 64 * 1024 * 1024 });
    const output = new Promise<string>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk) => (stdout += chunk));
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`boto3 ${String(command.op)} failed: ${stderr.slice(-2000)}`))));
    });
    child.stdin!.end(JSON.stringify({ endpoint, ...command }));
    return JSON.parse(await output) as T;
  };
  const keys = await botoWith<{ id: string; secret: string }>({ op: 'setup', buckets });
  return {
    endpoint,
    port,
    keys,
    auth: (on) => post(port, '/moto-api/reset-auth', on ? '0' : '1000000000'),
    boto: (command) => botoWith({ id: keys.id, secret: keys.secret, ...command }),
    async stop() {
      child.kill();
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    },
  };
}
