// The s3 backend's download side, and what a hostile registry would try with it. A registry source
// says where, never with what: the user's AWS credentials sign requests only to AWS itself or to an
// endpoint the user configured; a registry naming any other endpoint (a server it controls) gets
// anonymous requests: no Authorization, no access key id, no session token, even after a redirect
// from the user's own endpoint. Then the real reads against moto: public objects anonymously, private
// ones signed, objects put by boto3 read with the same bytes; failures as DownloadErrors.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, DownloadError, type ReleaseRef } from '../src/index.js';
import { prepareRequest } from '../src/s3/client.js';
import { s3Backend } from '../src/s3/backend.js';
import { readerFor } from '../src/s3/download.js';
import { startMoto, type Moto } from './s3/moto.js';
import { readAll, sha256 } from './s3/release.js';

const ref: ReleaseRef = { name: 'ledger', version: '3.2.0', platform: { os: 'linux', arch: 'amd64' } };
const SECRET = 'the-users-secret-key-0123456789ABCDEFghij';
const TOKEN = 'the-users-session-token-IQoJb3JpZ2luX2VjE';
const KEY_ID = 'AKIAUSERSOWNKEYID000';
const signal = () => AbortSignal.timeout(30_000);

interface Recorder {
  origin: string;
  requests: Array<{ method: string; url: string; headers: IncomingHttpHeaders }>;
  server: Server;
}

/** A server on 127.0.0.1 that records every request and answers with `answer`. */
async function recorder(answer: (url: string, res: import('node:http').ServerResponse) => void): Promise<Recorder> {
  const requests: Recorder['requests'] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, headers: req.headers });
    answer(req.url!, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

const close = (r: Recorder | undefined) => new Promise<void>((resolve) => (r ? r.server.close(() => resolve()) : resolve()));
const credentialed = (headers: IncomingHttpHeaders) => Object.entries(headers).filter(([name, value]) => /authorization|x-amz-security-token|credential/i.test(name) || String(value).includes(KEY_ID) || String(value).includes(TOKEN));

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

describe('the endpoint rule: a hostile registry never gets a signed request', () => {
  let attacker: Recorder;
  let redirecting: Recorder;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 's3-download-'));
    attacker = await recorder((_, res) => res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'));
    redirecting = await recorder((url, res) => res.writeHead(307, { location: `${attacker.origin}${url}` }).end());
  });
  afterAll(async () => {
    await close(attacker);
    await close(redirecting);
    rmSync(work, { recursive: true, force: true });
  });

  const userEnv = (endpoint: string): NodeJS.ProcessEnv => ({ HOME: work, AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, AWS_ENDPOINT_URL_S3: endpoint });

  it('a registry naming its own endpoint: the user\'s credentials are not used, the request is anonymous, the 403 says why', async () => {
    const files = s3Backend.files({ backend: 's3', bucket: 'releases', endpoint: attacker.origin }, ref, userEnv('https://s3.internal.example.com'));
    const error = await failure(files.open('checksums.txt', signal()));
    expect(attacker.requests).toHaveLength(1);
    expect(attacker.requests[0]!.url).toBe('/releases/ledger/3.2.0/checksums.txt');
    expect(credentialed(attacker.requests[0]!.headers)).toEqual([]);
    expect(error.message).toBe(
      `${attacker.origin}/releases/ledger/3.2.0/checksums.txt answered 403 Forbidden (AccessDenied: Access Denied) (read anonymously: AWS credentials are sent only to AWS and to an endpoint you configure (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, endpoint_url in your AWS config), and the registry names ${attacker.origin})`,
    );
    expect(error.transient).toBe(false);
    for (const secret of [SECRET, TOKEN, KEY_ID]) expect(error.message).not.toContain(secret);
  });

  it('the same host on another port, or https for http, is another endpoint: anonymous', async () => {
    attacker.requests.length = 0;
    const port = Number(new URL(attacker.origin).port);
    const files = s3Backend.files({ backend: 's3', bucket: 'releases', endpoint: attacker.origin }, ref, userEnv(`http://127.0.0.1:${port + 1}`));
    await failure(files.open('checksums.txt', signal()));
    expect(credentialed(attacker.requests[0]!.headers)).toEqual([]);
  });

  it('look-alike endpoints are other endpoints: a longer host, another scheme, virtual-hosted under the attacker\'s name', async () => {
    const env = userEnv('https://s3.internal.example');
    const target = (endpoint: string, addressing: 'path' | 'virtual' = 'path') => ({ bucket: 'releases', region: 'us-east-1', endpoint, addressing });
    for (const endpoint of ['https://s3.internal.example.attacker.example', 'http://s3.internal.example', 'https://s3.internal.example:8443', 'https://internal.example']) {
      expect(await readerFor(target(endpoint, 'virtual'), env)).toEqual({ anonymousBecause: expect.stringContaining(`the registry names ${endpoint}`) });
    }
    // The endpoint the user configured, spelled with an upper-case host or a trailing slash, is that endpoint.
    const own = await readerFor(target(new URL('https://S3.Internal.Example/').origin), env);
    expect(own.credentials).toEqual({ accessKeyId: KEY_ID, secretAccessKey: SECRET, sessionToken: TOKEN });
  });

  it('the user\'s own endpoint redirecting to the attacker: the signature and session token stay behind', async () => {
    attacker.requests.length = 0;
    redirecting.requests.length = 0;
    const files = s3Backend.files({ backend: 's3', bucket: 'releases', endpoint: redirecting.origin }, ref, userEnv(redirecting.origin));
    const error = await failure(files.open('checksums.txt', signal()));
    // The user's endpoint got the signed request (the rule allows it)...
    expect(redirecting.requests[0]!.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${KEY_ID}/\\d{8}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$`));
    expect(redirecting.requests[0]!.headers['x-amz-security-token']).toBe(TOKEN);
    // ...the attacker it redirected to got neither.
    expect(attacker.requests).toHaveLength(1);
    expect(credentialed(attacker.requests[0]!.headers)).toEqual([]);
    for (const secret of [SECRET, TOKEN]) expect(error.message).not.toContain(secret);
  });

  it('a source that would move the request elsewhere is refused before any request (bucket, region, prefix, endpoint with a path or user info)', async () => {
    attacker.requests.length = 0;
    const hostile = [
      { bucket: `x.${new URL(attacker.origin).host}` },
      { bucket: 'releases', region: 'evil.example/x' },
      { bucket: 'releases', prefix: '../other-bucket' },
      { bucket: 'releases', prefix: 'a/./b' },
      { bucket: 'releases', endpoint: `${attacker.origin}/path` },
      { bucket: 'releases', endpoint: `http://user:pw@127.0.0.1:1` },
      { bucket: 'releases', endpoint: 'ftp://127.0.0.1' },
      { bucket: 'releases', addressing: 'sideways' },
    ];
    for (const fields of hostile) {
      const files = s3Backend.files({ backend: 's3', ...fields } as never, ref, userEnv(attacker.origin));
      const error = await failure(files.open('checksums.txt', signal()));
      expect(error.message).toMatch(/^the s3 source of plugin "ledger" in the registry is not usable: /);
      expect(error.transient).toBe(false);
    }
    expect(attacker.requests).toEqual([]);
  });

  it('plain http to a host that is not loopback is refused (the HTTP layer\'s policy), credentials or not', async () => {
    const files = s3Backend.files({ backend: 's3', bucket: 'releases', endpoint: 'http://s3.example.com' }, ref, userEnv('http://s3.example.com'));
    const error = await failure(files.open('checksums.txt', signal()));
    expect(error.message).toBe('plugin "ledger": refusing plain http to s3.example.com: use https (http is allowed only to loopback)');
  });

  it('a source naming no endpoint is AWS: virtual-hosted on <bucket>.s3.<region>.amazonaws.com, signed, the signature only for that origin', () => {
    const prepared = prepareRequest({ method: 'GET', target: { bucket: 'releases', region: 'eu-west-1', addressing: 'virtual' }, key: 'ledger/3.2.0/checksums.txt', credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET, sessionToken: TOKEN } });
    expect(prepared.url.href).toBe('https://releases.s3.eu-west-1.amazonaws.com/ledger/3.2.0/checksums.txt');
    expect(prepared.options.credentials?.origins).toEqual(['https://releases.s3.eu-west-1.amazonaws.com']);
    expect(Object.keys(prepared.options.credentials!.headers).map((h) => h.toLowerCase()).sort()).toEqual(['authorization', 'x-amz-security-token']);
    expect(JSON.stringify(prepared.options.headers)).not.toContain(TOKEN);
    expect(JSON.stringify(prepared)).not.toContain(SECRET);
    expect(s3Backend.files({ backend: 's3', bucket: 'releases', region: 'eu-west-1' }, ref, {}).describe('checksums.txt')).toBe('https://releases.s3.eu-west-1.amazonaws.com/ledger/3.2.0/checksums.txt');
    expect(s3Backend.files({ backend: 's3', bucket: 'dotted.bucket' }, ref, {}).describe('checksums.txt')).toBe('https://s3.us-east-1.amazonaws.com/dotted.bucket/ledger/3.2.0/checksums.txt');
  });

  it('the s3 backend is in the generated list, so fctl reads s3 sources through it', () => {
    expect(BACKENDS.map((b) => b.kind)).toContain('s3');
  });
});

describe('reading from moto', () => {
  let moto: Moto;
  let work: string;
  const objects: Record<string, Buffer> = { 'checksums.txt': Buffer.from('abc  fctl-plugin-ledger-linux-amd64\n'), 'fctl-plugin-ledger-linux-amd64': Buffer.alloc(150 * 1024, 7) };
  beforeAll(async () => {
    moto = await startMoto(['public-bucket', 'private-bucket']);
    work = mkdtempSync(join(tmpdir(), 's3-read-'));
    const encoded = (prefix: string) => Object.fromEntries(Object.entries(objects).map(([name, bytes]) => [`${prefix}ledger/3.2.0/${name}`, bytes.toString('base64')]));
    await moto.boto({ op: 'put', bucket: 'public-bucket', objects: encoded('mirror/'), acl: 'public-read' });
    await moto.boto({ op: 'put', bucket: 'private-bucket', objects: encoded('') });
  }, 600_000);
  afterAll(async () => {
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('public objects put by boto3, read anonymously (no credentials set), same bytes and size', async () => {
    await moto.auth(false);
    const files = s3Backend.files({ backend: 's3', bucket: 'public-bucket', prefix: 'mirror', endpoint: moto.endpoint }, ref, { HOME: work });
    for (const [name, bytes] of Object.entries(objects)) {
      const opened = await files.open(name, signal());
      expect(opened.size).toBe(bytes.length);
      expect(sha256(await readAll(opened.body))).toBe(sha256(bytes));
    }
    expect(files.describe('checksums.txt')).toBe(`${moto.endpoint}/public-bucket/mirror/ledger/3.2.0/checksums.txt`);
  }, 30_000);

  it('private objects: read signed with the user\'s keys when the registry names the endpoint the user configured; moto checks the signature', async () => {
    await moto.auth(true);
    const env = { HOME: work, AWS_ACCESS_KEY_ID: moto.keys.id, AWS_SECRET_ACCESS_KEY: moto.keys.secret, AWS_ENDPOINT_URL: moto.endpoint };
    const files = s3Backend.files({ backend: 's3', bucket: 'private-bucket', endpoint: moto.endpoint }, ref, env);
    const opened = await files.open('fctl-plugin-ledger-linux-amd64', signal());
    expect(sha256(await readAll(opened.body))).toBe(sha256(objects['fctl-plugin-ledger-linux-amd64']!));
    // A wrong secret: moto's 403 with its code, no secret in the message, not worth a retry.
    const wrong = s3Backend.files({ backend: 's3', bucket: 'private-bucket', endpoint: moto.endpoint }, ref, { ...env, AWS_SECRET_ACCESS_KEY: SECRET });
    const error = await failure(wrong.open('checksums.txt', signal()));
    expect(error.message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/private-bucket\/ledger\/3\.2\.0\/checksums\.txt answered 403 Forbidden \(SignatureDoesNotMatch: /);
    expect(error.message).not.toContain(SECRET);
    expect(error.transient).toBe(false);
  }, 30_000);

  it('a missing object is a non-transient DownloadError naming the URL', async () => {
    await moto.auth(false);
    const files = s3Backend.files({ backend: 's3', bucket: 'public-bucket', endpoint: moto.endpoint }, { ...ref, version: '9.9.9' }, { HOME: work });
    const error = await failure(files.open('checksums.txt', signal()));
    expect(error.message).toMatch(/public-bucket\/ledger\/9\.9\.9\/checksums\.txt answered 40[34]/);
    expect(error.transient).toBe(false);
  }, 30_000);
});

describe('failures worth another attempt', () => {
  it('503 with Retry-After and 429 are transient, with the delay; a reset connection is transient', async () => {
    let mode = 503;
    const server = await recorder((_, res) => {
      if (mode === 0) return res.socket!.destroy();
      res.writeHead(mode, { 'retry-after': '7', 'content-type': 'application/xml' }).end('<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
    });
    try {
      const files = s3Backend.files({ backend: 's3', bucket: 'releases', endpoint: server.origin }, ref, {});
      let error = await failure(files.open('checksums.txt', signal()));
      expect([error.transient, error.retryAfterMs]).toEqual([true, 7000]);
      expect(error.message).toContain('answered 503 Service Unavailable (SlowDown: Please reduce your request rate.)');
      mode = 429;
      error = await failure(files.open('checksums.txt', signal()));
      expect(error.transient).toBe(true);
      mode = 0;
      error = await failure(files.open('checksums.txt', signal()));
      expect(error.transient).toBe(true);
    } finally {
      await close(server);
    }
  });
});
