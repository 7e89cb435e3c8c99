// The s3 backend against a real S3-compatible server (moto on 127.0.0.1, checking SigV4 against its
// IAM user's keys), cross-checked with boto3: a dry run's plan equals the real run's actions for a
// fresh, a partly published, a fully published prefix and one holding other bytes (refused by both,
// nothing written); what we publish boto3 lists and reads with the same bytes; a wrong secret is a
// clear 403 that prints no secret; credentials from a shared credentials file and profile;
// virtual-hosted addressing through a proxy (bucket.localhost resolves nowhere here).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishWith, type PublishConfig, type PublishContext, type ReleaseArtifacts } from '../src/index.js';
import { startMoto, type Moto } from './s3/moto.js';
import { BINARY, fileOf, FILES, makeRelease, sha256 } from './s3/release.js';

let moto: Moto;
let work: string;
let release: ReleaseArtifacts;

/** An environment with the IAM user's keys and no shared files of the machine's user. */
const keysEnv = (overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  HOME: work,
  AWS_ACCESS_KEY_ID: moto.keys.id,
  AWS_SECRET_ACCESS_KEY: moto.keys.secret,
  ...overrides,
});

const s3 = (fields: Record<string, string> = {}): PublishConfig => ({ backend: 's3', bucket: 'releases', endpoint: moto.endpoint, ...fields });

async function dryThenReal(config: PublishConfig, context: PublishContext) {
  const dry = await publishWith(config, release, context, { dryRun: true });
  const real = await publishWith(config, release, context).then(
    (run) => ({ actions: run.dryRun ? [] : run.outcome.actions, error: undefined as string | undefined }),
    (error: Error) => ({ actions: undefined, error: error.message }),
  );
  return { plan: dry.plan, real };
}

const listed = (bucket: string, prefix: string) => moto.boto<string[]>({ op: 'list', bucket, prefix });

beforeAll(async () => {
  moto = await startMoto(['releases', 'virtual']);
  await moto.auth(true);
  work = mkdtempSync(join(tmpdir(), 's3-publish-'));
  release = makeRelease(join(work, 'build'));
}, 600_000);

afterAll(async () => {
  await moto?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('plan == apply against moto, cross-checked by boto3', () => {
  it('fresh: every file uploaded, as planned; boto3 reads the same bytes; again: every file skipped', async () => {
    const config = s3({ prefix: 'fresh' });
    const first = await dryThenReal(config, { env: keysEnv() });
    expect(first.plan.refusals).toEqual([]);
    expect(first.plan.actions.map((a) => [a.subject, a.action])).toEqual(FILES.map((f) => [f, 'upload']));
    expect(first.real.actions).toEqual(first.plan.actions);
    expect(first.plan.source).toEqual({ backend: 's3', bucket: 'releases', prefix: 'fresh', region: 'us-east-1', endpoint: moto.endpoint });
    const keys = FILES.map((f) => `fresh/ledger/3.2.0/${f}`);
    expect(await listed('releases', 'fresh/')).toEqual([...keys].sort());
    expect(await moto.boto({ op: 'sha256', bucket: 'releases', keys })).toEqual(Object.fromEntries(keys.map((k, i) => [k, release.files[i]!.sha256])));

    const again = await dryThenReal(config, { env: keysEnv() });
    expect(again.plan.actions.map((a) => [a.subject, a.action])).toEqual(FILES.map((f) => [f, 'skip']));
    expect(again.real.actions).toEqual(again.plan.actions);
  }, 60_000);

  it('partly published (the binary put by boto3, same bytes): the rest uploaded, as planned', async () => {
    await moto.boto({ op: 'put', bucket: 'releases', objects: { [`partial/ledger/3.2.0/${BINARY}`]: fileOf(release, BINARY).toString('base64') } });
    const { plan, real } = await dryThenReal(s3({ prefix: 'partial' }), { env: keysEnv() });
    expect(plan.actions.map((a) => [a.subject, a.action])).toEqual(FILES.map((f) => [f, f === BINARY ? 'skip' : 'upload']));
    expect(real.actions).toEqual(plan.actions);
    expect(await listed('releases', 'partial/')).toEqual(FILES.map((f) => `partial/ledger/3.2.0/${f}`).sort());
  }, 60_000);

  it('other bytes at a key (put by boto3): refused by the dry run and the real run alike, nothing written', async () => {
    await moto.boto({ op: 'put', bucket: 'releases', objects: { 'taken/ledger/3.2.0/manifest.json': Buffer.from('{"other":true}').toString('base64') } });
    const { plan, real } = await dryThenReal(s3({ prefix: 'taken' }), { env: keysEnv() });
    expect(plan.refusals).toEqual([`s3://releases/taken/ledger/3.2.0/manifest.json (at ${moto.endpoint}) already exists with other bytes: a published release is never overwritten (publish a new version)`]);
    expect(real.error).toBe(plan.refusals[0]);
    expect(await listed('releases', 'taken/')).toEqual(['taken/ledger/3.2.0/manifest.json']);
    expect(await moto.boto({ op: 'sha256', bucket: 'releases', keys: ['taken/ledger/3.2.0/manifest.json'] })).toEqual({ 'taken/ledger/3.2.0/manifest.json': sha256(Buffer.from('{"other":true}')) });
  }, 60_000);
});

describe('a race between plan and apply', () => {
  it('another publish writes other bytes after the plan: the PUT (If-None-Match: *) is refused by moto, apply fails, their bytes stay', async () => {
    const { s3Backend } = await import('../src/s3/backend.js');
    const config = s3({ prefix: 'race' }) as Parameters<typeof s3Backend.plan>[0];
    const context = { env: keysEnv() };
    const plan = s3Backend.plan(config, release, await s3Backend.inspect(config, release, context));
    expect(plan.actions.every((a) => a.action === 'upload')).toBe(true);
    const theirs = Buffer.from('{"name":"ledger","version":"3.2.0","theirs":true}');
    await moto.boto({ op: 'put', bucket: 'releases', objects: { 'race/ledger/3.2.0/manifest.json': theirs.toString('base64') } });
    await expect(s3Backend.apply(plan, context)).rejects.toThrow(
      `s3://releases/race/ledger/3.2.0/manifest.json (at ${moto.endpoint}) was written with other bytes by another publish of ledger 3.2.0 at the same time: a published release is never overwritten; check the release before using it`,
    );
    expect(await moto.boto({ op: 'sha256', bucket: 'releases', keys: ['race/ledger/3.2.0/manifest.json'] })).toEqual({ 'race/ledger/3.2.0/manifest.json': sha256(theirs) });
    // Published in order: the binary before, nothing after the refused file (checksums.txt stays unpublished).
    expect(await listed('releases', 'race/')).toEqual([`race/ledger/3.2.0/${BINARY}`, 'race/ledger/3.2.0/manifest.json']);
  }, 60_000);
});

describe('SigV4 and credentials', () => {
  it('a wrong secret: moto refuses the signature, the error says 403 SignatureDoesNotMatch and never prints the secret', async () => {
    const secret = 'wrong-secret-value-0123456789abcdefABCDEF';
    const error = await publishWith(s3({ prefix: 'wrong' }), release, { env: keysEnv({ AWS_SECRET_ACCESS_KEY: secret }) }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/^GET s3:\/\/releases\/wrong\/ledger\/3\.2\.0\/fctl-plugin-ledger-linux-amd64 \(at http:\/\/127\.0\.0\.1:\d+\) answered 403 Forbidden \(SignatureDoesNotMatch: [^)]+\) \(the credentials from the environment \(AWS_ACCESS_KEY_ID\) are refused/);
    expect(error?.message).not.toContain(secret);
    expect(await listed('releases', 'wrong/')).toEqual([]);
  }, 60_000);

  it('a session token moto does not know: its InvalidToken is surfaced, the token never printed', async () => {
    const token = 'session-token-value-IQoJb3JpZ2luX2VjEXYZ';
    const error = await publishWith(s3({ prefix: 'wrong' }), release, { env: keysEnv({ AWS_SESSION_TOKEN: token }) }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/answered 400 Bad Request \(InvalidToken: The provided token is malformed or otherwise invalid\.\)$/);
    expect(error?.message).not.toContain(token);
    expect(error?.message).not.toContain(moto.keys.secret);
  }, 60_000);

  it('no credentials anywhere: publishing refuses before any request, saying where credentials come from', async () => {
    await expect(publishWith(s3({ prefix: 'none' }), release, { env: { HOME: work } })).rejects.toThrow(/no AWS credentials to publish with: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('credentials from a shared credentials file (a profile), region and endpoint from the config file', async () => {
    const dir = mkdtempSync(join(work, 'aws-'));
    writeFileSync(join(dir, 'credentials'), `[default]\naws_access_key_id = AKIAWRONGWRONGWRONG\naws_secret_access_key = wrong\n\n[team.ci]\naws_access_key_id = ${moto.keys.id}\naws_secret_access_key = ${moto.keys.secret}\n`);
    writeFileSync(join(dir, 'config'), `[profile team.ci]\nregion = eu-west-3\nendpoint_url = ${moto.endpoint}\n`);
    const env = { HOME: work, AWS_PROFILE: 'team.ci', AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config') };
    const { plan, real } = await dryThenReal({ backend: 's3', bucket: 'releases', prefix: 'profile' }, { env });
    expect(real.error).toBeUndefined();
    expect(real.actions).toEqual(plan.actions);
    expect(plan.source).toEqual({ backend: 's3', bucket: 'releases', prefix: 'profile', region: 'eu-west-3', endpoint: moto.endpoint });
    expect(await listed('releases', 'profile/')).toEqual(FILES.map((f) => `profile/ledger/3.2.0/${f}`).sort());
    // The same profile name missing from both files is an error naming them.
    await expect(publishWith({ backend: 's3', bucket: 'releases' }, release, { env: { ...env, AWS_PROFILE: 'absent' } })).rejects.toThrow(`AWS_PROFILE names the profile "absent", which neither ${join(dir, 'credentials')} nor ${join(dir, 'config')} has`);
  }, 60_000);
});

describe('virtual-hosted addressing', () => {
  let proxy: Server;
  const seen: string[] = [];
  beforeAll(async () => {
    // A proxy that tunnels every *.localhost name to 127.0.0.1 (undici's proxy agent CONNECTs):
    // how virtual-hosted names reach moto offline (the system resolver knows no bucket.localhost
    // here). It records the tunnels and the request lines and Host headers that pass through them.
    proxy = createServer((_, res) => res.writeHead(405).end());
    proxy.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
      const target = new URL(`http://${req.url}`);
      seen.push(`CONNECT ${req.url}`);
      if (!target.hostname.endsWith('.localhost')) return client.destroy();
      const upstream = connect(Number(target.port), '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      client.on('data', (chunk: Buffer) => {
        const text = chunk.toString('latin1');
        for (const [, method, path] of text.matchAll(/(GET|PUT|HEAD) (\/\S*) HTTP\/1\.1\r\n/g)) seen.push(`${method} ${path}`);
        for (const [, host] of text.matchAll(/\r\nhost: ([^\r]+)\r\n/gi)) seen.push(`host ${host}`);
      });
      const drop = () => (client.destroy(), upstream.destroy());
      client.on('error', drop);
      upstream.on('error', drop);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

  it('requests go to http://virtual.localhost:PORT/<key> (signed for that host), moto stores them in the bucket, boto3 lists them', async () => {
    const env = keysEnv({ HTTP_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
    const { plan, real } = await dryThenReal({ backend: 's3', bucket: 'virtual', endpoint: `http://localhost:${moto.port}`, addressing: 'virtual' }, { env });
    expect(real.error).toBeUndefined();
    expect(real.actions).toEqual(plan.actions);
    expect(plan.source).toEqual({ backend: 's3', bucket: 'virtual', region: 'us-east-1', endpoint: `http://localhost:${moto.port}`, addressing: 'virtual' });
    expect(seen).toContain(`PUT /ledger/3.2.0/${BINARY}`);
    expect(seen.filter((line) => line.startsWith('CONNECT ')).length).toBeGreaterThan(0);
    expect(new Set(seen.filter((line) => /^(CONNECT|host) /.test(line)).map((line) => line.split(' ')[1]))).toEqual(new Set([`virtual.localhost:${moto.port}`]));
    expect(seen.filter((line) => /^(GET|PUT) /.test(line)).every((line) => line.includes(' /ledger/3.2.0/'))).toBe(true);
    expect(await listed('virtual', '')).toEqual(FILES.map((f) => `ledger/3.2.0/${f}`).sort());
  }, 60_000);

  it('virtual-hosted needs a host name: an IP endpoint is refused before any request', async () => {
    await expect(publishWith(s3({ addressing: 'virtual' }), release, { env: keysEnv() })).rejects.toThrow(/virtual-hosted addressing needs a host name, and the endpoint http:\/\/127\.0\.0\.1:\d+ is an IP address: use addressing "path"/);
  });
});
