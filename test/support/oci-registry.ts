// A real OCI registry for tests: Debian's docker-registry (distribution 2.8) started on 127.0.0.1
// with a free port, anonymous, with htpasswd basic auth, or with token auth backed by a small
// token server here (ES256 JWTs with an x5c certificate, as distribution expects).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface OciRegistry {
  host: string;
  /** Where the registry stores blobs and manifests. */
  dataDir: string;
  /** Requests the token server answered (token auth only). */
  tokenRequests: number;
  stop(): Promise<void>;
}

export type OciAuth = { kind: 'anonymous' } | { kind: 'basic'; username: string; password: string } | { kind: 'token'; username: string; password: string };

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

async function startTokenServer(dir: string, user: { username: string; password: string }, state: { tokenRequests: number }): Promise<{ server: Server; realm: string; certificate: string }> {
  const key = join(dir, 'token.key');
  const certificate = join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', certificate, '-days', '2', '-subj', '/CN=fctl-test-token'], { stdio: 'ignore' });
  const privateKey = createPrivateKey(readFileSync(key));
  const der = new X509Certificate(readFileSync(certificate)).raw;
  const server = createServer((request, response) => {
    state.tokenRequests++;
    const url = new URL(request.url ?? '/', 'http://x');
    const expected = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
    if (request.headers.authorization !== expected) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const access = url.searchParams.getAll('scope').map((scope) => {
      const [type, name, actions] = scope.split(':');
      return { type, name, actions: actions!.split(',') };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', x5c: [der.toString('base64')] }));
    const claims = b64url(JSON.stringify({ iss: 'fctl-test-issuer', sub: user.username, aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }));
    const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), { key: privateKey, dsaEncoding: 'ieee-p1363' }));
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${header}.${claims}.${signature}` }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, realm: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`, certificate };
}

export async function startOciRegistry(auth: OciAuth = { kind: 'anonymous' }): Promise<OciRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'oci-registry-'));
  const state = { tokenRequests: 0 };
  let tokenServer: Server | undefined;
  const config = ['version: 0.1', 'log:', '  level: info', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, 'http:', '  addr: 127.0.0.1:0'];
  if (auth.kind === 'basic') {
    execFileSync('htpasswd', ['-Bbc', join(dir, 'htpasswd'), auth.username, auth.password], { stdio: 'ignore' });
    config.push('auth:', '  htpasswd:', '    realm: fctl-test', `    path: ${join(dir, 'htpasswd')}`);
  } else if (auth.kind === 'token') {
    const token = await startTokenServer(dir, auth, state);
    tokenServer = token.server;
    config.push('auth:', '  token:', `    realm: ${token.realm}`, '    service: fctl-test-registry', '    issuer: fctl-test-issuer', `    rootcertbundle: ${token.certificate}`);
  }
  writeFileSync(join(dir, 'config.yml'), `${config.join('\n')}\n`);
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const host = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('docker-registry did not start within 10 s')), 10_000);
    child.on('exit', (code) => reject(new Error(`docker-registry exited with ${code}`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const match = /listening on (127\.0\.0\.1:\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return {
    host,
    dataDir: join(dir, 'data'),
    get tokenRequests() {
      return state.tokenRequests;
    },
    async stop() {
      child.kill();
      await new Promise((resolve) => tokenServer ? tokenServer.close(resolve) : resolve(undefined));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Docker config.json holding credentials for `host`, as `docker login` writes it. */
export function dockerConfig(host: string, username: string, password: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'docker-config-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } }));
  return dir;
}
