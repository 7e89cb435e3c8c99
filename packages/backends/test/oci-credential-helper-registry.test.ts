// Credentials from a Docker credential helper against a real OCI registry (Debian's docker-registry
// on 127.0.0.1, htpasswd basic auth and token auth): publish (inspect, plan, apply) and download
// with the credentials docker-credential-<name> gives - a helper script in a temporary PATH
// directory, named by credHelpers for the registry or by credsStore - and refused with wrong ones.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublishContext, ReleaseArtifacts } from '../src/distribution-backend.js';
import { ociBackend } from '../src/oci/backend.js';
import type { OciConfig } from '../src/oci/plan.js';
import { startOciRegistry, type OciRegistry } from '../../../test/support/oci-registry.js';
import { fullRelease } from './oci-release.js';

const USER = { username: 'publisher', password: 'helper-password-never-printed-0001' };
let work: string;
const registries: OciRegistry[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'oci-credential-helper-'));
});
afterAll(async () => {
  await Promise.all(registries.map((r) => r.stop()));
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A Docker config directory whose config.json is `config`, with a helper `name` answering `password` for `host` only. */
function dockerConfig(config: unknown, name: string, host: string, password: string): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(work, 'docker-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const helper = join(dir, `docker-credential-${name}`);
  writeFileSync(
    helper,
    `#!/bin/sh\nread server\nif [ "$server" = "${host}" ]; then printf '{"ServerURL":"%s","Username":"${USER.username}","Secret":"${password}"}' "$server"; exit 0; fi\necho "credentials not found in native keychain"\nexit 1\n`,
  );
  chmodSync(helper, 0o755);
  return { DOCKER_CONFIG: dir, PATH: `${dir}:/usr/bin:/bin`, HOME: dir };
}

async function publish(config: OciConfig, release: ReleaseArtifacts, context: PublishContext) {
  const plan = ociBackend.plan(config, release, await ociBackend.inspect(config, release, context));
  return ociBackend.apply(plan, context);
}

async function download(config: OciConfig, release: ReleaseArtifacts, file: string, env: NodeJS.ProcessEnv): Promise<string> {
  const source = ociBackend.plan(config, release, { present: [] }).source;
  const files = ociBackend.files(source as never, { name: release.name, version: release.version, platform: { os: 'linux', arch: 'amd64' } }, env);
  const opened = await files.open(file, AbortSignal.timeout(30_000));
  const chunks: Buffer[] = [];
  for await (const chunk of opened.body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

describe.each(['basic', 'token'] as const)('%s auth, credentials from a helper', (kind) => {
  let registry: OciRegistry;
  beforeAll(async () => {
    registry = await startOciRegistry({ kind, ...USER });
    registries.push(registry);
  }, 60_000);

  it.each([
    ['credHelpers for the registry', 'helpers', (host: string) => ({ credHelpers: { [host]: 'test' }, credsStore: 'absent-store' })],
    ['credsStore', 'store', () => ({ credsStore: 'test', auths: {} })],
  ])('%s: publishes and downloads; wrong credentials and none are refused', async (_how, slug, config) => {
    const repository: OciConfig = { backend: 'oci', to: `${registry.host}/fctl/${kind}-${slug}` };
    const release = fullRelease(mkdtempSync(join(work, 'release-')), '3.2.0');
    const env = dockerConfig(config(registry.host), 'test', registry.host, USER.password);

    const outcome = await publish(repository, release, { env });
    expect(outcome.location).toContain(registry.host);
    expect(await download(repository, release, 'fctl-plugin-ledger.cjs', env)).toBe('the bundle');

    const wrong = dockerConfig(config(registry.host), 'test', registry.host, 'not-the-password');
    const refused = await publish(repository, fullRelease(mkdtempSync(join(work, 'release-')), '3.3.0'), { env: wrong }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(refused?.message).toMatch(/refused the credentials|token service of .* answered 401/);
    expect(refused?.message).not.toContain('not-the-password');

    // The helper holds nothing for this host: anonymous, as docker, and the registry says so.
    const elsewhere = dockerConfig(config(registry.host), 'test', 'other.example.com', USER.password);
    const anonymous = await publish(repository, fullRelease(mkdtempSync(join(work, 'release-')), '3.4.0'), { env: elsewhere }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(anonymous?.message).toMatch(/requires authentication: add credentials to your Docker config.json|token service of .* answered 401/);
  }, 120_000);
});
