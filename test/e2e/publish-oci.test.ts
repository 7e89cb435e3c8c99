// build -> publish to a real OCI registry (Debian's docker-registry: anonymous, htpasswd basic auth,
// token auth) -> plan == apply on the real build -> cross-checked by skopeo (raw manifest) and oras
// (manifest fetch, pull; then the documented chmod and the binary runs) -> registry entry -> the
// core installs from the artifact, verifying every digest, and runs the plugin.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPlatform, generateSigningKey, parseChecksums } from '@fctl-kit/artifacts';
import { NOT_STARTED_BY_FCTL_EXIT_CODE } from '@fctl-kit/protocol';
import { ARTIFACT_TYPE, readBuildRelease, type PublishAction, type ReleaseArtifacts } from '@fctl-kit/backends';
import { ociBackend } from '../../packages/backends/src/oci/backend.js';
import { LAYER_MEDIA_TYPES } from '../../packages/backends/src/oci/artifact.js';

/** What `fctl-kit publish` prints on stdout. */
type Report = { backend: string; location: string; source: Record<string, unknown>; actions: PublishAction[]; bytesUploaded: number };
import { newFctl } from '../support/fctl.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { dockerConfig, startOciRegistry, type OciRegistry } from '../support/oci-registry.js';
import { exec, fctlKit as runFctlKit } from '../support/exec.js';
import { examplePluginDir, repoRoot } from '../support/paths.js';
import { expectDiscoveredAndRan, onTerminal } from '../support/terminal.js';

const oras = join(repoRoot, '.tools', 'bin', 'oras');
const keys = generateSigningKey();
const platform = currentPlatform();
let work: string;
let buildDir: string;
let ledger: RunningLedger;
const registries: OciRegistry[] = [];

const fctlKit = (args: string[], env: NodeJS.ProcessEnv = {}) => runFctlKit(args, { cwd: work, env });

async function registry(auth: Parameters<typeof startOciRegistry>[0]): Promise<OciRegistry> {
  const started = await startOciRegistry(auth);
  registries.push(started);
  return started;
}

function registryFile(repository: string, pin: string): string {
  const path = join(work, `registry-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    path,
    ['plugins:', '  ledger:', '    distribution: oci', `    oci: ${repository}`, '    publicKey: |', ...keys.publicKey.trim().split('\n').map((l) => `      ${l}`), '    versions:', '      3.2.0:', '        compatibleWith: ">=3.0.0 <4.0.0"', `        checksumsSha256: ${pin}`, ''].join('\n'),
  );
  return path;
}

const checksumsPin = () => createHash('sha256').update(readFileSync(join(buildDir, 'checksums.txt'))).digest('hex');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'publish-oci-'));
  buildDir = join(work, 'build');
  const built = await fctlKit(['build', examplePluginDir, '--service-version', '3.2.0', '--out', buildDir, '--targets', `${platform.os}-${platform.arch}`], { FCTL_KIT_SIGNING_KEY: keys.privateKey });
  if (built.code !== 0) throw new Error(built.stderr);
  ledger = await startLedger('3.2.0');
}, 900_000); // one build, with xz compression, takes minutes on a loaded 2-core machine
afterAll(async () => {
  await Promise.all([ledger?.stop(), ...registries.map((r) => r.stop())]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('an anonymous registry', () => {
  it('plan == apply on the real build: a dry run plans every blob and the tag, the real run does exactly that; then everything is skipped', async () => {
    const oci = await registry({ kind: 'anonymous' });
    const release = await readBuildRelease(buildDir);
    const config = { backend: 'oci' as const, to: `${oci.host}/fctl/ledger` };
    const context = { env: { DOCKER_CONFIG: join(work, 'no-docker-config') } };
    const dry = ociBackend.plan(config, release, await ociBackend.inspect(config, release, context));
    expect(dry.refusals).toEqual([]);
    expect(dry.actions.map((a) => [a.subject, a.action])).toEqual([['config blob', 'upload'], ...release.files.map((f) => [f.name, 'upload']), ['tag 3.2.0', 'create']]);
    const real = await ociBackend.apply(ociBackend.plan(config, release, await ociBackend.inspect(config, release, context)), context);
    expect(real.actions).toEqual(dry.actions);
    expect(real.bytesUploaded).toBeGreaterThan(50 * 1024 * 1024);
    const again = ociBackend.plan(config, release, await ociBackend.inspect(config, release, context));
    expect(again.actions.every((a) => a.action === 'skip')).toBe(true);
    expect((await ociBackend.apply(again, context)).actions).toEqual(again.actions);
  }, 120_000);

  it('fctl-kit publish: --dry-run prints the actions the real run then performs; a second publish uploads zero blob bytes', async () => {
    const oci = await registry({ kind: 'anonymous' });
    const dry = await fctlKit(['publish', buildDir, '--backend', 'oci', '--to', `${oci.host}/fctl/ledger`, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const first = await fctlKit(['publish', buildDir, '--backend', 'oci', '--to', `${oci.host}/fctl/ledger`]);
    expect(first.code, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout) as Report;
    expect(summary.actions).toContainEqual(expect.objectContaining({ subject: 'tag 3.2.0', action: 'create' }));
    expect(summary.actions, 'fctl-kit publish does what its --dry-run printed').toEqual((JSON.parse(dry.stdout) as { actions: unknown[] }).actions);
    expect(summary).toMatchObject({ backend: 'oci', location: `${oci.host}/fctl/ledger:3.2.0`, source: { backend: 'oci', repository: `${oci.host}/fctl/ledger` } });
    expect(summary.bytesUploaded).toBeGreaterThan(50 * 1024 * 1024);
    const again = JSON.parse((await fctlKit(['publish', buildDir, '--backend', 'oci', '--to', `${oci.host}/fctl/ledger`])).stdout) as Report;
    expect(again.bytesUploaded).toBe(0);
    expect(again.actions.every((a) => a.action === 'skip')).toBe(true);
  }, 120_000);

  it('skopeo and oras see the media types of each kind, the platform of each binary, and the reverse-DNS annotation keys', async () => {
    const oci = await registry({ kind: 'anonymous' });
    const published = await fctlKit(['publish', buildDir, '--backend', 'oci', '--to', `${oci.host}/fctl/ledger`]);
    expect(published.code, published.stderr).toBe(0);
    const reference = `${oci.host}/fctl/ledger:3.2.0`;
    const raw = await exec('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${reference}`], { cwd: work });
    expect(raw.code, raw.stderr).toBe(0);
    const fetched = await exec(oras, ['manifest', 'fetch', '--plain-http', reference], { cwd: work });
    expect(fetched.code, fetched.stderr).toBe(0);
    expect(JSON.parse(fetched.stdout), 'both clients read the same manifest').toEqual(JSON.parse(raw.stdout));
    const manifest = JSON.parse(raw.stdout) as { artifactType: string; config: object; annotations: Record<string, string>; layers: Array<{ mediaType: string; digest: string; annotations: Record<string, string> }> };
    expect(manifest).toMatchObject({ artifactType: ARTIFACT_TYPE, config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2 } });
    expect(manifest.annotations).toEqual({
      'org.opencontainers.image.title': 'fctl-plugin-ledger',
      'org.opencontainers.image.version': '3.2.0',
      'dev.fctl-plugin-kit.plugin.name': 'ledger',
      'dev.fctl-plugin-kit.plugin.version': '3.2.0',
      'dev.fctl-plugin-kit.plugin.service': 'ledger',
      'dev.fctl-plugin-kit.plugin.compatible-with': '>=3.0.0 <4.0.0',
    });

    // Every layer is typed by artifacts.json's entry for its file, not by its name.
    const release: ReleaseArtifacts = await readBuildRelease(buildDir);
    expect(manifest.layers.map((l) => l.annotations['org.opencontainers.image.title'])).toEqual(release.files.map((f) => f.name));
    // The plugin's compat scenarios are a layer like every file (issue 15 item 1).
    expect(manifest.layers.find((l) => l.annotations['org.opencontainers.image.title'] === 'scenarios.yaml')?.mediaType).toBe('application/vnd.fctl.plugin.scenarios.v1+yaml');
    for (const file of release.files) {
      const layer = manifest.layers.find((l) => l.annotations['org.opencontainers.image.title'] === file.name)!;
      const kind = file.name === 'artifacts.json' ? 'artifact-list' : file.kind;
      expect(layer.mediaType, file.name).toBe(LAYER_MEDIA_TYPES[kind as keyof typeof LAYER_MEDIA_TYPES]);
      expect(layer.digest).toBe(`sha256:${file.sha256}`);
      const platform = file.kind === 'binary' || file.kind === 'compressed-binary' ? { 'dev.fctl-plugin-kit.platform': `${file.os}/${file.arch}` } : {};
      const contains = file.kind === 'compressed-binary' ? { 'dev.fctl-plugin-kit.contains': file.contains } : {};
      expect(layer.annotations, file.name).toEqual({ 'org.opencontainers.image.title': file.name, ...platform, ...contains });
    }
    const kinds = new Set(release.files.map((f) => f.kind));
    for (const kind of ['binary', 'bundle', 'manifest', 'checksums', 'signature'] as const) expect(kinds, `the build has a ${kind}`).toContain(kind);
    expect(manifest.layers.find((l) => l.annotations['org.opencontainers.image.title'] === `fctl-plugin-ledger-${platform.os}-${platform.arch}`)).toMatchObject({
      mediaType: 'application/vnd.fctl.plugin.binary.v1',
      annotations: { 'dev.fctl-plugin-kit.platform': `${platform.os}/${platform.arch}` },
    });
  }, 120_000);

  it('oras pull gives the files, which pass sha256sum -c; the binary runs after the chmod +x docs/publishing.md says to do', async () => {
    const oci = await registry({ kind: 'anonymous' });
    const published = await fctlKit(['publish', buildDir, '--backend', 'oci', '--to', `${oci.host}/fctl/ledger`]);
    expect(published.code, published.stderr).toBe(0);
    const pulled = join(work, 'pulled');
    const pull = await exec(oras, ['pull', '--plain-http', '-o', pulled, `${oci.host}/fctl/ledger:3.2.0`], { cwd: work });
    expect(pull.code, pull.stderr).toBe(0);
    const check = await exec('sha256sum', ['-c', 'checksums.txt'], { cwd: pulled });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout.trim().split('\n').every((line) => line.endsWith(': OK'))).toBe(true);
    const release = await readBuildRelease(buildDir);
    expect(readdirSync(pulled).sort()).toEqual(release.files.map((f) => f.name).sort());

    // The other documented way: the pulled directory is a release directory fctl installs from, verified.
    const publicKey = join(work, 'publisher.pub');
    writeFileSync(publicKey, keys.publicKey);
    const fctl = newFctl();
    await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    const installed = await fctl.run(['plugin', 'install', 'ledger', '--from', pulled, '--public-key', publicKey], { timeoutMs: 60_000 });
    expect(installed.code, installed.stderr).toBe(0);
    expect((await fctl.run(['ledger', 'transactions', 'list'])).code).toBe(0);

    // oras writes every file 0644 (OCI has no file mode): the binary does not run until it is made executable.
    const binary = join(pulled, `fctl-plugin-ledger-${platform.os}-${platform.arch}`);
    expect(statSync(binary).mode & 0o111).toBe(0);
    expect((await exec(binary, [])).code).toBe('EACCES');
    chmodSync(binary, 0o755); // docs/publishing.md: chmod +x fctl-plugin-<name>-<os>-<arch>
    const ran = await exec(binary, []);
    expect(ran.code).toBe(NOT_STARTED_BY_FCTL_EXIT_CODE);
    expect(ran.stderr).toContain('This is fctl-plugin-ledger 3.2.0, a plugin for fctl');
  }, 120_000);

  it('refuses to overwrite a tag that holds another artifact', async () => {
    const oci = await registry({ kind: 'anonymous' });
    await fctlKit(['publish', buildDir, '--backend', 'oci', '--to', `${oci.host}/fctl/ledger`]);
    const other = join(work, 'other-build');
    const built = await fctlKit(['build', examplePluginDir, '--service-version', '3.2.0', '--out', other, '--targets', `${platform.os}-${platform.arch}`]);
    expect(built.code, built.stderr).toBe(0);
    const refused = await fctlKit(['publish', other, '--backend', 'oci', '--to', `${oci.host}/fctl/ledger`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^Error: ${oci.host}/fctl/ledger:3\\.2\\.0 already holds another artifact \\(sha256:[0-9a-f]{64}\\): a published release is never overwritten`));
  }, 120_000);

  it('the core discovers the artifact, installs it and runs the plugin; a corrupted blob is refused', async () => {
    const oci = await registry({ kind: 'anonymous' });
    await fctlKit(['publish', buildDir, '--backend', 'oci', '--to', `${oci.host}/fctl/ledger`]);
    const fctl = newFctl({ FCTL_REGISTRY: registryFile(`${oci.host}/fctl/ledger`, checksumsPin()) });
    await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    // Discovered on first use: the prompt answered on a terminal, then the command runs.
    expectDiscoveredAndRan(await onTerminal(fctl, ['ledger', 'transactions', 'list'], 'y'));

    // Corrupt this platform's binary, raw and compressed, in the registry's storage (same size, one byte flipped).
    const release = await readBuildRelease(buildDir);
    const mine = release.files.filter((f) => (f.kind === 'binary' || f.kind === 'compressed-binary') && f.os === platform.os && f.arch === platform.arch);
    expect(mine.length).toBeGreaterThan(0);
    for (const file of mine) {
      const blob = join(oci.dataDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', file.sha256.slice(0, 2), file.sha256, 'data');
      const bytes = readFileSync(blob);
      bytes[1000] = bytes[1000]! ^ 0xff;
      writeFileSync(blob, bytes);
    }
    const other = newFctl({ FCTL_REGISTRY: registryFile(`${oci.host}/fctl/ledger`, checksumsPin()) });
    await other.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    const refused = await other.run(['plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
    expect(refused.code).toBe(1);
    // The layer's digest is checked as it streams; a compressed one is refused by the decoder first when the flip breaks it.
    const names = mine
      .map((f) => `\\(${f.name.replace(/\./g, '\\.')}\\) ${f.kind === 'compressed-binary' ? `(is not valid ${f.compression}: .*|has digest sha256:[0-9a-f]{64}, but its manifest says sha256:${f.sha256})` : `has digest sha256:[0-9a-f]{64}, but its manifest says sha256:${f.sha256}`}`)
      .join('|');
    expect(refused.stderr).toMatch(new RegExp(`installing ledger 3\\.2\\.0 failed: oci://${oci.host}/fctl/ledger:3\\.2\\.0 (${names})\\. Nothing was installed\\.`));
  }, 120_000);
});

describe('registries that require authentication', () => {
  it.each(['basic', 'token'] as const)('%s: publishes and installs with credentials from a Docker config.json, and says so without them', async (kind) => {
    const oci = await registry({ kind, username: 'publisher', password: 's3cret-password' });
    const repository = `${oci.host}/fctl/ledger`;
    const anonymous = await fctlKit(['publish', buildDir, '--backend', 'oci', '--to', repository], { DOCKER_CONFIG: join(work, 'no-docker-config') });
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/requires authentication: add credentials to your Docker config.json|token service of .* answered 401/);

    const docker = dockerConfig(oci.host, 'publisher', 's3cret-password');
    const published = await fctlKit(['publish', buildDir, '--backend', 'oci', '--to', repository], { DOCKER_CONFIG: docker });
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout + published.stderr).not.toContain('s3cret-password');
    if (kind === 'token') expect(oci.tokenRequests).toBeGreaterThan(0);

    const wrong = dockerConfig(oci.host, 'publisher', 'wrong-password');
    const refused = await fctlKit(['publish', buildDir, '--backend', 'oci', '--to', repository], { DOCKER_CONFIG: wrong });
    expect(refused.code).toBe(1);
    expect(refused.stderr).not.toContain('wrong-password');

    const fctl = newFctl({ FCTL_REGISTRY: registryFile(repository, checksumsPin()), DOCKER_CONFIG: docker });
    await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    const install = await fctl.run(['--debug', 'plugin', 'install', 'ledger'], { timeoutMs: 60_000 });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).not.toContain('s3cret-password');
    expect((await fctl.run(['ledger', 'transactions', 'list'])).code).toBe(0);
  }, 120_000);
});

it('oras is available for the cross-check', () => {
  expect(existsSync(oras) && statSync(oras).isFile()).toBe(true);
});
