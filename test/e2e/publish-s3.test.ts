// build -> `fctl-kit publish --backend s3` to a real S3-compatible server (moto on 127.0.0.1, checking
// SigV4) -> a registry whose source is that bucket -> `fctl plugin install` -> run. The dry run's
// plan is what the real run does; boto3 (an independent client) sees the same bytes; fctl installs
// with signed reads when the user configured the endpoint, and anonymously from public objects
// boto3 put; a registry naming the endpoint when the user did not configure it gets no signature.
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPlatform, generateSigningKey, sha256File } from '@fctl-kit/artifacts';
import type { PublishAction } from '@fctl-kit/backends';
import { startMoto, type Moto } from '../../packages/backends/test/s3/moto.js';
import { fctlKit as runFctlKit } from '../support/exec.js';
import { newFctl, type Fctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { examplePluginDir } from '../support/paths.js';
import { writePinnedRegistry } from '../support/pinned-registry.js';

const keys = generateSigningKey();
const platform = currentPlatform();
let work: string;
let buildDir: string;
let moto: Moto;
let ledger: RunningLedger;
let pin: string;

type Report = { backend: string; location: string; dryRun: boolean; actions: PublishAction[]; refusals: string[]; source: Record<string, string>; bytesUploaded: number };

const keysEnv = () => ({ AWS_ACCESS_KEY_ID: moto.keys.id, AWS_SECRET_ACCESS_KEY: moto.keys.secret, AWS_CONFIG_FILE: join(work, 'no-config'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-credentials') });
const fctlKit = (args: string[], env: NodeJS.ProcessEnv = {}) => runFctlKit(args, { cwd: work, env });
const publish = (extra: string[] = []) => fctlKit(['publish', buildDir, '--backend', 's3', '--bucket', 'fctl-releases', '--prefix', 'plugins', '--endpoint', moto.endpoint, ...extra], keysEnv());

function registry(name: string, source: Record<string, string>): string {
  return writePinnedRegistry(join(work, `${name}.yaml`), { publicKey: keys.publicKey, pin, sources: [source] });
}

async function fctlWith(registryPath: string, env: NodeJS.ProcessEnv): Promise<Fctl> {
  const fctl = newFctl({ FCTL_REGISTRY: registryPath, FCTL_DOWNLOAD_RETRIES: '0', AWS_CONFIG_FILE: join(work, 'no-config'), AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-credentials'), ...env });
  await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
  return fctl;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'publish-s3-'));
  buildDir = join(work, 'build');
  const [built] = await Promise.all([
    fctlKit(['build', examplePluginDir, '--service-version', '3.2.0', '--out', buildDir, '--targets', `${platform.os}-${platform.arch}`], { FCTL_KIT_SIGNING_KEY: keys.privateKey }),
    startMoto(['fctl-releases', 'fctl-public']).then((started) => (moto = started)),
  ]);
  if (built.code !== 0) throw new Error(built.stderr);
  pin = await sha256File(join(buildDir, 'checksums.txt'));
  await moto.auth(true);
  ledger = await startLedger('3.2.0');
}, 900_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), ledger?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('fctl-kit publish --backend s3, then fctl plugin install from the bucket', () => {
  it('the dry run plans every upload, the real run does exactly that, boto3 reads the same bytes, again skips all', async () => {
    const dry = await publish(['--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout) as Report;
    expect(planned).toMatchObject({ backend: 's3', dryRun: true, refusals: [], location: `s3://fctl-releases/plugins/ledger/3.2.0/ (at ${moto.endpoint})` });
    expect(planned.actions.map((a) => a.action)).toEqual(planned.actions.map(() => 'upload'));
    expect(planned.actions.slice(-1)[0]!.subject).toMatch(/^checksums\.txt/);
    expect(await moto.boto<string[]>({ op: 'list', bucket: 'fctl-releases' })).toEqual([]);

    const real = await publish();
    expect(real.code, real.stderr).toBe(0);
    const done = JSON.parse(real.stdout) as Report;
    expect(done.actions).toEqual(planned.actions);
    expect(done.source).toEqual({ backend: 's3', bucket: 'fctl-releases', prefix: 'plugins', region: 'us-east-1', endpoint: moto.endpoint });

    const names = planned.actions.map((a) => a.subject);
    expect(names).toContain('scenarios.yaml');
    const objectKeys = names.map((name) => `plugins/ledger/3.2.0/${name}`);
    expect(await moto.boto<string[]>({ op: 'list', bucket: 'fctl-releases' })).toEqual([...objectKeys].sort());
    const hashes = await moto.boto<Record<string, string>>({ op: 'sha256', bucket: 'fctl-releases', keys: objectKeys });
    for (const name of names) expect(hashes[`plugins/ledger/3.2.0/${name}`], name).toBe(await sha256File(join(buildDir, name)));

    const again = JSON.parse((await publish()).stdout) as Report;
    expect(again.bytesUploaded).toBe(0);
    expect(again.actions.every((a) => a.action === 'skip')).toBe(true);
  }, 300_000);

  it('fctl installs through a registry whose source is the bucket, reading signed (the user configured the endpoint), and runs it', async () => {
    const fctl = await fctlWith(registry('signed', { backend: 's3', bucket: 'fctl-releases', prefix: 'plugins', region: 'us-east-1', endpoint: moto.endpoint }), { ...keysEnv(), AWS_ENDPOINT_URL_S3: moto.endpoint });
    const install = await fctl.run(['plugin', 'install', 'ledger'], { timeoutMs: 120_000 });
    expect(install.code, install.stderr).toBe(0);
    const list = await fctl.run(['ledger', 'transactions', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+TIMESTAMP/);
  }, 180_000);

  it('the same registry when the user did not configure that endpoint: fctl reads anonymously, moto refuses, nothing is installed and no secret is printed', async () => {
    // With its auth off moto still applies the objects' ACLs: an unsigned GET of these private
    // objects is a 403 (with auth on it would be a server error, moto's auth cannot serve anonymous requests).
    await moto.auth(false);
    try {
      const fctl = await fctlWith(registry('unconfigured', { backend: 's3', bucket: 'fctl-releases', prefix: 'plugins', region: 'us-east-1', endpoint: moto.endpoint }), keysEnv());
      const install = await fctl.run(['plugin', 'install', 'ledger'], { timeoutMs: 120_000 });
      expect(install.code).not.toBe(0);
      expect(install.stderr).toContain('answered 403');
      expect(install.stderr).toContain('read anonymously: AWS credentials are sent only to AWS and to an endpoint you configure');
      expect(install.stderr).not.toContain(moto.keys.secret);
      expect(install.stderr).not.toContain(moto.keys.id);
      expect((await fctl.run(['plugin', 'list', '-o', 'json'])).stdout.trim()).toBe('[]');
    } finally {
      await moto.auth(true);
    }
  }, 180_000);

  it('objects put by boto3 (public-read) install anonymously, with no AWS credentials at all', async () => {
    const objects = Object.fromEntries(readdirSync(buildDir).map((name) => [`ledger/3.2.0/${name}`, readFileSync(join(buildDir, name)).toString('base64')]));
    await moto.boto({ op: 'put', bucket: 'fctl-public', objects, acl: 'public-read' });
    await moto.auth(false);
    try {
      const fctl = await fctlWith(registry('public', { backend: 's3', bucket: 'fctl-public', region: 'us-east-1', endpoint: moto.endpoint }), {});
      const install = await fctl.run(['plugin', 'install', 'ledger'], { timeoutMs: 120_000 });
      expect(install.code, install.stderr).toBe(0);
      const list = await fctl.run(['ledger', 'transactions', 'list']);
      expect(list.code, list.stderr).toBe(0);
    } finally {
      await moto.auth(true);
    }
  }, 300_000);
});
