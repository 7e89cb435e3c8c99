// The release signature as independent tools see it: the real cosign 2.6.5 verifies checksums.txt.sig,
// the real cosign 3.1.3 verifies checksums.txt.sigstore.json with no deprecation warning, openssl
// verifies the .sig, and every one of them refuses a tampered checksums.txt. All offline: cosign runs
// with a fresh HOME and every proxy variable pointing at a loopback proxy that records and refuses
// whatever it is asked for, so a fetch of Sigstore's TUF trust root shows (and fails). cosign 3 with
// the bundle asks for nothing; cosign 2's .sig form asks for the TUF root, warns and verifies anyway
// (cosign 2 with the bundle and an empty --trusted-root asks for nothing). cosign 3's own key-based
// bundle has our shape and our key hint, and fctl accepts it; fctl and fctl-kit accept a bundle-only
// release (from a directory, and over HTTP from a registry); a real `fctl-kit build` writes both forms.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, loadPrivateKey, publicKeyHint, signChecksums, verifySignedChecksums } from '@fctl-kit/artifacts';
import { exec, fctlKit } from '../support/exec.js';
import { newFctl } from '../support/fctl.js';
import { examplePluginDir, repoRoot } from '../support/paths.js';
import { makeRelease, platformBinary } from '../support/releases.js';
import { startReleaseServer, type ReleaseServer } from '../support/release-server.js';
import { startLedger, type RunningLedger } from '../support/ledger-service.js';
import { currentPlatform, sha256File } from '@fctl-kit/artifacts';

const cosign2 = join(repoRoot, '.tools', 'cosign', 'v2.6.5', 'cosign');
const cosign3 = join(repoRoot, '.tools', 'cosign', 'v3.1.3', 'cosign');
const keys = generateSigningKey();
let work: string;
let release: string;
let bundleOnly: string;
let tampered: string;
let publicKey: string;
let home: string;
let emptyTrustedRoot: string;
let proxy: Server;
const proxied: string[] = [];
const TUF_CDN = 'CONNECT tuf-repo-cdn.sigstore.dev:443';

/** cosign with nowhere to go but the recording proxy, and a HOME of its own (no cached trust root). */
const cosign = (bin: string, args: string[]) => {
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const env = { COSIGN_PASSWORD: '', HOME: home, TUF_ROOT: join(home, 'tuf'), HTTPS_PROXY: proxyUrl, https_proxy: proxyUrl, HTTP_PROXY: proxyUrl, http_proxy: proxyUrl, NO_PROXY: '', no_proxy: '' };
  return exec(bin, args, { env });
};
const verifySignature = (bin: string, dir: string, extra: string[] = ['--insecure-ignore-tlog=true']) =>
  cosign(bin, ['verify-blob', '--key', publicKey, '--signature', join(dir, 'checksums.txt.sig'), ...extra, join(dir, 'checksums.txt')]);
const verifyBundle = (bin: string, dir: string) => cosign(bin, ['verify-blob', '--key', publicKey, '--bundle', join(dir, 'checksums.txt.sigstore.json'), '--insecure-ignore-tlog=true', join(dir, 'checksums.txt')]);

beforeAll(async () => {
  for (const bin of [cosign2, cosign3]) if (!existsSync(bin)) throw new Error(`${bin} is missing: run "node tools/test-system-deps.mjs" (npm test does it)`);
  work = mkdtempSync(join(tmpdir(), 'cosign-'));
  home = join(work, 'home');
  mkdirSync(home);
  publicKey = join(work, 'publisher.pub');
  writeFileSync(publicKey, keys.publicKey);
  writeFileSync(join(work, 'publisher.key'), keys.privateKey);
  // A trusted root with no services: a key-based, log-less signature needs none of Sigstore's.
  emptyTrustedRoot = join(work, 'empty-trusted-root.json');
  writeFileSync(emptyTrustedRoot, '{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}\n');
  // Signed as the build signs: both files from the one function build-plugin calls.
  release = (await makeRelease(join(work, 'releases', 'signed'), '3.2.0')).dir;
  for (const file of signChecksums(readFileSync(join(release, 'checksums.txt')), loadPrivateKey(keys.privateKey, 'test key'))) writeFileSync(join(release, file.name), file.contents);
  bundleOnly = join(work, 'releases', 'bundle-only');
  tampered = join(work, 'releases', 'tampered');
  for (const dir of [bundleOnly, tampered]) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(release)) writeFileSync(join(dir, name), readFileSync(join(release, name)));
  }
  rmSync(join(bundleOnly, 'checksums.txt.sig'));
  writeFileSync(join(tampered, 'checksums.txt'), `${readFileSync(join(release, 'checksums.txt'), 'utf8')}${'f'.repeat(64)}  fctl-plugin-ledger-linux-arm64\n`);
  proxy = createServer((request, response) => {
    proxied.push(`${request.method} ${request.url}`);
    response.writeHead(403).end();
  });
  proxy.on('connect', (request, socket) => {
    proxied.push(`CONNECT ${request.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('cosign 2.6.5: checksums.txt.sig', () => {
  it('verifies with --key --signature --insecure-ignore-tlog=true with the network refused (it only asks for the TUF root), and refuses a tampered checksums.txt', async () => {
    const before = proxied.length;
    const ok = await verifySignature(cosign2, release);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('Verified OK');
    expect(ok.stderr).toContain('Could not fetch trusted_root.json from the TUF repository. Continuing');
    const refused = await verifySignature(cosign2, tampered);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).not.toContain('Verified OK');
    expect(refused.stderr).toContain('invalid signature');
    expect(new Set(proxied.slice(before))).toEqual(new Set([TUF_CDN]));
  }, 120_000);

  it('verifies the bundle too, asking for nothing, with --new-bundle-format and an empty --trusted-root', async () => {
    const before = proxied.length;
    const args = (dir: string) => ['verify-blob', '--key', publicKey, '--bundle', join(dir, 'checksums.txt.sigstore.json'), '--new-bundle-format', '--trusted-root', emptyTrustedRoot, '--insecure-ignore-tlog=true', join(dir, 'checksums.txt')];
    const ok = await cosign(cosign2, args(release));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('Verified OK');
    const refused = await cosign(cosign2, args(tampered));
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).not.toContain('Verified OK');
    expect(proxied.slice(before)).toEqual([]);
  }, 120_000);

  it('without --insecure-ignore-tlog reaches for the network (so the proxy trap above is real) and fails here', async () => {
    const before = proxied.length;
    const result = await verifySignature(cosign2, release, []);
    expect(result.code).not.toBe(0);
    expect(result.stderr).not.toContain('Verified OK');
    expect(proxied.slice(before)).toContain(TUF_CDN);
  }, 120_000);
});

describe('cosign 3.1.3: checksums.txt.sigstore.json', () => {
  it('verifies with --key --bundle --insecure-ignore-tlog=true, asking the network for nothing, with no deprecation warning', async () => {
    rmSync(join(home, '.sigstore'), { recursive: true, force: true });
    const before = proxied.length;
    const ok = await verifyBundle(cosign3, release);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('Verified OK');
    expect(ok.stderr).not.toMatch(/deprecat/i);
    expect(ok.stderr).not.toContain('Flag --');
    expect(proxied.slice(before)).toEqual([]);
    expect(existsSync(join(home, '.sigstore'))).toBe(false);
  }, 120_000);

  it('refuses the bundle over a tampered checksums.txt, and a bundle whose signature was swapped', async () => {
    const refused = await verifyBundle(cosign3, tampered);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).not.toContain('Verified OK');
    const swapped = join(work, 'releases', 'swapped');
    mkdirSync(swapped, { recursive: true });
    writeFileSync(join(swapped, 'checksums.txt'), readFileSync(join(tampered, 'checksums.txt')));
    const other = signChecksums(readFileSync(join(tampered, 'checksums.txt')), loadPrivateKey(generateSigningKey().privateKey, 'other key'));
    writeFileSync(join(swapped, 'checksums.txt.sigstore.json'), other[1]!.contents);
    const wrongKey = await verifyBundle(cosign3, swapped);
    expect(wrongKey.code).not.toBe(0);
    expect(wrongKey.stderr).not.toContain('Verified OK');
  }, 120_000);

  it("still verifies cosign 2's --signature form, but warns that it is deprecated (what the bundle avoids)", async () => {
    const result = await verifySignature(cosign3, release);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Flag --signature has been deprecated, please use --bundle to provide a signature');
  }, 120_000);

  it("writes, for our key, a bundle of our shape with our hint (its own sign-blob --key), which fctl's verifier accepts", async () => {
    const before = proxied.length;
    const key = join(work, 'imported');
    const imported = await cosign(cosign3, ['import-key-pair', '--key', join(work, 'publisher.key'), '--output-key-prefix', key, '-y']);
    expect(imported.code, imported.stderr).toBe(0);
    const signingConfig = join(work, 'signing-config.json');
    const config = await cosign(cosign3, ['signing-config', 'create', '--out', signingConfig]);
    expect(config.code, config.stderr).toBe(0);
    const bundlePath = join(work, 'cosign.sigstore.json');
    const signed = await cosign(cosign3, ['sign-blob', '--key', `${key}.key`, '--bundle', bundlePath, '--signing-config', signingConfig, '--trusted-root', emptyTrustedRoot, '-y', join(release, 'checksums.txt')]);
    expect(signed.code, signed.stderr).toBe(0);
    const theirs = JSON.parse(readFileSync(bundlePath, 'utf8'));
    const ours = JSON.parse(readFileSync(join(release, 'checksums.txt.sigstore.json'), 'utf8'));
    expect(theirs.mediaType).toBe(ours.mediaType);
    expect(theirs.verificationMaterial).toEqual({ publicKey: { hint: publicKeyHint(keys.publicKey) } });
    expect(theirs.messageSignature.messageDigest).toEqual(ours.messageSignature.messageDigest);
    const checksums = readFileSync(join(release, 'checksums.txt'), 'utf8');
    await expect(verifySignedChecksums(checksums, { bundle: readFileSync(bundlePath, 'utf8') }, keys.publicKey)).resolves.toEqual(['checksums.txt.sigstore.json']);
    expect(proxied.slice(before)).toEqual([]);
  }, 120_000);
});

describe('openssl', () => {
  it('verifies checksums.txt.sig (base64 DER) and refuses a tampered checksums.txt', async () => {
    const der = join(work, 'checksums.txt.sig.der');
    writeFileSync(der, Buffer.from(readFileSync(join(release, 'checksums.txt.sig'), 'utf8'), 'base64'));
    const ok = await exec('openssl', ['dgst', '-sha256', '-verify', publicKey, '-signature', der, join(release, 'checksums.txt')]);
    expect(ok.stdout.trim()).toBe('Verified OK');
    const refused = await exec('openssl', ['dgst', '-sha256', '-verify', publicKey, '-signature', der, join(tampered, 'checksums.txt')]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout.trim()).toBe('Verification failure');
  }, 60_000);
});

describe('fctl and fctl-kit with a release signed only by its Sigstore bundle', () => {
  it('fctl installs it, saying the bundle was verified; refuses a tampered checksums.txt', async () => {
    const fctl = newFctl();
    const refused = await fctl.run(['plugin', 'install', 'ledger', '--from', tamperedBundleOnly(), '--public-key', publicKey]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error: refusing to install ledger 3\.2\.0: checksums\.txt\.sigstore\.json signs a file with sha256 [0-9a-f]{64}, not this checksums\.txt \(sha256 [0-9a-f]{64}\)\. Nothing was installed\.\n$/);
    const ok = await fctl.run(['plugin', 'install', 'ledger', '--from', bundleOnly, '--public-key', publicKey]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain("Verifying checksum... ok (checksums.txt signed by the publisher's key, verified from its Sigstore bundle (checksums.txt.sigstore.json))\n");
  }, 120_000);

  it('fctl without a key says the release is signed, naming the bundle', async () => {
    const result = await newFctl().run(['plugin', 'install', 'ledger', '--from', bundleOnly]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the release is signed (checksums.txt.sigstore.json), but no public key was given');
  }, 120_000);

  it('fctl-kit verify accepts the bundle alone and refuses it over a tampered checksums.txt', async () => {
    const ok = await fctlKit(['verify', bundleOnly, '--public-key', publicKey]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ signature: true });
    expect(JSON.parse(ok.stdout).verified).toContain(platformBinary());
    const refused = await fctlKit(['verify', tamperedBundleOnly(), '--public-key', publicKey]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('checksums.txt.sigstore.json signs a file with sha256');
  }, 120_000);
});

function tamperedBundleOnly(): string {
  const dir = join(work, 'releases', 'tampered-bundle-only');
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(tampered)) if (name !== 'checksums.txt.sig') writeFileSync(join(dir, name), readFileSync(join(tampered, name)));
  }
  return dir;
}

describe('over HTTP, from a registry that pins checksums.txt and gives the publisher key', () => {
  let server: ReleaseServer;
  let ledger: RunningLedger;
  beforeAll(async () => {
    [server, ledger] = await Promise.all([startReleaseServer(), startLedger('3.2.0')]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([server?.stop(), ledger?.stop()]);
  });

  /** Serves `dir` under /<scenario>/ledger/3.2.0/ (`files` overriding or, when null, removing names) and writes a registry for it. */
  async function publish(scenario: string, dir: string, files: Record<string, string | null> = {}): Promise<string> {
    for (const name of readdirSync(dir)) server.files.set(`/${scenario}/ledger/3.2.0/${name}`, readFileSync(join(dir, name)));
    for (const [name, contents] of Object.entries(files)) {
      if (contents === null) server.files.delete(`/${scenario}/ledger/3.2.0/${name}`);
      else server.files.set(`/${scenario}/ledger/3.2.0/${name}`, Buffer.from(contents));
    }
    const registry = join(work, `${scenario}.yaml`);
    const lines = ['plugins:', '  ledger:', '    distribution: url', `    url: ${server.url}/${scenario}/{name}/{version}/{file}`, '    publicKey: |', ...keys.publicKey.trim().split('\n').map((line) => `      ${line}`)];
    lines.push('    versions:', '      3.2.0:', '        compatibleWith: ">=3.0.0 <4.0.0"', `        checksumsSha256: ${await sha256File(join(dir, 'checksums.txt'))}`, '');
    writeFileSync(registry, lines.join('\n'));
    return registry;
  }
  const install = async (registry: string) => {
    const fctl = newFctl({ FCTL_REGISTRY: registry, FCTL_DOWNLOAD_RETRY_DELAY_MS: '5' });
    await fctl.run(['profile', 'add', 'main', '--stack-url', ledger.url, '--use']);
    return fctl.run(['plugin', 'install', 'ledger']);
  };
  const checksumsText = () => readFileSync(join(release, 'checksums.txt'), 'utf8');

  it('fctl installs a release that has only the bundle, saying so', async () => {
    const result = await install(await publish('bundle-only', bundleOnly));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("Verifying checksum... ok (checksums.txt signed by the publisher's key, verified from its Sigstore bundle (checksums.txt.sigstore.json))\n");
  }, 120_000);

  it('fctl refuses a .sig that is there and wrong, and never falls back to the (valid) bundle', async () => {
    const wrong = `${signChecksums(`${checksumsText()}#`, loadPrivateKey(keys.privateKey, 'k'))[0]!.contents}`;
    const result = await install(await publish('bad-sig', release, { 'checksums.txt.sig': wrong }));
    expect(result.stderr).toBe("Error: refusing to install ledger 3.2.0: the signature of checksums.txt does not verify with the publisher's public key. Nothing was installed.\n");
    expect(server.requests.get('/bad-sig/ledger/3.2.0/checksums.txt.sigstore.json') ?? 0).toBe(0);
  }, 120_000);

  it('fctl refuses a bundle-only release whose bundle was re-signed by another key, and one with neither form, naming both files', async () => {
    const other = signChecksums(checksumsText(), loadPrivateKey(generateSigningKey().privateKey, 'other'))[1]!.contents;
    const foreign = await install(await publish('foreign-bundle', bundleOnly, { 'checksums.txt.sigstore.json': other }));
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(/^Error: refusing to install ledger 3\.2\.0: checksums\.txt\.sigstore\.json names the key "[A-Za-z0-9+/=]{44}", but the publisher's key is [A-Za-z0-9+/=]{44}\. Nothing was installed\.\n$/);
    const unsigned = await install(await publish('unsigned', bundleOnly, { 'checksums.txt.sigstore.json': null }));
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('the publisher signs its checksums, but checksums.txt.sig cannot be fetched (');
    expect(unsigned.stderr).toContain('), nor checksums.txt.sigstore.json (');
  }, 120_000);

  it('fctl-kit registry validate --check-artifacts accepts either form and refuses a bad bundle beside a good .sig', async () => {
    const platform = platformBinary().replace(/^fctl-plugin-ledger-/, '').replace(/\.exe$/, '');
    const validate = (registry: string) => fctlKit(['registry', 'validate', registry, '--check-artifacts', '--platforms', platform], { cwd: work });
    const bundled = await validate(await publish('check-bundle-only', bundleOnly));
    expect(bundled.code, bundled.stderr).toBe(0);
    expect(bundled.stderr).toContain('1 binaries verified; 0 errors');
    const both = await validate(await publish('check-both', release));
    expect(both.code, both.stderr).toBe(0);
    const other = signChecksums(checksumsText(), loadPrivateKey(generateSigningKey().privateKey, 'other'))[1]!.contents;
    const mixed = await validate(await publish('check-bad-bundle', release, { 'checksums.txt.sigstore.json': other }));
    expect(mixed.code).toBe(1);
    expect(mixed.stderr).toContain('error: plugins.ledger.versions.3.2.0: checksums.txt.sigstore.json names the key');
    const neither = await validate(await publish('check-neither', bundleOnly, { 'checksums.txt.sigstore.json': null }));
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('neither checksums.txt.sig (');
  }, 120_000);
});

describe('a real fctl-kit build with a signing key', () => {
  it('writes both forms; cosign 3 verifies the bundle, cosign 2 the .sig, sha256sum every listed file', async () => {
    const out = join(work, 'build');
    const platform = currentPlatform();
    const built = await fctlKit(['build', examplePluginDir, '--service-version', '3.2.0', '--out', out, '--targets', `${platform.os}-${platform.arch}`], { env: { FCTL_KIT_SIGNING_KEY: keys.privateKey } });
    expect(built.code, built.stderr).toBe(0);
    const listed = JSON.parse(readFileSync(join(out, 'artifacts.json'), 'utf8')).artifacts as Array<{ name: string; kind: string }>;
    expect(listed).toEqual(expect.arrayContaining([{ name: 'checksums.txt.sig', kind: 'signature' }, { name: 'checksums.txt.sigstore.json', kind: 'sigstore-bundle' }]));
    const before = proxied.length;
    const bundle = await verifyBundle(cosign3, out);
    expect(bundle.code, bundle.stderr).toBe(0);
    expect(bundle.stderr).not.toMatch(/deprecat/i);
    expect(proxied.slice(before)).toEqual([]);
    const signature = await verifySignature(cosign2, out);
    expect(signature.code, signature.stderr).toBe(0);
    expect(signature.stderr).toContain('Verified OK');
    const sums = await exec('sha256sum', ['-c', 'checksums.txt'], { cwd: out });
    expect(sums.code, sums.stderr).toBe(0);
    expect(sums.stdout).toContain(`${platformBinary()}: OK`);
  }, 600_000);
});
